import { HttpModule } from '@nestjs/axios';
import { type DynamicModule, Module } from '@nestjs/common';
import type { App2WxappTenantsOptions } from '../tenants/app2wxapp-tenants-options.interface';
import type { App2WxappTenantsAsyncOptions } from '../tenants/app2wxapp-tenants.module-definition';
import { ConfigurableModuleClass } from './app2wxapp.module-definition';
import { App2WxappCoreModule } from './app2wxapp-core.module';
import { App2WxappTenantsModule } from './app2wxapp-tenants.module';

/**
 * `App2WxappModule.forRoot({ userPoolId, secret })` or `.forRootAsync({ imports, inject, useFactory })`, then
 * `@UseGuards(App2WxappGuard)` on the login route. Give each further user pool a `name`, and guard its routes with
 * `App2WxappGuard.forPool(name)`. Options are validated when the app boots. User pools that come and go while the app
 * runs are tenants: `App2WxappModule.forTenants({ resolveTenant })` and `App2WxappGuard.forTenant(...)`.
 */
@Module({ imports: [App2WxappCoreModule, HttpModule] })
export class App2WxappModule extends ConfigurableModuleClass {
  /** Tenants loaded at runtime from the app's own data, one Authing user pool each (docs/tenants.md). Import once. */
  static forTenants(options: App2WxappTenantsOptions): DynamicModule {
    return App2WxappTenantsModule.forTenants(options);
  }

  /** `forTenants` with options from a factory: `{ imports, inject, useFactory }` (or `useClass` / `useExisting`). */
  static forTenantsAsync(options: App2WxappTenantsAsyncOptions): DynamicModule {
    return App2WxappTenantsModule.forTenantsAsync(options);
  }
}
