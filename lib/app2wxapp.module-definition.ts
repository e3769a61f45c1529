import {
  type ConfigurableModuleAsyncOptions,
  ConfigurableModuleBuilder,
  type ConfigurableModuleCls,
  type Provider,
} from '@nestjs/common';
import type { App2WxappModuleOptions } from './app2wxapp-options.interface';

type Options = App2WxappModuleOptions<any>;
type Extras = { isGlobal?: boolean; extraProviders?: Provider[] };

const definition = new ConfigurableModuleBuilder<Options>({ moduleName: 'App2Wxapp' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createApp2WxappOptions')
  .setExtras<Extras>({ isGlobal: false, extraProviders: [] }, (module, extras) => ({
    ...module,
    global: extras.isGlobal,
    providers: [...(module.providers ?? []), ...(extras.extraProviders ?? [])],
  }))
  .build();

// Typed explicitly: inferred, the `.d.ts` built against NestJS 12 (ESM only) carries `resolution-mode` imports.
export const ConfigurableModuleClass: ConfigurableModuleCls<Options, 'forRoot', 'createApp2WxappOptions', Extras> =
  definition.ConfigurableModuleClass;
export const APP2WXAPP_MODULE_OPTIONS: string | symbol = definition.MODULE_OPTIONS_TOKEN;
export const OPTIONS_TYPE: Options & Partial<Extras> = definition.OPTIONS_TYPE;
export const ASYNC_OPTIONS_TYPE: ConfigurableModuleAsyncOptions<Options, 'createApp2WxappOptions'> & Partial<Extras> =
  definition.ASYNC_OPTIONS_TYPE;
