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
import { type App2WxappAuthenticator, App2WxappGuard, getApp2WxappAuthenticatorToken } from 'nestjs-app2wxapp';
import { App2WxappEmulator } from 'nestjs-app2wxapp/testing';
import { APP_LAUNCH_POOL, AppLaunchController } from './app/app-launch.controller';
import { BaselineAppLaunchController } from './app/baseline-app-launch.controller';
import { BenchAppModule } from './app/bench-app.module';
import { failStartup, readConfig, serve } from './ipc/serve';
import { median } from './stats';
import { APP, POOL, SIGNIN_PATH } from './upstream';

export interface AppLaunchOverheadConfig {
  logins: number;
  rounds: number;
  warmup: number;
  /** Only these variants (e.g. for a CPU profile of one path); default all. */
  only?: AppLaunchOverheadVariant[];
}

export type AppLaunchOverheadVariant = 'baseline' | 'authenticator' | 'guardExpress';

export interface AppLaunchOverheadResult {
  logins: number;
  rounds: number;
  cpu: Record<AppLaunchOverheadVariant, number[]>;
  medians: Record<AppLaunchOverheadVariant, number>;
  answerBytes: number;
}

/**
 * The app-launch flow's in-process cost, as section 5 measures the ticket flow's: one process, no HTTP server, the
 * HTTP layer replaced by an axios adapter that answers at once with a real sign-in answer of the emulator (its
 * RS256 id_token) and, for the module's first key fetch, the emulator's real JWKS. The emulator stays up only for
 * the baseline's `createRemoteJWKSet`, which fetches the keys once with `fetch` (outside axios) and caches them.
 */
async function main(): Promise<void> {
  const config = readConfig<AppLaunchOverheadConfig>();
  const emulator = await App2WxappEmulator.start({
    ...POOL,
    maxRecordedRequests: 0,
    apps: [{ appId: APP.appId, appSecret: APP.appSecret, connection: APP.connection, clientAuth: 'client_secret_post', idTokenAlg: 'RS256' }],
  });
  const issued = emulator.issueCodes({ unionid: 'oBenchOverheadUser0000000000' }, { appId: APP.appId });
  const signin = await (
    await fetch(`${emulator.url}${SIGNIN_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-authing-app-id': APP.appId },
      body: JSON.stringify({
        connection: 'wechat_mini_program_code_and_phone',
        extIdpConnidentifier: APP.connection,
        wechatMiniProgramCodeAndPhonePayload: { wxLoginInfo: { code: issued.code }, wxPhoneInfo: { code: issued.phoneInfoCode } },
        options: { scope: 'openid profile phone' },
        client_id: APP.appId,
        client_secret: APP.appSecret,
      }),
    })
  ).text();
  const jwks = await (await fetch(`${emulator.url}/${APP.appId}/oidc/.well-known/jwks.json`)).text();
  if (!signin.includes('"id_token"')) throw new Error(`the emulator's sign-in gave no id_token: ${signin.slice(0, 200)}`);

  const stub: AxiosAdapter = async (request) => ({
    data: request.url?.endsWith('/jwks.json') ? jwks : signin,
    status: 200,
    statusText: 'OK',
    headers: { 'content-type': 'application/json; charset=utf-8' },
    config: request,
    request: {},
  });
  const moduleRef = await Test.createTestingModule({
    imports: [BenchAppModule.register({ ...POOL, host: emulator.url }, APP)],
  })
    .overrideProvider(HttpService)
    .useValue(new HttpService(axios.create({ adapter: stub }) as never))
    .compile();
  moduleRef.useLogger(false);
  await moduleRef.init();

  const baseline = moduleRef.get(BaselineAppLaunchController);
  const authenticator = moduleRef.get<App2WxappAuthenticator>(getApp2WxappAuthenticatorToken(APP_LAUNCH_POOL) as string, { strict: false });
  const guard = await moduleRef.get(ModuleRef).create(App2WxappGuard.forPool(APP_LAUNCH_POOL));
  const response = { setHeader() {}, header() {} };
  const socket = new Socket();
  const expressRequest: object = new ExpressAdapter().getInstance<{ request: object }>().request;

  type Body = { code: string; phoneInfoCode: string };
  type Request = IncomingMessage & { body: Body; user?: unknown };
  type Input = { codes: Body; request: Request; context: ExecutionContext };
  const context = (request: object): ExecutionContext => {
    const args = [request, response, undefined];
    return {
      getType: () => 'http',
      getClass: () => AppLaunchController,
      getHandler: () => AppLaunchController.prototype.login,
      getArgs: () => args,
      getArgByIndex: (i: number) => args[i],
      switchToHttp: () => ({ getRequest: () => request, getResponse: () => response, getNext: () => undefined }),
    } as unknown as ExecutionContext;
  };
  const variants: Record<AppLaunchOverheadVariant, (input: Input) => Promise<unknown>> = {
    baseline: async (input) => ((await baseline.login(input.request.body)) as { user: { sub?: string } }).user.sub,
    authenticator: async (input) => ((await authenticator.authenticate(input.codes)) as { id?: string }).id,
    guardExpress: async (input) => {
      await guard.canActivate(input.context);
      return (input.request.user as { id?: string } | undefined)?.id;
    },
  };
  const cpuPerLogin = async (variant: AppLaunchOverheadVariant, logins: number): Promise<number> => {
    // Fresh codes of WeChat's shape (the stub does not read them; the module's replay store does), and the Express
    // requests, built before the clock starts.
    const inputs = Array.from({ length: logins }, (): Input => {
      const codes = { code: randomBytes(24).toString('base64url'), phoneInfoCode: randomBytes(32).toString('hex') };
      const request = Object.assign(Object.setPrototypeOf(new IncomingMessage(socket), expressRequest), { body: { ...codes } }) as Request;
      return { codes, request, context: context(request) };
    });
    const run = variants[variant];
    const start = process.cpuUsage();
    for (let i = 0; i < logins; i++) {
      if (!(await run(inputs[i]))) throw new Error(`${variant}: login ${i} produced no user`);
    }
    const used = process.cpuUsage(start);
    return (used.user + used.system) / logins;
  };

  serve(
    {},
    {
      run: async (): Promise<AppLaunchOverheadResult> => {
        const order = (config.only ?? Object.keys(variants)) as AppLaunchOverheadVariant[];
        for (const variant of order) await cpuPerLogin(variant, config.warmup);
        const cpu = Object.fromEntries(order.map((v) => [v, [] as number[]])) as Record<AppLaunchOverheadVariant, number[]>;
        for (let round = 0; round < config.rounds; round++) {
          for (let k = 0; k < order.length; k++) {
            const variant = order[(k + round) % order.length];
            cpu[variant].push(await cpuPerLogin(variant, config.logins));
          }
        }
        const medians = Object.fromEntries(order.map((v) => [v, median(cpu[v])])) as Record<AppLaunchOverheadVariant, number>;
        return { logins: config.logins, rounds: config.rounds, cpu, medians, answerBytes: Buffer.byteLength(signin) };
      },
    },
    async () => {
      await moduleRef.close();
      await emulator.close();
    },
  );
}

main().catch(failStartup);
