import { Inject, Injectable, Optional } from '@nestjs/common';
import { type HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { DEFAULT_POOL } from '../app2wxapp.constants';
import { App2WxappPoolRegistry } from '../module/app2wxapp-pool.registry';
import { TENANT_REGISTRY } from '../shared/internal.tokens';
import type { App2WxappTenantsSnapshot } from '../tenants/tenant-cache';
import { probeUpstream } from './upstream.probe';

const DEFAULT_PROBE_TIMEOUT_MS = 1000;

export interface App2WxappHealthCheckOptions {
  /** The pool to check: `'default'` unless given. */
  pool?: string;
  /** Also open a connection to the upstream host (and a TLS handshake for https). Default false. */
  probe?: boolean;
  /** Bound of the probe. Default 1000 ms. */
  timeoutMs?: number;
}

/**
 * A Terminus health indicator for one pool: down while Authing refuses the pool's own settings (a wrong secret, user
 * pool id or host: the detail names the option to fix, never its value), down while its circuit breaker is open
 * (with the seconds until the next probe), and with `probe: true` down when the upstream host does not accept a connection. It never sends an
 * exchange, so it never spends a ticket and never carries the secret.
 */
@Injectable()
export class App2WxappHealthIndicator {
  constructor(
    @Inject(HealthIndicatorService) private readonly health: HealthIndicatorService,
    @Inject(App2WxappPoolRegistry) private readonly pools: App2WxappPoolRegistry,
    @Optional() @Inject(TENANT_REGISTRY) private readonly tenants?: { snapshot(): App2WxappTenantsSnapshot },
  ) {}

  /**
   * The tenants of `App2WxappModule.forTenants()`, in aggregate: how many are loaded, refused, resident, with an open
   * circuit or misconfigured. One tenant's trouble is that tenant's (its logins say so), so this is down only while
   * the tenant source itself fails, when no new tenant can be loaded.
   */
  async isTenantsHealthy<const Key extends string = 'app2wxapp-tenants'>(key: Key = 'app2wxapp-tenants' as Key): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.health.check(key);
    if (!this.tenants) return indicator.down({ message: 'No App2WxappModule.forTenants() in this app' });
    const { sourceDown, ...counts } = this.tenants.snapshot();
    return sourceDown ? indicator.down({ ...counts, source: 'down' }) : indicator.up({ ...counts, source: 'up' });
  }

  async isHealthy<const Key extends string = 'app2wxapp'>(
    key: Key = 'app2wxapp' as Key,
    options: App2WxappHealthCheckOptions = {},
  ): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.health.check(key);
    const pool = options.pool ?? DEFAULT_POOL;
    const entry = this.pools.get(pool);
    if (!entry) return indicator.down({ pool, message: `No App2WxappModule registers the pool "${pool}"` });

    // The operator's mistake, as Authing reported it on the last exchange: down until an exchange succeeds.
    const misconfigured = entry.client.misconfiguration;
    if (misconfigured) return indicator.down({ pool, misconfigured: misconfigured.detail, since: misconfigured.at.toISOString() });

    const { state, retryInMs } = entry.client.circuit;
    if (state === 'open') {
      return indicator.down({ pool, circuit: 'open', retryInSeconds: Math.ceil(retryInMs / 1000) });
    }
    // Half-open includes an open circuit past its cooldown: the next login goes through as the probe.
    const circuit = state;
    if (!options.probe) return indicator.up({ pool, circuit });

    const settings = entry.options;
    const target = {
      host: settings.flow === 'app-launch' ? settings.appHost : settings.host,
      upstreamAddress: settings.upstreamAddress,
      upstreamPort: settings.upstreamPort,
    };
    const probe = await probeUpstream(target, options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS);
    return probe.reachable
      ? indicator.up({ pool, circuit, upstream: 'reachable' })
      : indicator.down({ pool, circuit, upstream: 'unreachable', reason: probe.reason });
  }
}
