import { Global, Module } from '@nestjs/common';
import { POOL_REGISTRY } from '../shared/internal.tokens';
import { App2WxappTelemetry } from '../telemetry/app2wxapp.telemetry';
import { App2WxappPoolRegistry } from './app2wxapp-pool.registry';

/** One per app, shared by every pool: the pool registry (so guards in any module find their pool) and telemetry. */
@Global()
@Module({
  providers: [
    App2WxappPoolRegistry,
    { provide: POOL_REGISTRY, useExisting: App2WxappPoolRegistry },
    {
      provide: App2WxappTelemetry,
      inject: [App2WxappPoolRegistry],
      useFactory: (registry: App2WxappPoolRegistry) => App2WxappTelemetry.load(() => registry.all()),
    },
  ],
  exports: [App2WxappPoolRegistry, POOL_REGISTRY, App2WxappTelemetry],
})
export class App2WxappCoreModule {}
