import { Module } from '@nestjs/common';
import { App2WxappModule } from 'nestjs-app2wxapp';
import { SessionModule } from '../session/session.module';
import { UPSTREAM, type UpstreamConnection } from '../upstream/upstream-connection.interface';
import { UpstreamModule } from '../upstream/upstream.module';
import { UsersModule } from '../users/users.module';
import { UsersRepository } from '../users/users.repository';
import { AuthController } from './auth.controller';
import type { AuthenticatedLogin } from './authenticated-login.interface';
import { toPublicProfile } from './public-profile';

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
  ],
  controllers: [AuthController],
})
export class AuthModule {}
