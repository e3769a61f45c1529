import { Injectable } from '@nestjs/common';
import type { AppLaunchClient } from '../client/app-launch.client';
import type { App2WxappClient } from '../client/app2wxapp.client';
import type { App2WxappAuthenticator } from '../login/app2wxapp.authenticator';
import type { LoginPoolLookup } from '../login/app2wxapp.guard';
import type { ResolvedPoolOptions } from '../options/app2wxapp-options.schema';

/**
 * A pool's client, as `getApp2WxappClientToken(name)` / `@InjectApp2WxappClient(name)` give it: an `App2WxappClient`
 * for a ticket pool, an `AppLaunchClient` for an app-launch pool (`options.flow` says which).
 */
export type App2WxappPoolClient = App2WxappClient | AppLaunchClient;

/** One pool of the app, as its module registered it. */
export interface RegisteredPool {
  readonly options: ResolvedPoolOptions;
  readonly authenticator: App2WxappAuthenticator<unknown>;
  readonly client: App2WxappPoolClient;
}

/**
 * Every pool of one app, by name. It lives in a global module, so a guard in any module finds its pool, and a
 * pool registered twice stops the boot. One registry per app: unlike Passport's, it is never process-wide.
 */
@Injectable()
export class App2WxappPoolRegistry implements LoginPoolLookup {
  private readonly pools = new Map<string, RegisteredPool>();

  register(entry: RegisteredPool): void {
    const { pool, userPoolId } = entry.options;
    if (this.pools.has(pool)) {
      throw new Error(
        pool === 'default'
          ? 'App2WxappModule: the default pool is registered twice; give the second forRoot()/forRootAsync() a name'
          : `App2WxappModule: the pool "${pool}" is registered twice; each forRoot()/forRootAsync() needs its own name`,
      );
    }
    for (const other of this.pools.values()) {
      // Two names for one Authing pool would keep two replay claims per ticket.
      if (other.options.userPoolId === userPoolId) {
        throw new Error(`App2WxappModule: the pools "${other.options.pool}" and "${pool}" both use user pool ${userPoolId}; register it once`);
      }
    }
    this.pools.set(pool, entry);
  }

  get(pool: string): RegisteredPool | undefined {
    return this.pools.get(pool);
  }

  all(): IterableIterator<RegisteredPool> {
    return this.pools.values();
  }
}
