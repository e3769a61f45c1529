import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationShutdown, Provider } from '@nestjs/common';
import { App2WxappEmulator } from 'nestjs-app2wxapp/testing';
import type { SampleConfig } from '../config/sample-config.interface';
import { SAMPLE_CONFIG } from '../config/sample-config.module';
import { UPSTREAM, type UpstreamConnection } from './upstream-connection.interface';

/** Shown in the launch path, so nobody can take an emulated pool for a real one. */
export const EMULATOR_USER_POOL_ID = 'sample-emulator-pool';

export const InjectUpstream = (): ParameterDecorator => Inject(UPSTREAM);

/** The emulated Authing app of the app-launch flow: made up, like the ticket flow's throwaway secret. */
export const EMULATOR_APP_ID = 'sample-emulator-app';
export const EMULATOR_CONNECTION = 'sample-app-launch';

export const upstreamProvider: Provider = {
  provide: UPSTREAM,
  inject: [SAMPLE_CONFIG],
  useFactory: async (config: SampleConfig): Promise<UpstreamConnection> => {
    const logger = new Logger('Upstream');
    const upstream = config.upstream;
    if (upstream.mode === 'authing' && upstream.flow === 'ticket') {
      logger.log(`Ticket flow: exchanging tickets with Authing at ${upstream.host} for user pool ${upstream.userPoolId}`);
      if (!upstream.secret) {
        logger.warn(
          'AUTHING_EXCHANGE_WITHOUT_SECRET=true: tickets are exchanged without the pool secret, which works only if the ' +
            'pool allows it (ticketExchangeUserInfoNeedSecret: false).',
        );
      }
      return { mode: 'authing', flow: 'ticket', userPoolId: upstream.userPoolId, secret: upstream.secret, host: upstream.host };
    }
    if (upstream.mode === 'authing') {
      logger.log(
        `App-launch flow: signing in with Authing app ${upstream.appId} at ${upstream.appHost} (connection ` +
          `${upstream.connection}, client authentication ${upstream.clientAuth}) for user pool ${upstream.userPoolId}`,
      );
      const { mode, flow, userPoolId, appId, appSecret, appHost, connection, clientAuth } = upstream;
      return { mode, flow, userPoolId, appId, appSecret, appHost, connection, clientAuth };
    }

    // Throwaway secrets: the emulator checks them like Authing would, and nothing outside this process knows them.
    const secret = randomBytes(24).toString('hex');
    if (upstream.flow === 'app-launch') {
      const appSecret = randomBytes(24).toString('hex');
      const emulator = await App2WxappEmulator.start({
        userPoolId: EMULATOR_USER_POOL_ID,
        secret,
        apps: [{ appId: EMULATOR_APP_ID, appSecret, connection: EMULATOR_CONNECTION, clientAuth: 'client_secret_post' }],
      });
      logger.warn(
        `EMULATOR MODE — no real Authing: app-launch sign-ins go to the in-process App2WxappEmulator at ` +
          `${emulator.url}, with WeChat codes of fake users minted by POST /dev/emulator/codes. Set AUTHING_USER_POOL_ID, ` +
          'AUTHING_APP_ID, AUTHING_APP_SECRET, AUTHING_APP_HOST and AUTHING_CONNECTION to use Authing.',
      );
      return {
        mode: 'emulator',
        flow: 'app-launch',
        userPoolId: EMULATOR_USER_POOL_ID,
        appId: EMULATOR_APP_ID,
        appSecret,
        appHost: emulator.url,
        connection: EMULATOR_CONNECTION,
        clientAuth: 'client_secret_post',
        emulator,
      };
    }
    const emulator = await App2WxappEmulator.start({ userPoolId: EMULATOR_USER_POOL_ID, secret });
    logger.warn(
      `EMULATOR MODE — no real Authing: tickets are exchanged with the in-process App2WxappEmulator at ` +
        `${emulator.url}, for fake WeChat users minted by POST /dev/emulator/tickets. ` +
        'Set AUTHING_USER_POOL_ID and AUTHING_USER_POOL_SECRET (and AUTHING_HOST) to use Authing.',
    );
    return { mode: 'emulator', flow: 'ticket', userPoolId: EMULATOR_USER_POOL_ID, secret, host: emulator.url, emulator };
  },
};

/** Stops the emulator after the HTTP server has stopped taking requests. */
@Injectable()
export class UpstreamShutdown implements OnApplicationShutdown {
  constructor(@InjectUpstream() private readonly upstream: UpstreamConnection) {}

  async onApplicationShutdown(): Promise<void> {
    await this.upstream.emulator?.close();
  }
}
