import { type DynamicModule, Module } from '@nestjs/common';
import type { LoginFlow } from '../config/sample-config.interface';
import { UpstreamModule } from '../upstream/upstream.module';
import { DevEmulatorCodesController, DevEmulatorController } from './dev-emulator.controller';

/** Imported by AppModule in emulator mode only, with the one mint of the flow the sample runs. */
@Module({})
export class DevEmulatorModule {
  static forFlow(flow: LoginFlow): DynamicModule {
    return {
      module: DevEmulatorModule,
      imports: [UpstreamModule],
      controllers: [flow === 'app-launch' ? DevEmulatorCodesController : DevEmulatorController],
    };
  }
}
