import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { type App2WxappModuleOptions, MemoryTicketReplayStore } from 'nestjs-app2wxapp';
import { type AppLaunchApp, BenchAppModule } from './app/bench-app.module';
import { failStartup, readConfig, serve } from './ipc/serve';
import { collectGarbage, processStats } from './process-stats';

export type AdapterName = 'express' | 'fastify';

export interface AppConfig {
  adapter: AdapterName;
  upstreamUrl: string;
  userPoolId: string;
  secret: string;
  /** Module options beyond { userPoolId, secret, host }; empty means the defaults. */
  ticketTtlMs?: number;
  /** Pass `new MemoryTicketReplayStore()` (what the default is) explicitly, so its size can be read. */
  observeReplayStore?: boolean;
  /** Also the app-launch pool ('app-launch') and its routes, on this emulated app. */
  appLaunch?: AppLaunchApp;
}

export interface AppInfo {
  url: string;
}

async function main(): Promise<void> {
  const config = readConfig<AppConfig>();
  const store = config.observeReplayStore ? new MemoryTicketReplayStore() : undefined;
  const options: App2WxappModuleOptions & { host: string; secret: string } = {
    userPoolId: config.userPoolId,
    secret: config.secret,
    host: config.upstreamUrl,
    ...(config.ticketTtlMs !== undefined ? { ticketTtlMs: config.ticketTtlMs } : {}),
    ...(store ? { replayStore: store } : {}),
  };
  const adapter = config.adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter();
  const app: INestApplication = await NestFactory.create(BenchAppModule.register(options, config.appLaunch), adapter, {
    logger: process.env.BENCH_DEBUG ? ['warn', 'error'] : false,
  });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');

  serve(
    { url } satisfies AppInfo,
    {
      stats: async ({ gc }: { gc?: boolean } = {}) => {
        if (gc) await collectGarbage();
        return { ...processStats(), replayStoreSize: store?.size };
      },
    },
    () => app.close(),
  );
}

main().catch(failStartup);
