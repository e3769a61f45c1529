type Handler = (payload: any) => unknown;

/** The child's side of `Child`: reads its config, reports ready, answers calls, exits on `close` or when orphaned. */
export function readConfig<T>(): T {
  return JSON.parse(process.argv[2] ?? '{}') as T;
}

export function serve(info: unknown, handlers: Record<string, Handler>, close: () => Promise<void>): void {
  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    await close().catch(() => undefined);
    process.exit(0);
  };
  const answer = async (message: { id: number; type: string; payload?: unknown }) => {
    if (message.type === 'close') return void shutdown();
    const handler = handlers[message.type];
    try {
      if (!handler) throw new Error(`unknown call ${message.type}`);
      const result = await handler(message.payload);
      process.send!({ id: message.id, ok: true, result });
    } catch (err) {
      process.send!({ id: message.id, ok: false, error: (err as Error)?.message ?? String(err) });
    }
  };
  process.on('message', (message: { id: number; type: string; payload?: unknown }) => void answer(message));
  // The runner died or was interrupted: never outlive it.
  process.on('disconnect', () => void shutdown());
  process.send!({ ready: info });
}

/** Reports a startup failure to the runner instead of hanging it. */
export function failStartup(err: unknown): void {
  process.send?.({ failed: (err as Error)?.stack ?? String(err) });
  process.exit(1);
}
