import { ConfigurableModuleBuilder, type Provider } from '@nestjs/common';
import type { App2WxappModuleOptions } from './app2wxapp-options.interface';

export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: APP2WXAPP_MODULE_OPTIONS,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<App2WxappModuleOptions<any>>({ moduleName: 'App2Wxapp' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createApp2WxappOptions')
  .setExtras<{ isGlobal?: boolean; extraProviders?: Provider[] }>(
    { isGlobal: false, extraProviders: [] },
    (definition, extras) => ({
      ...definition,
      global: extras.isGlobal,
      providers: [...(definition.providers ?? []), ...(extras.extraProviders ?? [])],
    }),
  )
  .build();
