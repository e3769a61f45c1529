import { Module } from '@nestjs/common';
import { UpstreamModule } from '../upstream/upstream.module';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';

@Module({
  imports: [UpstreamModule],
  controllers: [HealthController],
  providers: [HealthService],
})
export class HealthModule {}
