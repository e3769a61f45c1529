import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  InternalServerErrorException,
  type Type,
} from '@nestjs/common';
import { DEFAULT_POOL } from '../app2wxapp.constants';
import { LoginFailures } from '../failure/login-failures';
import { POOL_REGISTRY } from '../shared/internal.tokens';
import type { App2WxappAuthenticator } from './app2wxapp.authenticator';
import { graphqlFieldUsers } from './graphql-field-users';
import { addGraphqlExtensions, graphqlLoginContext, setRetryAfter } from './login-context.utils';

/** Picks a pool per request, e.g. from a header, a subdomain or a route parameter. */
export type App2WxappPoolResolver = (request: any) => string | undefined | Promise<string | undefined>;

/** What the guard needs of the app's pool registry (which the module fills, under `POOL_REGISTRY`). */
export interface LoginPoolLookup {
  get(pool: string): { readonly authenticator: App2WxappAuthenticator<unknown> } | undefined;
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
  private fixed?: App2WxappAuthenticator<unknown>;

  constructor(@Inject(POOL_REGISTRY) private readonly pools: LoginPoolLookup) {}

  /** A guard for the pool `name`, or for the pool that `resolve` names for each request. */
  static forPool(pool: string | App2WxappPoolResolver): Type<App2WxappGuard> {
    if (typeof pool !== 'string' && typeof pool !== 'function') {
      throw new TypeError('App2WxappGuard.forPool: pass a pool name or a function (request) => pool name');
    }
    // One class per name, so that Nest keeps one guard instance per name.
    const known = typeof pool === 'string' ? App2WxappGuard.named.get(pool) : undefined;
    if (known) return known;
    const label = typeof pool === 'string' ? pool : 'resolver';
    const guard = { [`App2WxappGuard(${label})`]: class extends App2WxappGuard {
      protected override readonly selection = pool;
    } }[`App2WxappGuard(${label})`];
    Injectable()(guard);
    if (typeof pool === 'string') App2WxappGuard.named.set(pool, guard);
    return guard;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() === 'http') return this.activateHttp(context);
    const { request, response, graphqlArgs, graphqlInfo } = graphqlLoginContext(context);
    let user: unknown;
    try {
      const authenticator = this.fixed ?? (await this.authenticator(request));
      user = await authenticator.authenticateRequest(request, context, graphqlArgs);
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
    const authenticator = this.fixed ?? (await this.authenticator(request));
    try {
      request.user = await authenticator.authenticateRequest(request, context);
    } catch (err) {
      setRetryAfter(err, http.getResponse());
      throw err;
    }
    return true;
  }

  private async authenticator(request: unknown): Promise<App2WxappAuthenticator<unknown>> {
    const selection = this.selection;
    if (typeof selection === 'string') {
      const entry = this.pools.get(selection);
      if (!entry) {
        throw new InternalServerErrorException(
          `App2WxappGuard: no App2WxappModule registers the pool "${selection}" in this app`,
        );
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
