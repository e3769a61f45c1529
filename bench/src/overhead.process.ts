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
import { AuthGuard } from '@nestjs/passport';
import { App2WxappAuthenticator, App2WxappClient, App2WxappGuard } from 'nestjs-app2wxapp';
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
  /** Only these variants (e.g. for a CPU profile of one path); default all. */
  only?: OverheadVariant[];
}

export type OverheadVariant = 'baseline' | 'client' | 'authenticator' | 'guard' | 'guardExpress' | 'passportExpress';

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
    const payload = Buffer.from(JSON.stringify({ jti: `bench-${offset + i}`, sub: 'overhead', iat: 1_700_000_000, exp: 1_700_000_120 })).toString(
      'base64url',
    );
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
  const authenticator = moduleRef.get(App2WxappAuthenticator);
  const guard = await moduleRef.get(ModuleRef).create(App2WxappGuard);
  // The Passport-composed route's guard; the module registered the 'app2wxapp' strategy when it initialised.
  const passportGuard = new (AuthGuard('app2wxapp'))();
  const response = { setHeader() {}, header() {} };
  const socket = new Socket();
  // The prototype Express gives every request (express is reached through Nest's adapter, not imported directly).
  const expressRequest: object = new ExpressAdapter().getInstance<{ request: object }>().request;

  type Request = IncomingMessage & { body: { ticket: string }; user?: unknown };
  /** What the HTTP server hands over: built before the clock starts, for the baseline and the guards alike. */
  const nodeRequest = (ticket: string): Request => Object.assign(new IncomingMessage(socket), { body: { ticket } });
  // Object.setPrototypeOf(req, app.request), as Express does to every request.
  const expressRequestOf = (ticket: string): Request =>
    Object.assign(Object.setPrototypeOf(new IncomingMessage(socket), expressRequest), { body: { ticket } });
  type Input = { ticket: string; request: Request; context: ExecutionContext };
  const guarded = (canActivate: (context: ExecutionContext) => Promise<boolean> | boolean | unknown) => async (input: Input) => {
    await canActivate(input.context);
    if (!input.request.user) throw new Error('the guard let a request through without a user');
    return input.request.user;
  };

  const variants: Record<OverheadVariant, { request?: (ticket: string) => Request; run: (input: Input) => Promise<unknown> }> = {
    // The controller's own work on the body of an Express request (Nest's @Body() hands it over).
    baseline: { request: expressRequestOf, run: (input) => baseline.login(input.request.body) },
    client: { run: (input) => client.exchangeTicket(input.ticket) },
    authenticator: { run: (input) => authenticator.authenticate(input.ticket) },
    guard: { request: nodeRequest, run: guarded((context) => guard.canActivate(context)) },
    guardExpress: { request: expressRequestOf, run: guarded((context) => guard.canActivate(context)) },
    passportExpress: { request: expressRequestOf, run: guarded((context) => passportGuard.canActivate(context)) },
  };
  let issued = 0;
  const cpuPerLogin = async (variant: OverheadVariant, logins: number): Promise<number> => {
    const { request, run } = variants[variant];
    const inputs = tickets(logins, issued).map((ticket): Input => {
      const req = request?.(ticket) ?? ({ body: { ticket } } as Request);
      return { ticket, request: req, context: httpContext(req, response) };
    });
    issued += logins;
    const start = process.cpuUsage();
    for (let i = 0; i < logins; i++) {
      const user = (await run(inputs[i])) as { id?: string; user?: { _id?: string } };
      if (!(user?.id ?? user?.user?._id)) throw new Error(`${variant}: login ${i} produced no user`);
    }
    const used = process.cpuUsage(start);
    return (used.user + used.system) / logins;
  };

  serve(
    {},
    {
      run: async (): Promise<OverheadResult> => {
        const order = (config.only ?? Object.keys(variants)) as OverheadVariant[];
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
