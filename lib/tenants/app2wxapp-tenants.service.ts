import { type ExecutionContext, Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { APP2WXAPP_LOGGER_CONTEXT } from '../app2wxapp.constants';
import { App2WxappLoginError } from '../failure/app2wxapp-login.error';
import type { App2WxappAuthenticator } from '../login/app2wxapp.authenticator';
import type { App2WxappPoolOptions } from '../options/app2wxapp-options.interface';
import type { ResolvedPoolOptions } from '../options/app2wxapp-options.schema';
import { TENANT_CACHE } from '../shared/internal.tokens';
import { type App2WxappTenantsSnapshot, type TenantCache, TenantEntry } from './tenant-cache';

/** Authing's code for "the user pool secret is wrong". */
const WRONG_SECRET = 2003;

/**
 * Whether Authing refused the secret that `options` hold before it used the credential, so that one retry with a
 * reloaded secret is safe: the ticket flow's code 2003; an app-launch sign-in refused naming `appSecret`, with the
 * code's claim freed (a misconfiguration after the sign-in, e.g. an HS256 id_token that does not verify with
 * `appSecret`, keeps the claim: the code is spent, and a retry could only be refused).
 */
function refusedSecret(err: App2WxappLoginError, options: ResolvedPoolOptions): boolean {
  if (err.kind !== 'misconfigured') return false;
  if (options.flow === 'app-launch') return err.option === 'appSecret' && err.freesClaim;
  return err.upstreamCode === WRONG_SECRET;
}

/** A tenant's login for transports without an HTTP request (WebSocket gateways, queue consumers). */
export class App2WxappTenantAuthenticator<TUser = unknown> {
  constructor(
    /** The tenant's name. */
    readonly tenant: string,
    private readonly tenants: App2WxappTenants,
  ) {}

  /**
   * Logs a user in to this tenant with a ticket (a ticket tenant) or `{ code, phoneInfoCode }` (an app-launch tenant);
   * `request` is handed to `validateUser` as is. Same failures as the guard.
   */
  authenticate(credential: unknown, request?: unknown): Promise<TUser> {
    return this.tenants.login(this.tenant, (authenticator) => authenticator.authenticate(credential, request)) as Promise<TUser>;
  }
}

/**
 * The app's tenants (`App2WxappModule.forTenants()`): push changes that should take effect before the next refresh,
 * and log users in by tenant name where there is no guard. Every login leases the tenant's pipeline, so a change
 * never disturbs a login already running; when Authing refuses a tenant's secret (code 2003), the tenant is loaded
 * from the source again and, if its secret changed, the exchange is retried once (docs/tenants.md says why it is safe).
 */
@Injectable()
// Satisfies LoginTenantLookup (checked where it is provided): `implements` would outlive stripInternal in the .d.ts.
export class App2WxappTenants implements OnModuleDestroy {
  private readonly logger = new Logger(APP2WXAPP_LOGGER_CONTEXT);

  constructor(@Inject(TENANT_CACHE) private readonly cache: TenantCache) {}

  /** Adds a tenant now, validated as `forRoot` options are; throws an Error naming the problem (never a value). */
  register(name: string, options: App2WxappPoolOptions<any>): void {
    this.cache.push(name, options, true);
  }

  /** Replaces (or adds) a tenant's options now: the next login uses them; logins already running finish on the old ones. */
  update(name: string, options: App2WxappPoolOptions<any>): void {
    this.cache.push(name, options, false);
  }

  /** Forgets a tenant and closes its connections once its running logins end; `false` if it was not loaded. */
  remove(name: string): boolean {
    return this.cache.remove(name);
  }

  /** A login by tenant name for other transports; the tenant is looked up (and loaded) on each `authenticate`. */
  authenticator<TUser = unknown>(name: string): App2WxappTenantAuthenticator<TUser> {
    return new App2WxappTenantAuthenticator<TUser>(name, this);
  }

  /** Counts for health checks and dashboards: loaded, refused, resident, open circuits, misconfigured, unknown. */
  snapshot(): App2WxappTenantsSnapshot {
    return this.cache.snapshot();
  }

  /** @internal The guard's entry. */
  authenticateRequest(tenant: unknown, request: any, context?: ExecutionContext, graphqlArgs?: unknown): Promise<unknown> {
    return this.login(tenant, (authenticator) => authenticator.authenticateRequest(request, context, graphqlArgs));
  }

  /** @internal One login on the tenant's current pipeline, retried once on a new one when its secret was rotated. */
  login(tenant: unknown, run: (authenticator: App2WxappAuthenticator<unknown>) => Promise<unknown>): Promise<unknown> {
    let found: TenantEntry | Promise<TenantEntry>;
    try {
      found = this.cache.get(tenant);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    // A loaded tenant goes straight to its pipeline, without waiting for a promise first.
    return found instanceof TenantEntry ? this.loginOn(found, run) : found.then((entry) => this.loginOn(entry, run));
  }

  private async loginOn(entry: TenantEntry, run: (authenticator: App2WxappAuthenticator<unknown>) => Promise<unknown>): Promise<unknown> {
    const pipeline = this.cache.lease(entry);
    try {
      return await run(pipeline.authenticator);
    } catch (err) {
      if (!(err instanceof App2WxappLoginError && refusedSecret(err, pipeline.options))) throw err;
      // Authing refused the secret before it looked at the credential, and the failure freed the credential's claim.
      const fresh = await this.cache.reloadAfterWrongSecret(entry.name, pipeline.options);
      if (!fresh) throw err;
      this.logger.warn(`Tenant ${entry.name}: Authing refused its secret; the tenant source has a new one, so the login is retried once with it`);
      const next = this.cache.lease(fresh);
      try {
        return await run(next.authenticator);
      } finally {
        next.release();
      }
    } finally {
      pipeline.release();
    }
  }

  onModuleDestroy(): void {
    this.cache.close();
  }
}
