import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { HttpModule } from '@nestjs/axios';
import { type DynamicModule, Module } from '@nestjs/common';
import { App2WxappModule, type App2WxappModuleOptions } from 'nestjs-app2wxapp';
import { BASELINE_UPSTREAM, BaselineController } from './baseline.controller';
import { LoginController } from './login.controller';

/** Both routes in one app, against one upstream: `POST /login` (the module) and `POST /baseline` (by hand). */
@Module({})
export class BenchAppModule {
  static register(options: App2WxappModuleOptions & { host: string; secret: string }): DynamicModule {
    return {
      module: BenchAppModule,
      imports: [
        App2WxappModule.forRoot(options),
        // The same agent settings as the module's own HttpModule.
        HttpModule.register({
          httpAgent: new HttpAgent({ keepAlive: true }),
          httpsAgent: new HttpsAgent({ keepAlive: true }),
          maxRedirects: 0,
        }),
      ],
      controllers: [LoginController, BaselineController],
      providers: [
        {
          provide: BASELINE_UPSTREAM,
          useValue: {
            exchangeUrl: `${options.host}/oauth/app2wxapp/auth/${encodeURIComponent(options.userPoolId)}`,
            secret: options.secret,
          },
        },
      ],
    };
  }
}
