import type { App2WxappFailureKind } from '../failure/app2wxapp-login.error';

/** Why a login ended, as `app2wxapp.outcome` on spans and metrics: `success`, or the failure's kind. */
export type App2WxappLoginOutcome = 'success' | App2WxappFailureKind;

export const LOGIN_SPAN = 'app2wxapp.login';
export const EXCHANGE_SPAN = 'app2wxapp.exchange';
export const LOGIN_DURATION = 'app2wxapp.login.duration';
export const EXCHANGE_DURATION = 'app2wxapp.exchange.duration';
export const CIRCUIT_STATE = 'app2wxapp.circuit.state';
export const REPLAY_STORE_ENTRIES = 'app2wxapp.replay_store.entries';

export const ATTR_OUTCOME = 'app2wxapp.outcome';
/** The pool: a static pool's name, or `tenant` for every tenant of `forTenants()` (metrics stay bounded). */
export const ATTR_POOL = 'app2wxapp.pool';
/** A tenant's name: on spans only, never on metrics (there may be thousands). */
export const ATTR_TENANT = 'app2wxapp.tenant';
/** `app2wxapp.pool` of every tenant. */
export const TENANT_POOL_ATTRIBUTE = 'tenant';
export const ATTR_USER_POOL_ID = 'app2wxapp.user_pool.id';

/** Seconds; a login is a few ms to `timeoutMs` (5 s by default). */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
