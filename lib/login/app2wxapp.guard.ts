import { type CanActivate, type ExecutionContext, Inject, Injectable, InternalServerErrorException, Optional, type Type } from '@nestjs/common';
import { DEFAULT_POOL } from '../app2wxapp.constants';
import { LoginFailures } from '../failure/login-failures';
import { POOL_REGISTRY, TENANT_REGISTRY } from '../shared/internal.tokens';
import type { App2WxappAuthenticator } from './app2wxapp.authenticator';
import { graphqlFieldUsers } from './graphql-field-users';
import { addGraphqlExtensions, graphqlLoginContext, setRetryAfter } from './login-context.utils';

/** Picks a pool per request, e.g. from a header, a subdomain or a route parameter. */
export type App2WxappPoolResolver = (request: any) => string | undefined | Promise<string | undefined>;

/** Picks a tenant per request (a header, a subdomain, a route parameter): its name, or `undefined` for none. */
export type App2WxappTenantResolver = (request: any) => string | undefined | null | Promise<string | undefined | null>;

/** What the guard needs of the app's pool registry (which the module fills, under `POOL_REGISTRY`). */
export interface LoginPoolLookup {
  get(pool: string): { readonly authenticator: App2WxappAuthenticator<unknown> } | undefined;
}

/**
 * What the guard needs of the app's tenants (`App2WxappModule.forTenants()`, under `TENANT_REGISTRY`): a whole login
 * by tenant name, which finds (or loads) the tenant and runs its authenticator. It throws the login's failures:
 * 401 for a name it does not know (or `undefined`), 500 for a tenant with bad settings, 503 when its source is down.
 */
export interface LoginTenantLookup {
  authenticateRequest(tenant: unknown, request: any, context?: ExecutionContext, graphqlArgs?: unknown): Promise<unknown>;
}

/**
 * Logs a user in with an app2wxapp ticket, through the pool's `App2WxappAuthenticator` (no Passport on this path):
 * the result becomes `request.user`. Every failure keeps its status and reason, 503s carry `Retry-After`. Works in
 * HTTP controllers and GraphQL resolvers, in any module of the app. `App2WxappGuard` is the default pool;
 * `App2WxappGuard.forPool(name)` or `.forPool((request) => name)` another one.
 */
@Injectable()
export class App2WxappGuard implements CanActivate {
  private static readonly named = new Map<string, Type<App2WxappGuard>>();
  protected readonly selection: string | App2WxappPoolResolver = DEFAULT_POOL;
  /** Set by `forTenant`: the login goes through the app's tenants instead of its pools. */
  protected readonly tenantSelection?: App2WxappTenantResolver;
  private fixed?: App2WxappAuthenticator<unknown>;

  constructor(
    @Inject(POOL_REGISTRY) private readonly pools: LoginPoolLookup,
    @Optional() @Inject(TENANT_REGISTRY) private readonly tenants?: LoginTenantLookup,
  ) {}

  /**
   * A guard for the tenant that `resolve` names for each request, among the tenants of
   * `App2WxappModule.forTenants()`: loaded on its first login, refreshed, rotated without a restart (docs/tenants.md).
   */
  static forTenant(resolve: App2WxappTenantResolver): Type<App2WxappGuard> {
    if (typeof resolve !== 'function') {
      throw new TypeError('App2WxappGuard.forTenant: pass a function (request) => tenant name');
    }
    const guard = class App2WxappTenantGuard extends App2WxappGuard {
      protected override readonly tenantSelection = resolve;
    };
    Injectable()(guard);
    return guard;
  }

  /** A guard for the pool `name`, or for the pool that `resolve` names for each request. */
  static forPool(pool: string | App2WxappPoolResolver): Type<App2WxappGuard> {
    if (typeof pool !== 'string' && typeof pool !== 'function') {
      throw new TypeError('App2WxappGuard.forPool: pass a pool name or a function (request) => pool name');
    }
    // One class per name, so that Nest keeps one guard instance per name.
    const known = typeof pool === 'string' ? App2WxappGuard.named.get(pool) : undefined;
    if (known) return known;
    const label = typeof pool === 'string' ? pool : 'resolver';
    const guard = {
      [`App2WxappGuard(${label})`]: class extends App2WxappGuard {
        protected override readonly selection = pool;
      },
    }[`App2WxappGuard(${label})`];
    Injectable()(guard);
    if (typeof pool === 'string') App2WxappGuard.named.set(pool, guard);
    return guard;
  }

  // Not itself async: it hands back the promise of the path it takes (an async wrapper would add a promise and three
  // microtask turns to every login, measured in the benchmark's profile).
  canActivate(context: ExecutionContext): Promise<boolean> {
    return context.getType() === 'http' ? this.activateHttp(context) : this.activateGraphql(context);
  }

  private async activateGraphql(context: ExecutionContext): Promise<boolean> {
    const { request, response, graphqlArgs, graphqlInfo } = graphqlLoginContext(context);
    let user: unknown;
    try {
      if (this.tenantSelection) {
        user = await this.tenantLookup().authenticateRequest(await this.tenantSelection(request), request, context, graphqlArgs);
      } else {
        const authenticator = this.fixed ?? (await this.authenticator(request));
        user = await authenticator.authenticateRequest(request, context, graphqlArgs);
      }
    } catch (err) {
      setRetryAfter(err, response);
      addGraphqlExtensions(err);
      throw err;
    }
    request.user = user;
    if (graphqlInfo) graphqlFieldUsers.set(graphqlInfo, user);
    return true;
  }

  /** The common case, without the context object that GraphQL needs. */
  private async activateHttp(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest();
    if (this.tenantSelection) return this.activateTenant(request, http.getResponse(), context);
    const authenticator = this.fixed ?? (await this.authenticator(request));
    try {
      request.user = await authenticator.authenticateRequest(request, context);
    } catch (err) {
      setRetryAfter(err, http.getResponse());
      throw err;
    }
    return true;
  }

  private async activateTenant(request: any, response: unknown, context: ExecutionContext): Promise<boolean> {
    try {
      // A name read from a header is there at once: no wait for it (a resolver may still answer with a promise).
      const named = this.tenantSelection!(request);
      const tenant = typeof (named as PromiseLike<unknown> | null)?.then === 'function' ? await named : named;
      request.user = await this.tenantLookup().authenticateRequest(tenant, request, context);
    } catch (err) {
      setRetryAfter(err, response);
      throw err;
    }
    return true;
  }

  private tenantLookup(): LoginTenantLookup {
    if (this.tenants) return this.tenants;
    throw new InternalServerErrorException('App2WxappGuard.forTenant: this app imports no App2WxappModule.forTenants()');
  }

  private async authenticator(request: unknown): Promise<App2WxappAuthenticator<unknown>> {
    const selection = this.selection;
    if (typeof selection === 'string') {
      const entry = this.pools.get(selection);
      if (!entry) {
        throw new InternalServerErrorException(`App2WxappGuard: no App2WxappModule registers the pool "${selection}" in this app`);
      }
      return (this.fixed = entry.authenticator);
    }
    const name = await selection(request);
    const entry = typeof name === 'string' ? this.pools.get(name) : undefined;
    // The name may come from the request: it is not echoed, and no upstream is called.
    if (!entry) throw LoginFailures.unknownPool();
    return entry.authenticator;
  }
}
