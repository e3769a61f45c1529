import { Inject, Injectable } from '@nestjs/common';
import { App2WxappHealthIndicator } from 'nestjs-app2wxapp/health';
import type { Database } from '../database/database.interface';
import { InjectDatabase } from '../database/database.providers';
import type { UpstreamConnection } from '../upstream/upstream-connection.interface';
import { InjectUpstream } from '../upstream/upstream.providers';

const CHECK_TIMEOUT_MS = 2000;

export type Reachability = 'up' | 'down';

export interface HealthReport {
  status: 'ok' | 'degraded';
  database: Reachability;
  upstream: Reachability;
  /** `emulator`: logins are served by the in-process emulator, not by Authing. */
  mode: UpstreamConnection['mode'];
}

@Injectable()
export class HealthService {
  constructor(
    @InjectDatabase() private readonly database: Database,
    @InjectUpstream() private readonly upstream: UpstreamConnection,
    @Inject(App2WxappHealthIndicator) private readonly app2wxapp: App2WxappHealthIndicator,
  ) {}

  async check(): Promise<HealthReport> {
    const [database, upstream] = await Promise.all([this.checkDatabase(), this.checkUpstream()]);
    return {
      status: database === 'up' && upstream === 'up' ? 'ok' : 'degraded',
      database,
      upstream,
      mode: this.upstream.mode,
    };
  }

  private async checkDatabase(): Promise<Reachability> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<Reachability>((resolve) => {
      timer = setTimeout(() => resolve('down'), CHECK_TIMEOUT_MS);
    });
    const query = this.database.query('SELECT 1').then(
      (): Reachability => 'up',
      (): Reachability => 'down',
    );
    return Promise.race([query, timeout]).finally(() => clearTimeout(timer));
  }

  /** Down while the login pool's circuit is open, or when Authing's host refuses a connection (TLS for https). */
  private async checkUpstream(): Promise<Reachability> {
    const { upstream } = await this.app2wxapp.isHealthy('upstream', { probe: true, timeoutMs: CHECK_TIMEOUT_MS });
    return upstream.status === 'up' ? 'up' : 'down';
  }
}
