import autocannon from 'autocannon';
import { percentile } from './stats';

export interface LoadSpec {
  /** Base URL, `http://127.0.0.1:port`. */
  url: string;
  path: string;
  connections: number;
  /** Requests in this run; one ticket each. */
  amount: number;
  /** The next fresh ticket; called once per request built (autocannon builds one ahead per connection). */
  take: () => string;
  /** Requests per second offered over all connections; default: as fast as answers come (saturation). */
  rate?: number;
  /** Called on every answer, e.g. to checkpoint a long run. */
  onAnswer?: () => void;
  /** The JSON body for a ticket. Default `{"ticket": ...}`. */
  body?: (ticket: string) => string;
  /** Extra request headers (beyond `content-type: application/json`). */
  headers?: Record<string, string>;
}

export interface LoadResult {
  requests: number;
  ok: number;
  /** Answers other than 2xx, by status. */
  failures: Record<string, number>;
  /** Socket errors and timeouts. */
  errors: number;
  seconds: number;
  rps: number;
  /** Milliseconds, over every answer (errors included), measured with sub-millisecond resolution. */
  p50: number;
  p99: number;
  max: number;
  /** Mean size of an answer (headers and body), in bytes. */
  bytesPerAnswer: number;
}

/**
 * Drives `amount` POSTs, each carrying its own ticket, through autocannon. Latencies are taken from autocannon's
 * `response` events (its own histogram has whole-millisecond buckets); throughput is answers divided by the time
 * from the start to the last answer.
 */
export function load(spec: LoadSpec): Promise<LoadResult> {
  const body = spec.body ?? ((ticket: string) => `{"ticket":"${ticket}"}`);
  const latencies = new Float64Array(spec.amount + spec.connections);
  let answered = 0;
  let bytes = 0;
  let lastAnswerAt = 0;
  const started = performance.now();

  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        amount: spec.amount,
        timeout: 30,
        sampleInt: 100,
        ...(spec.rate ? { overallRate: Math.max(1, Math.round(spec.rate)) } : {}),
        requests: [
          {
            method: 'POST',
            path: spec.path,
            headers: { 'content-type': 'application/json', ...spec.headers },
            setupRequest: (request) => ({ ...request, body: body(spec.take()) }),
          },
        ],
      },
      (err, result) => {
        if (err) return reject(err);
        const sorted = latencies.subarray(0, answered).sort();
        const failures: Record<string, number> = {};
        for (const [status, { count }] of Object.entries(result.statusCodeStats)) {
          if (!status.startsWith('2')) failures[status] = count;
        }
        const seconds = (lastAnswerAt - started) / 1000;
        resolve({
          requests: answered,
          ok: answered - result.non2xx,
          failures,
          errors: result.errors + result.timeouts,
          seconds,
          rps: answered / seconds,
          p50: percentile(sorted, 0.5),
          p99: percentile(sorted, 0.99),
          max: sorted[sorted.length - 1] ?? Number.NaN,
          bytesPerAnswer: bytes / answered,
        });
      },
    );
    instance.on('response', (_client: unknown, _status: number, resBytes: number, responseTime: number) => {
      bytes += resBytes;
      if (answered < latencies.length) latencies[answered] = responseTime;
      answered++;
      lastAnswerAt = performance.now();
      spec.onAnswer?.();
    });
  });
}

export function failureCount(result: Pick<LoadResult, 'failures' | 'errors'>): number {
  return Object.values(result.failures).reduce((a, b) => a + b, 0) + result.errors;
}
