import { Agent, request } from 'node:http';
import type { LoadResult } from './load';
import { percentile } from './stats';

export interface PacedSpec {
  url: string;
  path: string;
  /** Most connections opened; requests wait for a free one, and that wait counts in their latency. */
  connections: number;
  /** Requests per second, sent evenly (one schedule slot every 1000 / rate ms). */
  rate: number;
  amount: number;
  take: () => string;
  /** The JSON body for what `take` returned. Default `{"ticket": ...}`. */
  body?: (ticket: string) => string;
}

/**
 * An open-loop load at an even rate. autocannon's rate limit sends each connection's quota in a burst at the start
 * of every second, so its latencies at a "fixed rate" are queueing figures; this sends on a schedule and measures
 * each request from its scheduled time, so a slow answer cannot hide the requests queued behind it.
 */
export function paced(spec: PacedSpec): Promise<LoadResult> {
  const { hostname, port } = new URL(spec.url);
  const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });
  const latencies = new Float64Array(spec.amount);
  const failures: Record<string, number> = {};
  let answered = 0;
  let errors = 0;
  let bytes = 0;
  let sent = 0;
  let lastAnswerAt = 0;
  const interval = 1000 / spec.rate;
  const makeBody = spec.body ?? ((ticket: string) => `{"ticket":"${ticket}"}`);
  const started = performance.now();

  return new Promise((resolve) => {
    const finish = () => {
      agent.destroy();
      const sorted = latencies.subarray(0, answered).sort();
      const seconds = (lastAnswerAt - started) / 1000;
      resolve({
        requests: answered,
        ok: answered - Object.values(failures).reduce((a, b) => a + b, 0),
        failures,
        errors,
        seconds,
        rps: answered / seconds,
        p50: percentile(sorted, 0.5),
        p99: percentile(sorted, 0.99),
        max: sorted[sorted.length - 1] ?? Number.NaN,
        bytesPerAnswer: bytes / Math.max(1, answered),
      });
    };
    const settle = () => {
      if (answered + errors === spec.amount) finish();
    };
    const fire = (scheduledAt: number) => {
      const body = makeBody(spec.take());
      const req = request(
        {
          agent,
          hostname,
          port,
          path: spec.path,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let size = 0;
          res.on('data', (chunk: Buffer) => (size += chunk.length));
          res.on('end', () => {
            lastAnswerAt = performance.now();
            latencies[answered++] = lastAnswerAt - scheduledAt;
            bytes += size;
            const status = res.statusCode ?? 0;
            if (status < 200 || status >= 300) failures[status] = (failures[status] ?? 0) + 1;
            settle();
          });
        },
      );
      req.on('error', () => {
        errors++;
        settle();
      });
      req.end(body);
    };
    const tick = () => {
      const due = Math.min(spec.amount, Math.floor((performance.now() - started) / interval) + 1);
      while (sent < due) fire(started + sent++ * interval);
      if (sent < spec.amount) setTimeout(tick, 1);
    };
    tick();
  });
}
