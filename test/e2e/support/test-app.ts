import { Controller, Get, HttpCode, type INestApplication, type ModuleMetadata, Post, UseGuards } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { ExpressAdapter } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { App2WxappGuard, App2WxappModule, type App2WxappModuleOptions, App2WxappUser } from 'nestjs-app2wxapp';

export type AdapterName = 'express' | 'fastify';
export const ADAPTERS: AdapterName[] = ['express', 'fastify'];

@Controller()
export class LoginController {
  @Post('login')
  @HttpCode(200)
  @UseGuards(App2WxappGuard)
  login(@App2WxappUser() user: unknown) {
    return { user };
  }

  @Get('open')
  open() {
    return { ok: true };
  }
}

export interface RunningApp {
  app: INestApplication;
  url: string;
  /** POSTs JSON (or a raw string body) to `path`; resolves status, headers and parsed body. */
  post(path: string, body?: unknown, headers?: Record<string, string>): Promise<TestResponse>;
  close(): Promise<void>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

/** Boots a real Nest app on a real socket (127.0.0.1, free port) with the given adapter; `setup` runs before it listens. */
export async function startApp(
  adapter: AdapterName,
  imports: ModuleMetadata['imports'],
  extra: ModuleMetadata = {},
  setup?: (app: INestApplication) => void,
): Promise<RunningApp> {
  const moduleRef = await Test.createTestingModule({
    imports,
    controllers: [LoginController, ...(extra.controllers ?? [])],
    providers: extra.providers ?? [],
  }).compile();
  const app = moduleRef.createNestApplication(adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(), { logger: false });
  setup?.(app);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    app,
    url,
    post: (path, body, headers) => request(`${url}${path}`, body, headers),
    close: () => app.close(),
  };
}

export function startWithOptions(adapter: AdapterName, options: App2WxappModuleOptions<any>): Promise<RunningApp> {
  return startApp(adapter, [App2WxappModule.forRoot(options)]);
}

export async function request(url: string, body?: unknown, headers: Record<string, string> = {}): Promise<TestResponse> {
  const raw = typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body);
  const res = await fetch(url, {
    method: 'POST',
    headers: raw === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: raw,
  });
  const text = await res.text();
  let parsed: any;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}
