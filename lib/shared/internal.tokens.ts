/**
 * The package's internal injection tokens, in one place. Apps use the public token getters of `module/app2wxapp.tokens`
 * and the `@InjectApp2Wxapp…()` decorators instead.
 */

/** A pool's validated options, with defaults filled in; internal to each pool's module. */
export const RESOLVED_OPTIONS = Symbol('APP2WXAPP_RESOLVED_OPTIONS');

/** Within one pool's module: its client and authenticator, whatever tokens they are exported under. */
export const POOL_CLIENT = Symbol('APP2WXAPP_POOL_CLIENT');
export const POOL_AUTHENTICATOR = Symbol('APP2WXAPP_POOL_AUTHENTICATOR');

/** The app's pool registry (filled by the module), as the guard looks pools up in it. */
export const POOL_REGISTRY = Symbol('APP2WXAPP_POOL_REGISTRY');

/** The app's tenants (`App2WxappModule.forTenants()`), as the guard and the health indicator find them. */
export const TENANT_REGISTRY = Symbol('APP2WXAPP_TENANT_REGISTRY');

/** The options given to `forTenants` / `forTenantsAsync`, as given. */
export const TENANTS_OPTIONS = Symbol('APP2WXAPP_TENANTS_OPTIONS');

/** The tenant cache behind `App2WxappTenants`. */
export const TENANT_CACHE = Symbol('APP2WXAPP_TENANT_CACHE');
