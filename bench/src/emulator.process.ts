import { App2WxappEmulator } from 'nestjs-app2wxapp/testing';
import { failStartup, readConfig, serve } from './ipc/serve';
import { processStats } from './process-stats';

export interface EmulatorConfig {
  userPoolId: string;
  secret: string;
  /** Tickets are issued just before each run, so a short lifetime keeps the emulator's ticket map small. */
  ticketTtlMs: number;
  latencyMs: number;
  /** Distinct WeChat users the tickets are spread over: the emulator keeps one record per person. */
  persons: number;
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
      latency: ({ ms }: { ms: number }) => emulator.setLatency(ms),
      stats: () => ({ ...processStats(), requests: emulator.requestCount }),
    },
    () => emulator.close(),
  );
}

main().catch(failStartup);
