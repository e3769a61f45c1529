import { Module } from '@nestjs/common';
import { App2WxappHealthModule } from 'nestjs-app2wxapp/health';
import { UpstreamModule } from '../upstream/upstream.module';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';

@Module({
  imports: [UpstreamModule, App2WxappHealthModule],
  controllers: [HealthController],
  providers: [HealthService],
})
export class HealthModule {}
