import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { HttpService } from '@nestjs/axios';
import type { ExecutionContext } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import axios, { type AxiosAdapter } from 'axios';
import { App2WxappAuthenticator, App2WxappClient, App2WxappGuard, App2WxappStrategy } from 'nestjs-app2wxapp';
import { App2WxappEmulator } from 'nestjs-app2wxapp/testing';
import { BaselineController } from './app/baseline.controller';
import { BenchAppModule } from './app/bench-app.module';
import { LoginController } from './app/login.controller';
import { failStartup, readConfig, serve } from './ipc/serve';
import { median } from './stats';
import { exchangePath, POOL } from './upstream';

export interface OverheadConfig {
  logins: number;
  rounds: number;
  warmup: number;
}

export type OverheadVariant = 'baseline' | 'client' | 'strategy' | 'guard' | 'guardExpress';

export interface OverheadResult {
  logins: number;
  rounds: number;
  /** CPU µs per login, per variant, one entry per round. */
  cpu: Record<OverheadVariant, number[]>;
  medians: Record<OverheadVariant, number>;
  answerBytes: number;
}

/** One real answer of the emulator, replayed by the stub for every exchange. */
async function realAnswer(): Promise<string> {
  const emulator = await App2WxappEmulator.start({ ...POOL, maxRecordedRequests: 0 });
  try {
    const response = await fetch(`${emulator.url}${exchangePath(POOL.userPoolId)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ secret: POOL.secret, ticket: emulator.issueTicket({ unionid: 'oBenchOverheadUser0000000000' }) }),
    });
    return await response.text();
  } finally {
    await emulator.close();
  }
}

/** An axios adapter that answers at once with the canned answer: the HTTP layer, and only it, is replaced. */
function stubAdapter(answer: string): AxiosAdapter {
  return async (config) => ({
    data: answer,
    status: 200,
    statusText: 'OK',
    headers: { 'content-type': 'application/json; charset=utf-8' },
    config,
    request: {},
  });
}

function httpContext(request: object, response: object): ExecutionContext {
  const args = [request, response, undefined];
  return {
    getType: () => 'http',
    getClass: () => LoginController,
    getHandler: () => LoginController.prototype.login,
    getArgs: () => args,
    getArgByIndex: (i: number) => args[i],
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => response, getNext: () => undefined }),
    switchToRpc: () => {
      throw new Error('http only');
    },
    switchToWs: () => {
      throw new Error('http only');
    },
  } as unknown as ExecutionContext;
}

/** Distinct JWT-shaped tickets, as Authing issues them; the stub does not check them, the module's replay store does. */
function tickets(count: number, offset: number): string[] {
  const head = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');
  const out = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    const payload = Buffer.from(JSON.stringify({ jti: `bench-${offset + i}`, sub: 'overhead', iat: 1_700_000_000, exp: 1_700_000_120 })).toString('base64url');
    out[i] = `${head}.${payload}.${randomBytes(32).toString('base64url')}`;
  }
  return out;
}

async function main(): Promise<void> {
  const config = readConfig<OverheadConfig>();
  const answer = await realAnswer();
  const moduleRef = await Test.createTestingModule({
    imports: [BenchAppModule.register({ ...POOL, host: 'http://127.0.0.1:9' })],
  })
    .overrideProvider(HttpService)
    // Cast: axios has separate CJS and ESM declarations, and @nestjs/axios 12 (ESM) sees the ESM ones.
    .useValue(new HttpService(axios.create({ adapter: stubAdapter(answer) }) as never))
    .compile();
  moduleRef.useLogger(false);
  await moduleRef.init();

  const baseline = moduleRef.get(BaselineController);
  const client = moduleRef.get(App2WxappClient);
  const strategy = new App2WxappStrategy(moduleRef.get(App2WxappAuthenticator));
  const guard = await moduleRef.get(ModuleRef).create(App2WxappGuard);
  const response = { setHeader() {}, header() {} };
  const socket = new Socket();
  // The prototype Express gives every request (express is reached through Nest's adapter, not imported directly).
  const expressRequest: object = new ExpressAdapter().getInstance<{ request: object }>().request;
  const guarded = async (request: IncomingMessage & { body: unknown; user?: unknown }) => {
    await guard.canActivate(httpContext(request, response));
    if (!request.user) throw new Error('the guard let a request through without a user');
    return request.user;
  };

  const variants: Record<OverheadVariant, (ticket: string) => Promise<unknown>> = {
    baseline: (ticket) => baseline.login({ ticket }),
    client: (ticket) => client.exchangeTicket(ticket),
    strategy: (ticket) => strategy.validate({ body: { ticket }, headers: {} }),
    // A real IncomingMessage, as Node hands it over: Passport adds its methods to it.
    guard: (ticket) => guarded(Object.assign(new IncomingMessage(socket), { body: { ticket } })),
    // The same, with the prototype Express gives every request (Object.setPrototypeOf(req, app.request)).
    guardExpress: (ticket) => guarded(Object.assign(Object.setPrototypeOf(new IncomingMessage(socket), expressRequest), { body: { ticket } })),
  };
  let issued = 0;
  const cpuPerLogin = async (variant: OverheadVariant, logins: number): Promise<number> => {
    const batch = tickets(logins, issued);
    issued += logins;
    const fn = variants[variant];
    const start = process.cpuUsage();
    for (let i = 0; i < logins; i++) {
      const user = (await fn(batch[i])) as { id?: string; user?: { _id?: string } };
      if (!(user?.id ?? user?.user?._id)) throw new Error(`${variant}: login ${i} produced no user`);
    }
    const used = process.cpuUsage(start);
    return (used.user + used.system) / logins;
  };

  serve(
    {},
    {
      run: async (): Promise<OverheadResult> => {
        const order = Object.keys(variants) as OverheadVariant[];
        for (const variant of order) await cpuPerLogin(variant, config.warmup);
        const cpu = Object.fromEntries(order.map((v) => [v, [] as number[]])) as Record<OverheadVariant, number[]>;
        for (let round = 0; round < config.rounds; round++) {
          // Rotate the order so that no variant always runs right after the same one.
          for (let k = 0; k < order.length; k++) {
            const variant = order[(k + round) % order.length];
            cpu[variant].push(await cpuPerLogin(variant, config.logins));
          }
        }
        const medians = Object.fromEntries(order.map((v) => [v, median(cpu[v])])) as Record<OverheadVariant, number>;
        return { logins: config.logins, rounds: config.rounds, cpu, medians, answerBytes: Buffer.byteLength(answer) };
      },
    },
    () => moduleRef.close(),
  );
}

main().catch(failStartup);
