import { Module } from '@nestjs/common';
import type { SampleConfig } from '../config/sample-config.interface';
import { SAMPLE_CONFIG } from '../config/sample-config.module';
import { DEMO_PAGE, loadDemoPage } from './demo-page';
import { DemoController } from './demo.controller';

@Module({
  controllers: [DemoController],
  providers: [{ provide: DEMO_PAGE, inject: [SAMPLE_CONFIG], useFactory: (config: SampleConfig) => loadDemoPage(config.publicDir) }],
})
export class DemoModule {}
