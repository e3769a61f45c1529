import { type ConfigurableModuleAsyncOptions, ConfigurableModuleBuilder, type ConfigurableModuleCls } from '@nestjs/common';
import { TENANTS_OPTIONS } from '../shared/internal.tokens';
import type { App2WxappTenantsOptions } from './app2wxapp-tenants-options.interface';

const definition = new ConfigurableModuleBuilder<App2WxappTenantsOptions>({ moduleName: 'App2WxappTenants', optionsInjectionToken: TENANTS_OPTIONS })
  .setClassMethodName('forTenants')
  .setFactoryMethodName('createApp2WxappTenantsOptions')
  // Global, like the pool registry: App2WxappGuard.forTenant() works in every module of the app.
  .setExtras({}, (module) => ({ ...module, global: true }))
  .build();

// Typed explicitly: inferred, the `.d.ts` built against NestJS 12 (ESM only) carries `resolution-mode` imports.
export const TenantsConfigurableModuleClass: ConfigurableModuleCls<App2WxappTenantsOptions, 'forTenants', 'createApp2WxappTenantsOptions', object> =
  definition.ConfigurableModuleClass;
export type App2WxappTenantsAsyncOptions = ConfigurableModuleAsyncOptions<App2WxappTenantsOptions, 'createApp2WxappTenantsOptions'>;
