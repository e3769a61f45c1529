import type { TestResponse } from '../../e2e/support/test-app';

export interface Presentation {
  ticket: string;
  /** Whether the ticket had been answered 200 before (a replay). */
  replay: boolean;
  startedAt: number;
  elapsedMs: number;
  status: number;
  retryAfter: string | null;
  message: unknown;
}

export interface StreamOptions {
  issue(): string;
  present(ticket: string): Promise<TestResponse>;
  workers: number;
  /** Keeps going while this answers true; stops in any case after `maxMs` or `maxPerWorker` logins per worker. */
  more(log: readonly Presentation[]): boolean;
  maxMs: number;
  maxPerWorker: number;
}

/**
 * A steady stream of logins: each worker presents a fresh ticket, and presents every ticket that got 200 once more
 * at once (a replay). Resolves everything presented, in the order the answers arrived.
 */
export async function runLoginStream(options: StreamOptions): Promise<Presentation[]> {
  const log: Presentation[] = [];
  const stopAt = Date.now() + options.maxMs;
  const present = async (ticket: string, replay: boolean) => {
    const startedAt = Date.now();
    const res = await options.present(ticket);
    const entry = {
      ticket,
      replay,
      startedAt,
      elapsedMs: Date.now() - startedAt,
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      message: res.body?.message,
    };
    log.push(entry);
    return entry;
  };
  const worker = async () => {
    for (let i = 0; i < options.maxPerWorker && Date.now() < stopAt && options.more(log); i++) {
      const ticket = options.issue();
      if ((await present(ticket, false)).status === 200) await present(ticket, true);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  await Promise.all(Array.from({ length: options.workers }, worker));
  return log;
}
