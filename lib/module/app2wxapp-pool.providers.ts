import { HttpService } from '@nestjs/axios';
import type { Provider } from '@nestjs/common';
import { AppLaunchClient } from '../client/app-launch.client';
import { App2WxappClient } from '../client/app2wxapp.client';
import { DEFAULT_POOL } from '../app2wxapp.constants';
import { App2WxappAuthenticator } from '../login/app2wxapp.authenticator';
import { strategyClassFor } from '../login/app2wxapp.strategy';
import { resolveOptions, type ResolvedPoolOptions } from '../options/app2wxapp-options.schema';
import { POOL_AUTHENTICATOR, POOL_CLIENT, RESOLVED_OPTIONS } from '../shared/internal.tokens';
import { App2WxappTelemetry } from '../telemetry/app2wxapp.telemetry';
import { type App2WxappPoolClient, App2WxappPoolRegistry, type RegisteredPool } from './app2wxapp-pool.registry';
import { getApp2WxappAuthenticatorToken, getApp2WxappClientToken, getApp2WxappOptionsToken, getApp2WxappStrategyName } from './app2wxapp.tokens';

const POOL_REGISTRATION = Symbol('APP2WXAPP_POOL_REGISTRATION');
const POOL_STRATEGY = Symbol('APP2WXAPP_POOL_STRATEGY');

/** The providers of one pool's module instance, and what it exports under the pool's tokens. */
export function poolModuleParts(pool: string, optionsToken: string | symbol): { providers: Provider[]; exports: (string | symbol | Function)[] } {
  const clientToken = getApp2WxappClientToken(pool);
  const authenticatorToken = getApp2WxappAuthenticatorToken(pool);
  const providers: Provider[] = [
    { provide: RESOLVED_OPTIONS, useFactory: (options) => resolveOptions(options, pool), inject: [optionsToken] },
    {
      // The flow's client: the ticket exchange, or the v3 app-launch sign-in. Nest calls onModuleDestroy on either.
      provide: POOL_CLIENT,
      inject: [HttpService, RESOLVED_OPTIONS, App2WxappTelemetry],
      useFactory: (http: HttpService, options: ResolvedPoolOptions, telemetry: App2WxappTelemetry): App2WxappPoolClient =>
        options.flow === 'app-launch' ? new AppLaunchClient(http, options, telemetry) : new App2WxappClient(http, options, telemetry),
    },
    { provide: POOL_AUTHENTICATOR, useClass: App2WxappAuthenticator },
    { provide: clientToken, useExisting: POOL_CLIENT },
    { provide: authenticatorToken, useExisting: POOL_AUTHENTICATOR },
    {
      provide: POOL_REGISTRATION,
      inject: [App2WxappPoolRegistry, RESOLVED_OPTIONS, POOL_AUTHENTICATOR, POOL_CLIENT],
      useFactory: (
        registry: App2WxappPoolRegistry,
        options: ResolvedPoolOptions,
        authenticator: App2WxappAuthenticator,
        client: App2WxappPoolClient,
      ) => {
        const entry: RegisteredPool = { options, authenticator, client };
        registry.register(entry);
        return entry;
      },
    },
    {
      provide: POOL_STRATEGY,
      inject: [POOL_AUTHENTICATOR],
      useFactory: (authenticator: App2WxappAuthenticator) => new (strategyClassFor(getApp2WxappStrategyName(pool)))(authenticator),
    },
  ];
  const exports: (string | symbol | Function)[] = [clientToken, authenticatorToken];
  if (pool === DEFAULT_POOL) {
    exports.push(optionsToken);
  } else {
    const named = getApp2WxappOptionsToken(pool);
    providers.push({ provide: named, useExisting: optionsToken });
    exports.push(named);
  }
  return { providers, exports };
}
