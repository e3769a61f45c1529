import { HttpModule, HttpService } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { POOL_REGISTRY, TENANT_CACHE, TENANT_REGISTRY, TENANTS_OPTIONS } from '../shared/internal.tokens';
import { App2WxappTelemetry } from '../telemetry/app2wxapp.telemetry';
import type { App2WxappTenantsOptions } from '../tenants/app2wxapp-tenants-options.interface';
import { resolveTenantsOptions } from '../tenants/app2wxapp-tenants-options.schema';
import { App2WxappTenants } from '../tenants/app2wxapp-tenants.service';
import { TenantsConfigurableModuleClass } from '../tenants/app2wxapp-tenants.module-definition';
import { type StaticPools, TenantCache } from '../tenants/tenant-cache';
import type { LoginTenantLookup } from '../login/app2wxapp.guard';
import { App2WxappCoreModule } from './app2wxapp-core.module';

/**
 * The tenants of `App2WxappModule.forTenants()` / `forTenantsAsync()`: one tenant cache per app, beside the static
 * pools in the same registry's app (docs/tenants.md). Import it once.
 */
@Module({
  imports: [App2WxappCoreModule, HttpModule],
  providers: [
    {
      provide: TENANT_CACHE,
      inject: [TENANTS_OPTIONS, POOL_REGISTRY, HttpService, App2WxappTelemetry],
      useFactory: (options: App2WxappTenantsOptions, statics: StaticPools, http: HttpService, telemetry: App2WxappTelemetry) =>
        new TenantCache(resolveTenantsOptions(options), statics, http, telemetry),
    },
    App2WxappTenants,
    // Typed: the guard's view of the tenants (LoginTenantLookup) is checked here, where it is provided.
    { provide: TENANT_REGISTRY, inject: [App2WxappTenants], useFactory: (tenants: App2WxappTenants): LoginTenantLookup => tenants },
  ],
  exports: [App2WxappTenants, TENANT_REGISTRY],
})
export class App2WxappTenantsModule extends TenantsConfigurableModuleClass {}
