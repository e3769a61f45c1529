import { Logger, type LoggerService, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { type Env, loadSampleConfig } from './config/load-sample-config';
import type { SampleConfig } from './config/sample-config.interface';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export interface CreateSampleAppOptions {
  /** Settings as environment variables; `main.ts` passes `process.env`, tests pass their own. */
  env: Env;
  logger?: LoggerService | LogLevel[] | false;
}

export interface SampleApp {
  app: NestExpressApplication;
  config: SampleConfig;
}

/** Builds the sample, ready to `listen`: the same wiring for `npm start` and for the tests. */
export async function createSampleApp(options: CreateSampleAppOptions): Promise<SampleApp> {
  const config = loadSampleConfig(options.env);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    // Throw boot errors to the caller instead of aborting the process (Nest's default), so tests can assert them.
    abortOnError: false,
    ...(options.logger !== undefined ? { logger: options.logger } : {}),
  });
  if (config.trustProxy !== undefined) app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');
  if (config.upstream.mode === 'emulator' && config.listenHost && !LOOPBACK.has(config.listenHost)) {
    new Logger('Upstream').warn(
      `EMULATOR MODE on ${config.listenHost}: anyone who reaches this address can mint logins with ` +
        `POST /dev/emulator/${config.upstream.flow === 'app-launch' ? 'codes' : 'tickets'}. ` +
        'Listen on 127.0.0.1 (the default) unless this is a throwaway environment.',
    );
  }
  if (config.session.jwtSecretIsDevDefault) {
    new Logger('Session').warn(
      'JWT_SECRET is not set: access tokens are signed with the embedded DEV default key, which anyone can read in ' +
        'the source. Set JWT_SECRET (at least 32 characters) for anything but a local demo.',
    );
  }
  return { app, config };
}
