import { type ConfigurableModuleAsyncOptions, ConfigurableModuleBuilder, type ConfigurableModuleCls, type Provider } from '@nestjs/common';
import type { App2WxappPoolOptions } from '../options/app2wxapp-options.interface';
import { resolvePoolName } from '../options/app2wxapp-options.schema';
import { APP2WXAPP_MODULE_OPTIONS } from './app2wxapp-module.constants';
import { poolModuleParts } from './app2wxapp-pool.providers';

/** Either flow's options: `flow` absent or `'ticket'` (App2WxappModuleOptions), or `'app-launch'`. */
type Options = App2WxappPoolOptions<any>;
export interface App2WxappModuleExtras {
  /** The pool's name, for apps with several user pools. Default `'default'`. */
  name?: string;
  isGlobal?: boolean;
  extraProviders?: Provider[];
}

const definition = new ConfigurableModuleBuilder<Options>({ moduleName: 'App2Wxapp', optionsInjectionToken: APP2WXAPP_MODULE_OPTIONS })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createApp2WxappOptions')
  .setExtras<App2WxappModuleExtras>({ name: undefined, isGlobal: false, extraProviders: [] }, (module, extras) => {
    const pool = poolModuleParts(resolvePoolName(extras.name), APP2WXAPP_MODULE_OPTIONS);
    return {
      ...module,
      global: extras.isGlobal,
      providers: [...(module.providers ?? []), ...pool.providers, ...(extras.extraProviders ?? [])],
      exports: [...(module.exports ?? []), ...pool.exports],
    };
  })
  .build();

// Typed explicitly: inferred, the `.d.ts` built against NestJS 12 (ESM only) carries `resolution-mode` imports.
export const ConfigurableModuleClass: ConfigurableModuleCls<Options, 'forRoot', 'createApp2WxappOptions', App2WxappModuleExtras> =
  definition.ConfigurableModuleClass;
export const OPTIONS_TYPE: Options & Partial<App2WxappModuleExtras> = definition.OPTIONS_TYPE;
export const ASYNC_OPTIONS_TYPE: ConfigurableModuleAsyncOptions<Options, 'createApp2WxappOptions'> & Partial<App2WxappModuleExtras> =
  definition.ASYNC_OPTIONS_TYPE;
