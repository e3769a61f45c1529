import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { App2WxappModule, type App2WxappPoolOptions } from 'nestjs-app2wxapp';
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

/** The one login pool, for the flow the sample runs: the guard then reads what that flow needs from the request. */
export function loginPoolOptions(upstream: UpstreamConnection, users: UsersRepository): App2WxappPoolOptions<AuthenticatedLogin> {
  // The persistence hook, the same for both flows: find-or-create the user by Authing id, counting the login.
  const validateUser = async (profile: Parameters<typeof toPublicProfile>[0]): Promise<AuthenticatedLogin> => ({
    user: await users.recordLogin(profile),
    profile: toPublicProfile(profile),
  });
  if (upstream.flow === 'app-launch') {
    const { userPoolId, appId, appSecret, appHost, connection, clientAuth } = upstream;
    // No appSecret key at all with clientAuth 'none': the module refuses one that nothing would use.
    return {
      flow: 'app-launch',
      userPoolId,
      appId,
      ...(appSecret !== undefined ? { appSecret } : {}),
      appHost,
      connection,
      clientAuth,
      validateUser,
    };
  }
  return {
    userPoolId: upstream.userPoolId,
    // No secret key at all without one: the module refuses `secret: undefined` (an unset variable).
    ...(upstream.secret !== undefined ? { secret: upstream.secret } : { exchangeWithoutSecret: true }),
    host: upstream.host,
    validateUser,
  };
}

@Module({
  imports: [
    SessionModule,
    UpstreamModule,
    App2WxappModule.forRootAsync({
      imports: [UpstreamModule, UsersModule],
      inject: [UPSTREAM, UsersRepository],
      useFactory: (upstream: UpstreamConnection, users: UsersRepository) => loginPoolOptions(upstream, users),
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
