import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationShutdown, Provider } from '@nestjs/common';
import { App2WxappEmulator } from 'nestjs-app2wxapp/testing';
import type { SampleConfig } from '../config/sample-config.interface';
import { SAMPLE_CONFIG } from '../config/sample-config.module';
import { UPSTREAM, type UpstreamConnection } from './upstream-connection.interface';

/** Shown in the launch path, so nobody can take an emulated pool for a real one. */
export const EMULATOR_USER_POOL_ID = 'sample-emulator-pool';

export const InjectUpstream = (): ParameterDecorator => Inject(UPSTREAM);

export const upstreamProvider: Provider = {
  provide: UPSTREAM,
  inject: [SAMPLE_CONFIG],
  useFactory: async (config: SampleConfig): Promise<UpstreamConnection> => {
    const logger = new Logger('Upstream');
    const upstream = config.upstream;
    if (upstream.mode === 'authing') {
      logger.log(`Exchanging tickets with Authing at ${upstream.host} for user pool ${upstream.userPoolId}`);
      if (!upstream.secret) {
        logger.warn(
          'AUTHING_USER_POOL_SECRET is not set: exchanges work only if the pool allows them without its secret ' +
            '(ticketExchangeUserInfoNeedSecret: false).',
        );
      }
      return { mode: 'authing', userPoolId: upstream.userPoolId, secret: upstream.secret, host: upstream.host };
    }

    // A throwaway secret: the emulator checks it like Authing would, and nothing outside this process knows it.
    const secret = randomBytes(24).toString('hex');
    const emulator = await App2WxappEmulator.start({ userPoolId: EMULATOR_USER_POOL_ID, secret });
    logger.warn(
      `EMULATOR MODE — no real Authing: tickets are exchanged with the in-process App2WxappEmulator at ` +
        `${emulator.url}, for fake WeChat users minted by POST /dev/emulator/tickets. ` +
        'Set AUTHING_USER_POOL_ID and AUTHING_USER_POOL_SECRET (and AUTHING_HOST) to use Authing.',
    );
    return { mode: 'emulator', userPoolId: EMULATOR_USER_POOL_ID, secret, host: emulator.url, emulator };
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
