import type { HttpService } from '@nestjs/axios';
import { AppLaunchClient } from '../client/app-launch.client';
import { App2WxappClient } from '../client/app2wxapp.client';
import { App2WxappAuthenticator } from '../login/app2wxapp.authenticator';
import type { ResolvedPoolOptions } from '../options/app2wxapp-options.schema';
import type { App2WxappTelemetry } from '../telemetry/app2wxapp.telemetry';

/**
 * One tenant's login pipeline: the same classes as a static pool's (its client with keep-alive connections,
 * concurrency limit and circuit breaker, and its authenticator), built from one version of its options. Logins lease
 * it; once retired (options changed, tenant removed, evicted, idle) it closes when the last lease is returned, so an
 * in-flight login always finishes on the configuration it started with.
 */
export class TenantPipeline {
  /** The flow's client: the ticket exchange, or the v3 app-launch sign-in. */
  readonly client: App2WxappClient | AppLaunchClient;
  readonly authenticator: App2WxappAuthenticator<unknown>;
  private inFlight = 0;
  private retired = false;
  private closed = false;

  constructor(
    readonly options: ResolvedPoolOptions,
    http: HttpService,
    telemetry: App2WxappTelemetry,
  ) {
    this.client = options.flow === 'app-launch' ? new AppLaunchClient(http, options, telemetry) : new App2WxappClient(http, options, telemetry);
    this.authenticator = new App2WxappAuthenticator(this.client, options, telemetry);
  }

  /** Logins running on this pipeline now. */
  get leases(): number {
    return this.inFlight;
  }

  /** Whether its connections are closed. */
  get isClosed(): boolean {
    return this.closed;
  }

  acquire(): this {
    this.inFlight++;
    return this;
  }

  release(): void {
    if (--this.inFlight === 0 && this.retired) this.close();
  }

  /** No new logins start on it; it closes once the running ones have finished. */
  retire(): void {
    this.retired = true;
    if (this.inFlight === 0) this.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.onModuleDestroy();
  }
}
