export { App2WxappModule } from './app2wxapp.module';
export { APP2WXAPP_MODULE_OPTIONS } from './app2wxapp.module-definition';
export { InjectApp2WxappOptions } from './app2wxapp-options.decorator';
export type {
  App2WxappCircuitBreakerOptions,
  App2WxappExchangeEvent,
  App2WxappModuleOptions,
  App2WxappValidateResult,
} from './app2wxapp-options.interface';
export type { App2WxappProfile } from './app2wxapp-profile.interface';
export { App2WxappGuard } from './app2wxapp.guard';
export { App2WxappStrategy } from './app2wxapp.strategy';
export { APP2WXAPP_STRATEGY, DEFAULT_HOST, TICKET_HEADER } from './app2wxapp.constants';
export { App2WxappUser } from './app2wxapp-user.decorator';
export { App2WxappClient } from './app2wxapp.client';
export {
  App2WxappReplayStoreError,
  App2WxappTicketRejectedError,
  App2WxappUpstreamError,
  type App2WxappUpstreamFailure,
} from './app2wxapp.errors';
export { buildMiniProgramLaunch, parseExtMsg, type ExtMsg, type MiniProgramLaunch, type MiniProgramLaunchOptions } from './mini-program.utils';
export type { TicketReplayStore } from './replay/ticket-replay-store.interface';
export { MemoryTicketReplayStore, type MemoryTicketReplayStoreOptions } from './replay/memory-ticket-replay.store';
export { RedisTicketReplayStore, type RedisTicketReplayClient, type RedisTicketReplayStoreOptions } from './replay/redis-ticket-replay.store';
