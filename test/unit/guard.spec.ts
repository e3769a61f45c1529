import { type ExecutionContext, InternalServerErrorException } from '@nestjs/common';
import { App2WxappGuard, App2WxappUpstreamError } from 'nestjs-app2wxapp';
import { App2WxappPoolRegistry, type RegisteredPool } from '../../lib/module/app2wxapp-pool.registry';

type Handler = (request: any) => Promise<unknown>;

function registry(pools: Record<string, Handler>): { registry: App2WxappPoolRegistry; calls: string[] } {
  const calls: string[] = [];
  const registry = new App2WxappPoolRegistry();
  for (const [pool, handler] of Object.entries(pools)) {
    const authenticator = { pool, userPoolId: `id-${pool}`, authenticateRequest: (request: unknown) => (calls.push(pool), handler(request)) };
    registry.register({ options: { pool, userPoolId: `id-${pool}` }, authenticator, client: {} } as unknown as RegisteredPool);
  }
  return { registry, calls };
}

function http(request: Record<string, unknown> = { headers: {} }, response: Record<string, unknown> = {}): ExecutionContext {
  return {
    getType: () => 'http',
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }),
  } as unknown as ExecutionContext;
}

function other(type: string, args: unknown[] = []): ExecutionContext {
  return { getType: () => type, getArgs: () => args } as unknown as ExecutionContext;
}

const ok: Handler = async () => ({ id: 'u' });

describe('App2WxappGuard', () => {
  it('fails closed on rpc and ws contexts, pointing to App2WxappAuthenticator; no pool is called', async () => {
    const { registry: pools, calls } = registry({ default: ok });
    const guard = new App2WxappGuard(pools);
    for (const type of ['rpc', 'ws']) {
      const error = await guard.canActivate(other(type)).catch((e) => e);
      expect(error).toBeInstanceOf(InternalServerErrorException);
      expect(error.message).toMatch(/App2WxappAuthenticator/);
    }
    expect(calls).toEqual([]);
  });

  it('fails closed on a GraphQL context without an HTTP request behind it', async () => {
    const guard = new App2WxappGuard(registry({ default: ok }).registry);
    await expect(guard.canActivate(other('graphql', [{}, { ticket: 't' }, {}, {}]))).rejects.toThrow(InternalServerErrorException);
  });

  it('sets request.user to what the pool answered', async () => {
    const request: Record<string, unknown> = { headers: {} };
    await expect(new App2WxappGuard(registry({ default: ok }).registry).canActivate(http(request))).resolves.toBe(true);
    expect(request.user).toEqual({ id: 'u' });
  });

  it('keeps the reason of a failure and sets Retry-After on a 503 that carries one (Express and Fastify)', async () => {
    const error = new App2WxappUpstreamError('circuit-open', 'paused', { retryAfterSeconds: 7 });
    const guard = new App2WxappGuard(registry({ default: async () => Promise.reject(error) }).registry);
    const headers: Record<string, string> = {};
    const express = { setHeader: (k: string, v: string) => (headers[`express ${k}`] = v) };
    const fastify = { header: (k: string, v: string) => (headers[`fastify ${k}`] = v) };
    await expect(guard.canActivate(http(undefined, express))).rejects.toBe(error);
    await expect(guard.canActivate(http(undefined, fastify))).rejects.toBe(error);
    expect(headers).toEqual({ 'express Retry-After': '7', 'fastify Retry-After': '7' });
  });

  it('forPool(name) is one class per name and logs in against that pool', async () => {
    expect(App2WxappGuard.forPool('genauth')).toBe(App2WxappGuard.forPool('genauth'));
    expect(App2WxappGuard.forPool('genauth')).not.toBe(App2WxappGuard.forPool('other'));
    const { registry: pools, calls } = registry({ default: ok, genauth: ok });
    const Named = App2WxappGuard.forPool('genauth');
    await new Named(pools).canActivate(http());
    expect(calls).toEqual(['genauth']);
  });

  it('forPool(name) of a pool that no module registers is a 500 that names it', async () => {
    const Missing = App2WxappGuard.forPool('nowhere');
    await expect(new Missing(registry({ default: ok }).registry).canActivate(http())).rejects.toThrow(/"nowhere"/);
  });

  it.each([undefined, 'unknown-pool', 42])('a resolver that answers %p gets 401, and no pool is called', async (answer) => {
    const { registry: pools, calls } = registry({ default: ok });
    const Resolved = App2WxappGuard.forPool(() => answer as string | undefined);
    const error = await new Resolved(pools).canActivate(http()).catch((e) => e);
    expect(error.getStatus()).toBe(401);
    expect(error.message).not.toContain('unknown-pool');
    expect(calls).toEqual([]);
  });

  it('a resolver picks the pool per request, and may be async', async () => {
    const { registry: pools, calls } = registry({ cn: ok, intl: ok });
    const Resolved = App2WxappGuard.forPool(async (request) => request.headers['x-pool']);
    const guard = new Resolved(pools);
    await guard.canActivate(http({ headers: { 'x-pool': 'intl' } }));
    await guard.canActivate(http({ headers: { 'x-pool': 'cn' } }));
    expect(calls).toEqual(['intl', 'cn']);
  });

  it('forPool refuses what is neither a name nor a function', () => {
    expect(() => App2WxappGuard.forPool(42 as never)).toThrow(TypeError);
  });
});
