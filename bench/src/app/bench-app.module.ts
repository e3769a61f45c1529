import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { HttpModule } from '@nestjs/axios';
import { type DynamicModule, Module } from '@nestjs/common';
import { App2WxappModule, type App2WxappModuleOptions } from 'nestjs-app2wxapp';
import { APP_LAUNCH_POOL, AppLaunchController } from './app-launch.controller';
import { BASELINE_APP_LAUNCH, type BaselineAppLaunch, BaselineAppLaunchController } from './baseline-app-launch.controller';
import { BASELINE_UPSTREAM, BaselineController } from './baseline.controller';

/** The emulated Authing app (v3) of the app-launch routes. */
export interface AppLaunchApp {
  userPoolId: string;
  appId: string;
  appSecret: string;
  connection: string;
}
import { LoginController } from './login.controller';

/**
 * Both routes in one app, against one upstream: `POST /login` (the module) and `POST /baseline` (by hand). Given an
 * app-launch app, also `POST /app-launch` (the module's named pool 'app-launch', beside the default ticket pool) and
 * `POST /baseline-app-launch` (by hand), against the same emulator (its v3 app).
 */
@Module({})
export class BenchAppModule {
  static register(options: App2WxappModuleOptions & { host: string; secret: string }, appLaunch?: AppLaunchApp): DynamicModule {
    const appHost = options.host;
    return {
      module: BenchAppModule,
      imports: [
        App2WxappModule.forRoot(options),
        ...(appLaunch
          ? [
              // verify: 'id_token' (RS256, checked locally with the cached JWKS), as the baseline does: the same work.
              App2WxappModule.forRoot({
                name: APP_LAUNCH_POOL,
                flow: 'app-launch',
                userPoolId: appLaunch.userPoolId,
                appId: appLaunch.appId,
                appSecret: appLaunch.appSecret,
                appHost,
                connection: appLaunch.connection,
                clientAuth: 'client_secret_post',
                verify: 'id_token',
                idTokenAlg: 'RS256',
              }),
            ]
          : []),
        // The same agent settings as the module's own HttpModule.
        HttpModule.register({
          httpAgent: new HttpAgent({ keepAlive: true }),
          httpsAgent: new HttpsAgent({ keepAlive: true }),
          maxRedirects: 0,
        }),
      ],
      controllers: [LoginController, BaselineController, ...(appLaunch ? [AppLaunchController, BaselineAppLaunchController] : [])],
      providers: [
        {
          provide: BASELINE_UPSTREAM,
          useValue: {
            exchangeUrl: `${options.host}/oauth/app2wxapp/auth/${encodeURIComponent(options.userPoolId)}`,
            secret: options.secret,
          },
        },
        ...(appLaunch
          ? [
              {
                provide: BASELINE_APP_LAUNCH,
                useValue: {
                  signinUrl: `${appHost}/api/v3/signin-by-mobile`,
                  jwksUrl: `${appHost}/${encodeURIComponent(appLaunch.appId)}/oidc/.well-known/jwks.json`,
                  issuer: `${appHost}/oidc`,
                  appId: appLaunch.appId,
                  appSecret: appLaunch.appSecret,
                  connection: appLaunch.connection,
                  // The module's default scope (DEFAULT_APP_LAUNCH_SCOPE), so that both get the same id_token.
                  scope: 'openid profile phone',
                } satisfies BaselineAppLaunch,
              },
            ]
          : []),
      ],
    };
  }
}
