import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { createSampleApp } from './app.factory';

const LOCAL_OR_ANY = ['127.0.0.1', '::1', 'localhost', '0.0.0.0', '::'];

async function main(): Promise<void> {
  const { app, config } = await createSampleApp({ env: process.env });
  // SIGINT/SIGTERM close the app: the HTTP server first, then the emulator and the database.
  app.enableShutdownHooks();
  if (config.listenHost) await app.listen(config.port, config.listenHost);
  else await app.listen(config.port);
  const { port } = app.getHttpServer().address() as AddressInfo;
  const host = !config.listenHost || LOCAL_OR_ANY.includes(config.listenHost) ? 'localhost' : config.listenHost;
  new Logger('Sample').log(`Demo ready at http://${host}:${port}/`);
}

main().catch((error: unknown) => {
  const logger = new Logger('Sample');
  // Configuration errors say what to fix; anything else keeps its stack.
  if (error instanceof Error && error.name === 'SampleConfigError') logger.error(error.message);
  else logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  // Whatever opened before the failure (the emulator, a pool) must not keep a half-started app alive.
  process.exit(1);
});
