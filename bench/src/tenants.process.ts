import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { HttpService } from '@nestjs/axios';
import { Test } from '@nestjs/testing';
import axios, { type AxiosAdapter } from 'axios';
import { App2WxappAuthenticator, App2WxappModule, App2WxappTenants } from 'nestjs-app2wxapp';
import { failStartup, readConfig, serve } from './ipc/serve';
import { collectGarbage } from './process-stats';
import { median } from './stats';

export interface TenantsConfig {
  /** Logins per round for the throughput comparison. */
  logins: number;
  rounds: number;
  /** Tenants loaded for the memory figure (10 000 in the full run). */
  tenants: number;
  /** Requests that name unknown tenants. */
  unknown: number;
}

export interface TenantsResult {
  config: TenantsConfig;
  /** µs per login (in-process: CPU), static pool and tenant, per round of logins interleaved one by one. */
  staticCpu: number[];
  tenantCpu: number[];
  /** Logins per CPU second through a tenant over a static pool (the median of the rounds' paired ratios): the throughput ratio on a CPU-bound server. */
  throughputRatio: number;
  /** Median wall µs of a tenant's first login beyond its steady-state login and the source's own time. */
  firstLoginAddedMicros: number;
  /** Heap + array buffers per loaded tenant with its pipeline built, after a full GC. */
  bytesPerTenant: number;
  /** CPU µs per login that names an unknown tenant (each a new name: a source call each), and the source calls. */
  unknownCpuMicros: number;
  unknownSourceCalls: number;
}

const USER = JSON.stringify({
  code: 200,
  message: 'ok',
  data: JSON.stringify({ _id: '5f1e0c9bbench0000000000u1', nickname: 'bench', blocked: false, isDeleted: false }),
});

/** Authing replaced by an axios adapter that answers at once: the HTTP layer, and only it, is out of the figures. */
const stub: AxiosAdapter = async (config) => ({
  data: USER,
  status: 200,
  statusText: 'OK',
  headers: { 'content-type': 'application/json' },
  config,
  request: {},
});

function ticket(): string {
  return `eyJhbGciOiJIUzI1NiJ9.${randomBytes(24).toString('base64url')}.${randomBytes(32).toString('base64url')}`;
}

async function main(): Promise<void> {
  const config = readConfig<TenantsConfig>();
  let sourceMicros = 0;
  let sourceCalls = 0;
  const known = (name: string) => /^t\d+$/.test(name);
  const moduleRef = await Test.createTestingModule({
    imports: [
      App2WxappModule.forRoot({ userPoolId: 'bench-static-pool', secret: 'bench-static-secret', host: 'http://127.0.0.1:9' }),
      App2WxappModule.forTenants({
        maxTenants: config.tenants + 10,
        resolveTenant: (name: string) => {
          const t0 = performance.now();
          sourceCalls++;
          const answer = known(name) ? { userPoolId: `bench-pool-${name}`, secret: `secret-${name}`, host: 'http://127.0.0.1:9' } : undefined;
          sourceMicros += (performance.now() - t0) * 1000;
          return answer;
        },
      }),
    ],
  })
    .overrideProvider(HttpService)
    .useValue(new HttpService(axios.create({ adapter: stub }) as never))
    .compile();
  moduleRef.useLogger(false);
  await moduleRef.init();
  const staticPool = moduleRef.get(App2WxappAuthenticator);
  const tenants = moduleRef.get(App2WxappTenants);
  const tenant = tenants.authenticator('t0');

  /**
   * `n` logins through each, interleaved login by login (static, tenant, then tenant, static, ...), each timed on its
   * own: both see the same machine from one microsecond to the next, which blocks of thousands of logins did not
   * (this machine's speed moves by up to 2x within seconds; RESULTS.md, Method). Every login completes in
   * microtasks (Authing is an adapter that answers at once), so its wall time is its CPU time. µs per login of each.
   */
  const interleaved = async (n: number) => {
    const tickets = Array.from({ length: 2 * n }, ticket);
    let staticMs = 0;
    let tenantMs = 0;
    for (let i = 0; i < n; i++) {
      const staticFirst = (i & 1) === 0;
      for (let k = 0; k < 2; k++) {
        const viaStatic = (k === 0) === staticFirst;
        const t0 = performance.now();
        await (viaStatic ? staticPool : tenant).authenticate(tickets[2 * i + k]);
        const ms = performance.now() - t0;
        if (viaStatic) staticMs += ms;
        else tenantMs += ms;
      }
    }
    return { static: (staticMs * 1000) / n, tenant: (tenantMs * 1000) / n };
  };

  serve(
    {},
    {
      run: async (): Promise<TenantsResult> => {
        const staticCpu: number[] = [];
        const tenantCpu: number[] = [];
        await interleaved(config.logins);
        for (let round = 0; round < config.rounds; round++) {
          const times = await interleaved(config.logins);
          staticCpu.push(times.static);
          tenantCpu.push(times.tenant);
        }

        // First logins: the wall time of a new tenant's first login, less its second login's and the source's own time.
        const added: number[] = [];
        for (let i = 1; i <= 200; i++) {
          const auth = tenants.authenticator(`t${i}`);
          const before = sourceMicros;
          const t0 = performance.now();
          await auth.authenticate(ticket());
          const first = (performance.now() - t0) * 1000 - (sourceMicros - before);
          const t1 = performance.now();
          await auth.authenticate(ticket());
          added.push(first - (performance.now() - t1) * 1000);
        }

        // Memory: `tenants` more tenants, each loaded with one login (its pipeline built), then idle.
        await collectGarbage();
        const memory = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
        const before = memory();
        for (let i = 1000; i < 1000 + config.tenants; i++) await tenants.authenticator(`t${i}`).authenticate(ticket());
        await collectGarbage();
        const bytesPerTenant = (memory() - before) / config.tenants;

        // Unknown tenants: each request a new random name.
        const calls = sourceCalls;
        const start = process.cpuUsage();
        for (let i = 0; i < config.unknown; i++) {
          await tenants
            .authenticator(`x${randomBytes(6).toString('hex')}`)
            .authenticate(ticket())
            .catch(() => undefined);
        }
        const used = process.cpuUsage(start);
        return {
          config,
          staticCpu,
          tenantCpu,
          throughputRatio: median(staticCpu.map((s, i) => s / tenantCpu[i])),
          firstLoginAddedMicros: median(added),
          bytesPerTenant,
          unknownCpuMicros: (used.user + used.system) / config.unknown,
          unknownSourceCalls: sourceCalls - calls,
        };
      },
    },
    () => moduleRef.close(),
  );
}

main().catch(failStartup);
