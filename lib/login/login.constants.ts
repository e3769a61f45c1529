/** Within one pool's module: its client and authenticator, whatever tokens they are exported under. */
export const POOL_CLIENT = Symbol('APP2WXAPP_POOL_CLIENT');
export const POOL_AUTHENTICATOR = Symbol('APP2WXAPP_POOL_AUTHENTICATOR');
