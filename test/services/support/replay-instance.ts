import 'reflect-metadata';
import { Controller, HttpCode, Module, Post, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { App2WxappGuard, App2WxappUser } from '../../../lib/index';
import { redisBackedImports, redisConnected } from './redis-wiring';

// Instance "B" of the two-instance test, in its own process: Passport strategies are process-global, so two
// instances in one process would share one strategy. Compiled by the test, configured by the environment; prints
// READY_LINE and its URL once it listens, and stops on SIGTERM or when its parent goes away (stdin closes).

const READY_LINE = 'APP2WXAPP_INSTANCE_READY';

@Controller()
class LoginController {
  @Post('login')
  @HttpCode(200)
  @UseGuards(App2WxappGuard)
  login(@App2WxappUser() user: unknown) {
    return { user };
  }
}

async function main(): Promise<void> {
  @Module({ imports: redisBackedImports(), controllers: [LoginController] })
  class InstanceModule {}

  const adapter = process.env.ADAPTER === 'fastify' ? new FastifyAdapter() : new ExpressAdapter();
  const app = await NestFactory.create(InstanceModule, adapter, { logger: ['log', 'warn', 'error'] });
  await app.listen(0, '127.0.0.1');
  await redisConnected(app);
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  process.stdout.write(`${READY_LINE} ${url}\n`);

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.stdin.on('end', stop).resume();
}

main().catch((err: unknown) => {
  process.stderr.write(`replay instance failed to start: ${(err as Error)?.stack ?? err}\n`);
  process.exit(1);
});
