import { HttpService } from '@nestjs/axios';
import { Logger } from '@nestjs/common';
import axios from 'axios';
import type { App2WxappModuleOptions, App2WxappTenantsOptions } from 'nestjs-app2wxapp';
import { App2WxappTelemetry } from '../../lib/telemetry/app2wxapp.telemetry';
import { resolveTenantsOptions } from '../../lib/tenants/app2wxapp-tenants-options.schema';
import { TenantCache, TenantEntry } from '../../lib/tenants/tenant-cache';
import { CapturedLogs } from '../e2e/support/captured-logs';

const ACME: App2WxappModuleOptions<any> = { userPoolId: 'pool-acme', secret: 'acme-secret-1', host: 'http://127.0.0.1:9' };

describe('TenantCache', () => {
  let logs: CapturedLogs;
  let now: number;
  let telemetry: App2WxappTelemetry;
  const caches: TenantCache[] = [];
  const http = new HttpService(axios.create() as never);
  const noStaticPools = { get: () => undefined, all: () => [] };

  const cache = (source: App2WxappTenantsOptions['resolveTenant'], options: Partial<App2WxappTenantsOptions> = {}) => {
    const created = new TenantCache(resolveTenantsOptions({ resolveTenant: source, ...options }), noStaticPools, http, telemetry, () => now);
    caches.push(created);
    return created;
  };

  beforeAll(async () => {
    telemetry = await App2WxappTelemetry.load(() => []);
  });
  beforeEach(() => {
    now = 1000;
    logs = new CapturedLogs();
    Logger.overrideLogger(logs);
  });
  afterEach(() => {
    for (const c of caches.splice(0)) c.close();
    expect(logs.takeProblems()).toEqual([]);
  });

  it('a source that never answers: 503 (tenant-source-error) after sourceTimeoutMs, never a hang; remembered for that name', async () => {
    const calls: string[] = [];
    const tenants = cache((name) => (calls.push(name), new Promise(() => undefined)), { sourceTimeoutMs: 20 });
    await expect(tenants.get('acme')).rejects.toMatchObject({ status: 503, kind: 'tenant-source-error', retryAfterSeconds: 1 });
    await expect(tenants.get('acme')).rejects.toMatchObject({ status: 503 });
    expect(calls).toEqual(['acme']);
    expect(logs.takeProblems()).toEqual([
      {
        level: 'warn',
        context: 'App2Wxapp',
        message: 'The tenant source failed to load tenant acme (no answer within 20 ms); its logins answer 503 until it answers',
      },
    ]);
    expect(tenants.snapshot().sourceDown).toBe(true);
  });

  it('"no such tenant" is remembered for unknownTenantTtlMs, for at most maxUnknownTenants names, oldest forgotten first', async () => {
    const calls: string[] = [];
    const tenants = cache((name) => void calls.push(name), { unknownTenantTtlMs: 100, maxUnknownTenants: 3 });
    for (const name of ['a', 'b', 'c', 'd', 'a', 'd']) await expect(tenants.get(name)).rejects.toMatchObject({ status: 401, kind: 'unknown-pool' });
    // 'a' was pushed out by 'd' (the bound), so it was asked again; 'd' was still remembered.
    expect(calls).toEqual(['a', 'b', 'c', 'd', 'a']);
    expect(tenants.snapshot().unknownRemembered).toBe(3);
    now += 100;
    await expect(tenants.get('d')).rejects.toMatchObject({ status: 401 });
    expect(calls.at(-1)).toBe('d');
  });

  it('a loaded tenant is answered without a promise; a login moves it in the LRU order at most once a second, and eviction follows that order', async () => {
    const calls: string[] = [];
    const tenants = cache((name: string) => (calls.push(name), { ...ACME, userPoolId: `pool-${name}` }), { maxTenants: 2 });
    await tenants.get('a');
    await tenants.get('b');
    expect(tenants.get('a')).toBeInstanceOf(TenantEntry);
    const missing = tenants.get('no such tenant!');
    expect(missing).toBeInstanceOf(Promise);
    await expect(missing).rejects.toMatchObject({ status: 401 });

    // Used again within the second: a keeps its place, so the next tenant evicts it.
    now += 500;
    expect(tenants.get('a')).toBeInstanceOf(TenantEntry);
    await tenants.get('c');
    expect(tenants.snapshot().loaded).toBe(2);
    await tenants.get('a');
    expect(calls).toEqual(['a', 'b', 'c', 'a']);

    // Used again a second later: a moves to the recent end, so the next tenant evicts c, the least recently used.
    now += 1000;
    expect(tenants.get('c')).toBeInstanceOf(TenantEntry);
    now += 1000;
    expect(tenants.get('a')).toBeInstanceOf(TenantEntry);
    await tenants.get('d');
    await tenants.get('a');
    await tenants.get('c');
    expect(calls).toEqual(['a', 'b', 'c', 'a', 'd', 'c']);
  });

  it('a refresh past refreshMs serves the loaded tenant and asks the source in the background; unchanged options keep the pipeline', async () => {
    let calls = 0;
    const tenants = cache(() => (calls++, ACME), { refreshMs: 50 });
    const first = await tenants.get('acme');
    const pipeline = tenants.lease(first);
    pipeline.release();
    now += 50;
    expect(await tenants.get('acme')).toBe(first);
    await new Promise((resolve) => setImmediate(resolve));
    const refreshed = await tenants.get('acme');
    expect(calls).toBe(2);
    expect(refreshed).not.toBe(first);
    expect(refreshed.pipeline).toBe(pipeline);
    expect(pipeline.isClosed).toBe(false);
  });

  it('changed options retire the old pipeline; it closes when its last in-flight login returns its lease', async () => {
    let secret = 'acme-secret-1';
    const tenants = cache(() => ({ ...ACME, secret }), { refreshMs: 10 });
    const old = tenants.lease(await tenants.get('acme'));
    secret = 'acme-secret-2';
    now += 10;
    await tenants.get('acme');
    await new Promise((resolve) => setImmediate(resolve));
    const current = await tenants.get('acme');
    expect(current.options?.flow === 'ticket' && current.options.secret).toBe('acme-secret-2');
    expect(old.isClosed).toBe(false); // a login still runs on it
    old.release();
    expect(old.isClosed).toBe(true);
  });

  it('after a refused secret the source is asked again at most once per secretReloadMs, and concurrent callers share the call', async () => {
    let calls = 0;
    const tenants = cache(() => (calls++, ACME), { secretReloadMs: 1000 });
    const entry = await tenants.get('acme');
    const [a, b] = await Promise.all([
      tenants.reloadAfterWrongSecret('acme', entry.options!),
      tenants.reloadAfterWrongSecret('acme', entry.options!),
    ]);
    expect([a, b, calls]).toEqual([undefined, undefined, 2]);
    expect(await tenants.reloadAfterWrongSecret('acme', entry.options!)).toBeUndefined();
    expect(calls).toBe(2);
    now += 1000;
    await tenants.reloadAfterWrongSecret('acme', entry.options!);
    expect(calls).toBe(3);
  });

  it('an answer that is not an object: 500 naming the tenant, logged at ERROR', async () => {
    const tenants = cache(() => 'pool-acme' as never);
    await expect(tenants.get('acme')).rejects.toMatchObject({
      status: 500,
      kind: 'misconfigured',
      message: 'Login is unavailable: the settings of tenant "acme" are invalid (option "userPoolId"); the operator has been told',
    });
    expect(logs.takeProblems()).toEqual([
      {
        level: 'error',
        context: 'App2Wxapp',
        message: 'Tenant acme cannot log users in: invalid options: options must be an object with at least { userPoolId }',
      },
    ]);
  });

  it('forTenants options are validated at boot, naming the option, never its value', () => {
    expect(() => resolveTenantsOptions({ resolveTenant: 'select * from tenants' as never, maxTenants: 0, refreshMs: -1 })).toThrow(
      'App2WxappModule.forTenants: invalid options: resolveTenant must be a function (name) => options | undefined; refreshMs must not be less than 0; maxTenants must be a positive number',
    );
    expect(() => resolveTenantsOptions({ resolveTenant: () => undefined, cacheMs: 5 } as never)).toThrow('unknown option "cacheMs"');
  });
});
