// `nestjs-app2wxapp/health`: a subpath of its own, so that apps without @nestjs/terminus never load it.
export { App2WxappHealthIndicator, type App2WxappHealthCheckOptions } from './app2wxapp-health.indicator';
export { App2WxappHealthModule } from './app2wxapp-health.module';
