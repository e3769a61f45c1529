import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import type { SampleConfig } from '../config/sample-config.interface';
import { SAMPLE_CONFIG } from '../config/sample-config.module';
import { UsersModule } from '../users/users.module';
import { SessionGuard } from './session.guard';
import { SessionService } from './session.service';

@Module({
  imports: [
    UsersModule,
    JwtModule.registerAsync({
      inject: [SAMPLE_CONFIG],
      useFactory: (config: SampleConfig) => ({
        secret: config.session.jwtSecret,
        signOptions: { algorithm: 'HS256', expiresIn: config.session.ttlSeconds },
        // Pinned, so a token claiming another algorithm (or "none") is refused.
        verifyOptions: { algorithms: ['HS256'] },
      }),
    }),
  ],
  providers: [SessionService, SessionGuard],
  exports: [SessionService, SessionGuard, UsersModule],
})
export class SessionModule {}
