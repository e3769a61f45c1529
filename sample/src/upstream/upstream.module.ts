import { Module } from '@nestjs/common';
import { UPSTREAM } from './upstream-connection.interface';
import { UpstreamShutdown, upstreamProvider } from './upstream.providers';

@Module({
  providers: [upstreamProvider, UpstreamShutdown],
  exports: [UPSTREAM],
})
export class UpstreamModule {}
