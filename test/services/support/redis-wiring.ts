import { Global, type INestApplicationContext, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import type { Cluster, Redis } from 'ioredis';
import { createRedisClient } from './redis-clients';
import { App2WxappModule, RedisTicketReplayStore } from '../../../lib/index';

// The README's "Multi-instance deployment" wiring (clients from docs/redis.md), used as is by both instances of the
// two-instance tests.

export const REDIS = Symbol('REDIS');

@Global()
@Module({
  imports: [ConfigModule],
  providers: [
    {
      provide: REDIS,
      inject: [ConfigService],
      useFactory: (config: ConfigService) => {
        const redis = createRedisClient((name) => config.get<string>(name));
        const logger = new Logger('Redis');
        redis.on('error', (err: Error) => logger.warn(err.message));
        return redis;
      },
    },
  ],
  exports: [REDIS],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis | Cluster) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

export const App2WxappWithRedis = App2WxappModule.forRootAsync({
  imports: [ConfigModule, RedisModule],
  inject: [ConfigService, REDIS],
  useFactory: (config: ConfigService, redis: Redis | Cluster) => ({
    userPoolId: config.getOrThrow<string>('AUTHING_USER_POOL_ID'),
    secret: config.getOrThrow<string>('AUTHING_USER_POOL_SECRET'),
    host: config.get<string>('AUTHING_HOST'),
    timeoutMs: Number(config.get('APP2WXAPP_TIMEOUT_MS') ?? 5000),
    replayStore: new RedisTicketReplayStore(redis, { waitForReplicas: Number(config.get('REDIS_WAIT_FOR_REPLICAS') ?? 0) }),
  }),
});

/** What an app module imports: configuration (from `values`, or the environment), Redis, and the login module. */
export function redisBackedImports(values: Record<string, string> = {}) {
  return [ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => values] }), RedisModule, App2WxappWithRedis];
}

/** Until its Redis client is connected, an instance answers 503: the tests start using it only once it is. */
export async function redisConnected(app: INestApplicationContext): Promise<void> {
  const redis = app.get<Redis | Cluster>(REDIS);
  if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
}
