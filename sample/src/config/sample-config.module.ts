import { DynamicModule, Global, Inject, Module } from '@nestjs/common';
import type { SampleConfig } from './sample-config.interface';

export const SAMPLE_CONFIG = Symbol('SAMPLE_CONFIG');

export const InjectSampleConfig = (): ParameterDecorator => Inject(SAMPLE_CONFIG);

/** Makes the validated settings injectable everywhere as `@InjectSampleConfig() config: SampleConfig`. */
@Global()
@Module({})
export class SampleConfigModule {
  static forRoot(config: SampleConfig): DynamicModule {
    return {
      module: SampleConfigModule,
      providers: [{ provide: SAMPLE_CONFIG, useValue: Object.freeze(config) }],
      exports: [SAMPLE_CONFIG],
    };
  }
}
