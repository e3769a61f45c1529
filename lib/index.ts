// Module and injection
export { App2WxappModule } from './module/app2wxapp.module';
export type { App2WxappModuleExtras } from './module/app2wxapp.module-definition';
export { APP2WXAPP_MODULE_OPTIONS } from './module/app2wxapp-module.constants';
export { InjectApp2WxappAuthenticator, InjectApp2WxappClient, InjectApp2WxappOptions } from './module/app2wxapp-inject.decorators';
export {
  getApp2WxappAuthenticatorToken,
  getApp2WxappClientToken,
  getApp2WxappOptionsToken,
  getApp2WxappStrategyName,
} from './module/app2wxapp.tokens';

// Tenants: user pools loaded at runtime (docs/tenants.md)
export { App2WxappTenants, App2WxappTenantAuthenticator } from './tenants/app2wxapp-tenants.service';
export type { App2WxappTenantAnswer, App2WxappTenantsOptions } from './tenants/app2wxapp-tenants-options.interface';
export type { App2WxappTenantsAsyncOptions } from './tenants/app2wxapp-tenants.module-definition';
export type { App2WxappTenantsSnapshot } from './tenants/tenant-cache';

// Options
export type {
  App2WxappAppLaunchModuleOptions,
  App2WxappAppLaunchVerify,
  App2WxappCircuitBreakerOptions,
  App2WxappClientAuth,
  App2WxappExchangeEvent,
  App2WxappFlow,
  App2WxappIdTokenAlg,
  App2WxappLoginInfo,
  App2WxappModuleOptions,
  App2WxappPoolOptions,
  App2WxappSharedOptions,
  App2WxappValidateResult,
} from './options/app2wxapp-options.interface';
export { App2WxappOptionsError } from './options/app2wxapp-options.schema';
export { APP2WXAPP_STRATEGY, DEFAULT_HOST, DEFAULT_POOL, TICKET_HEADER } from './app2wxapp.constants';

// Login pipeline
export { App2WxappAuthenticator } from './login/app2wxapp.authenticator';
export { App2WxappGuard, type App2WxappPoolResolver, type App2WxappTenantResolver } from './login/app2wxapp.guard';
export { App2WxappStrategy } from './login/app2wxapp.strategy';
export { App2WxappUser } from './login/app2wxapp-user.decorator';
export type { App2WxappLoginOutcome } from './telemetry/telemetry.constants';

// Upstream client
export { App2WxappClient } from './client/app2wxapp.client';
export { AppLaunchClient as App2WxappAppLaunchClient } from './client/app-launch.client';
export type { App2WxappPoolClient } from './module/app2wxapp-pool.registry';
export type { App2WxappCircuitState, CircuitSnapshot as App2WxappCircuitSnapshot } from './client/exchange.policies';
export type { App2WxappOidcTokens, App2WxappProfile } from './profile/app2wxapp-profile.interface';
export type { LoginExchange as App2WxappLoginExchange } from './client/login-exchange.interface';
export type { AppLaunchCodes as App2WxappAppLaunchCodes } from './shared/app-launch-code.utils';

// Failures: one type, App2WxappLoginError, with a kind; the subclasses name kinds for `instanceof`
export {
  App2WxappLoginError,
  App2WxappMisconfigurationError,
  App2WxappReplayStoreError,
  App2WxappTicketRejectedError,
  App2WxappUpstreamError,
  type App2WxappCircuitVerdict,
  type App2WxappFailureDetails,
  type App2WxappFailureKind,
} from './failure/app2wxapp-login.error';

// Replay stores
export type { TicketReplayStore } from './replay/ticket-replay-store.interface';
export { MemoryTicketReplayStore, type MemoryTicketReplayStoreOptions } from './replay/memory-ticket-replay.store';
export { RedisTicketReplayStore, type RedisTicketReplayClient, type RedisTicketReplayStoreOptions } from './replay/redis-ticket-replay.store';

// Mobile side
export { buildMiniProgramLaunch, parseExtMsg, type ExtMsg, type MiniProgramLaunch, type MiniProgramLaunchOptions } from './mobile/mini-program.utils';
