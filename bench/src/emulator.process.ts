import { App2WxappEmulator } from 'nestjs-app2wxapp/testing';
import { failStartup, readConfig, serve } from './ipc/serve';
import { processStats } from './process-stats';
import { APP } from './upstream';

export interface EmulatorConfig {
  userPoolId: string;
  secret: string;
  /** Tickets are issued just before each run, so a short lifetime keeps the emulator's ticket map small. */
  ticketTtlMs: number;
  latencyMs: number;
  /** Distinct WeChat users the tickets are spread over: the emulator keeps one record per person. */
  persons: number;
}

/** What the mini program hands the app (the emulator's `extMsg`, as separate fields). */
export interface CodePair {
  code: string;
  phoneInfoCode: string;
}

export interface EmulatorInfo {
  url: string;
}

async function main(): Promise<void> {
  const config = readConfig<EmulatorConfig>();
  const emulator = await App2WxappEmulator.start({
    userPoolId: config.userPoolId,
    secret: config.secret,
    ticketTtlMs: config.ticketTtlMs,
    latencyMs: config.latencyMs,
    maxRecordedRequests: 0,
    // Longer than any pause between runs: no run starts on a connection the emulator is just closing (ECONNRESET).
    keepAliveTimeoutMs: 120_000,
    // The app-launch flow (v3) on the same port: one app, client_secret_post, RS256 id_tokens signed by the emulator.
    apps: [{ appId: APP.appId, appSecret: APP.appSecret, connection: APP.connection, clientAuth: 'client_secret_post', idTokenAlg: 'RS256' }],
  });
  const unionids = Array.from({ length: config.persons }, (_, i) => `oBench${i.toString(36).padStart(22, '0')}`);
  let next = 0;

  serve(
    { url: emulator.url } satisfies EmulatorInfo,
    {
      issue: ({ count }: { count: number }) => {
        const tickets = new Array<string>(count);
        for (let i = 0; i < count; i++) tickets[i] = emulator.issueTicket({ unionid: unionids[next++ % unionids.length] });
        return tickets;
      },
      /** Code pairs (a wx.login code and a getPhoneNumber code, single use, 5 min) for the app-launch app. */
      issueCodes: ({ count }: { count: number }) => {
        const pairs = new Array<CodePair>(count);
        for (let i = 0; i < count; i++) {
          const { code, phoneInfoCode } = emulator.issueCodes({ unionid: unionids[next++ % unionids.length] }, { appId: APP.appId });
          pairs[i] = { code, phoneInfoCode };
        }
        return pairs;
      },
      latency: ({ ms }: { ms: number }) => emulator.setLatency(ms),
      stats: () => ({ ...processStats(), requests: emulator.requestCount }),
    },
    () => emulator.close(),
  );
}

main().catch(failStartup);
