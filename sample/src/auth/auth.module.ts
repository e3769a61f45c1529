import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { App2WxappModule } from 'nestjs-app2wxapp';
import type { SampleConfig } from '../config/sample-config.interface';
import { SAMPLE_CONFIG } from '../config/sample-config.module';
import { SessionModule } from '../session/session.module';
import type { UpstreamConnection } from '../upstream/upstream-connection.interface';
import { UPSTREAM } from '../upstream/upstream-connection.interface';
import { UpstreamModule } from '../upstream/upstream.module';
import { UsersModule } from '../users/users.module';
import { UsersRepository } from '../users/users.repository';
import { AuthController } from './auth.controller';
import type { AuthenticatedLogin } from './authenticated-login.interface';
import { toPublicProfile } from './public-profile';

const ONE_MINUTE_MS = 60_000;

@Module({
  imports: [
    SessionModule,
    UpstreamModule,
    App2WxappModule.forRootAsync({
      imports: [UpstreamModule, UsersModule],
      inject: [UPSTREAM, UsersRepository],
      useFactory: (upstream: UpstreamConnection, users: UsersRepository) => ({
        userPoolId: upstream.userPoolId,
        secret: upstream.secret,
        host: upstream.host,
        // The persistence hook: find-or-create the user by Authing id, counting the login.
        validateUser: async (profile): Promise<AuthenticatedLogin> => ({
          user: await users.recordLogin(profile),
          profile: toPublicProfile(profile),
        }),
      }),
    }),
    // Per client IP (Express `req.ip`; set TRUST_PROXY behind a reverse proxy). Applied to the login route only.
    // Unnamed, so the headers are the standard `Retry-After` and `X-RateLimit-*`, without a name suffix.
    ThrottlerModule.forRootAsync({
      inject: [SAMPLE_CONFIG],
      useFactory: (config: SampleConfig) => [{ ttl: ONE_MINUTE_MS, limit: config.loginRateLimitPerMinute }],
    }),
  ],
  controllers: [AuthController],
})
export class AuthModule {}
