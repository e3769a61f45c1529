import { Injectable } from '@nestjs/common';
import type { Database } from '../database/database.interface';
import { InjectDatabase } from '../database/database.providers';
import type { UpstreamConnection } from '../upstream/upstream-connection.interface';
import { InjectUpstream } from '../upstream/upstream.providers';
import { probeTcp } from './tcp-probe';

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

  private async checkUpstream(): Promise<Reachability> {
    return (await probeTcp(this.upstream.host, CHECK_TIMEOUT_MS)) ? 'up' : 'down';
  }
}
