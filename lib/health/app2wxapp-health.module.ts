import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { App2WxappHealthIndicator } from './app2wxapp-health.indicator';

/**
 * Provides `App2WxappHealthIndicator` to the module that imports it, next to the app's own `TerminusModule`. The
 * pools come from `App2WxappModule`, which must be imported somewhere in the app (its registry is global).
 */
@Module({
  imports: [TerminusModule],
  providers: [App2WxappHealthIndicator],
  exports: [App2WxappHealthIndicator],
})
export class App2WxappHealthModule {}
