import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from './auth/auth.module';
import type { SampleConfig } from './config/sample-config.interface';
import { SampleConfigModule } from './config/sample-config.module';
import { DatabaseModule } from './database/database.module';
import { DemoModule } from './demo/demo.module';
import { DevEmulatorModule } from './dev-emulator/dev-emulator.module';
import { HealthModule } from './health/health.module';
import { MeModule } from './me/me.module';

@Module({})
export class AppModule {
  static forRoot(config: SampleConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        SampleConfigModule.forRoot(config),
        DatabaseModule,
        AuthModule,
        MeModule,
        HealthModule,
        DemoModule,
        // The ticket or code mint exists only when there is no real Authing behind the app.
        ...(config.upstream.mode === 'emulator' ? [DevEmulatorModule.forFlow(config.upstream.flow)] : []),
      ],
    };
  }
}
