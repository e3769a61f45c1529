import { Module } from '@nestjs/common';
import { UpstreamModule } from '../upstream/upstream.module';
import { DevEmulatorController } from './dev-emulator.controller';

/** Imported by AppModule in emulator mode only. */
@Module({
  imports: [UpstreamModule],
  controllers: [DevEmulatorController],
})
export class DevEmulatorModule {}
