import { HttpModule } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { ConfigurableModuleClass } from './app2wxapp.module-definition';
import { App2WxappCoreModule } from './app2wxapp-core.module';

/**
 * `App2WxappModule.forRoot({ userPoolId, secret })` or `.forRootAsync({ imports, inject, useFactory })`, then
 * `@UseGuards(App2WxappGuard)` on the login route. Give each further user pool a `name`, and guard its routes with
 * `App2WxappGuard.forPool(name)`. Options are validated when the app boots.
 */
@Module({ imports: [App2WxappCoreModule, HttpModule] })
export class App2WxappModule extends ConfigurableModuleClass {}
