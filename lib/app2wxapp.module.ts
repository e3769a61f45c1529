import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { HttpModule } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { App2WxappClient } from './app2wxapp.client';
import { RESOLVED_OPTIONS } from './app2wxapp.constants';
import { APP2WXAPP_MODULE_OPTIONS, ConfigurableModuleClass } from './app2wxapp.module-definition';
import { resolveOptions } from './app2wxapp-options.schema';
import { App2WxappStrategy } from './app2wxapp.strategy';

/**
 * `App2WxappModule.forRoot({ userPoolId, secret })` or `.forRootAsync({ imports, inject, useFactory })`, then
 * `@UseGuards(App2WxappGuard)` on the login route. Options are validated when the app boots.
 */
@Module({
  imports: [
    PassportModule,
    HttpModule.registerAsync({
      useFactory: () => ({
        httpAgent: new HttpAgent({ keepAlive: true }),
        httpsAgent: new HttpsAgent({ keepAlive: true }),
        maxRedirects: 0,
      }),
    }),
  ],
  providers: [
    { provide: RESOLVED_OPTIONS, useFactory: resolveOptions, inject: [APP2WXAPP_MODULE_OPTIONS] },
    App2WxappClient,
    App2WxappStrategy,
  ],
  exports: [App2WxappClient, APP2WXAPP_MODULE_OPTIONS],
})
export class App2WxappModule extends ConfigurableModuleClass {}
