import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

/**
 * A forked helper process (the app under test or the emulator) with a request/answer channel over IPC. Keeping them
 * out of the load generator's process means each one's CPU and heap are measured alone.
 */
export class Child<TInfo = unknown> {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly exited: Promise<void>;

  private constructor(
    private readonly proc: ChildProcess,
    readonly name: string,
    readonly info: TInfo,
  ) {
    this.exited = new Promise((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) resolve();
      else proc.once('exit', () => resolve());
    });
    proc.on('message', (message: Reply) => {
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(`${name}: ${message.error}`));
    });
    proc.once('exit', (code, signal) => {
      for (const waiter of this.pending.values()) waiter.reject(new Error(`${name} exited (${code ?? signal})`));
      this.pending.clear();
    });
  }

  /** Forks `dist/<script>.js` with `config` as its argument and waits until it reports ready. */
  static async start<TInfo>(script: string, name: string, config: unknown, execArgv: string[] = []): Promise<Child<TInfo>> {
    const proc = fork(join(__dirname, '..', `${script}.js`), [JSON.stringify(config)], {
      execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    const info = await new Promise<TInfo>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`${name} exited before it was ready (code ${code})`));
      proc.once('exit', onExit);
      proc.once('message', (message: { ready?: TInfo; failed?: string }) => {
        proc.off('exit', onExit);
        if (message.failed !== undefined) reject(new Error(`${name} failed to start: ${message.failed}`));
        else resolve(message.ready as TInfo);
      });
    });
    return new Child<TInfo>(proc, name, info);
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  call<T>(type: string, payload?: unknown): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.proc.send({ id, type, payload });
    });
  }

  /** Asks the child to close its servers and exit; kills it by PID if it has not exited within 10 s. */
  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    if (this.proc.connected) this.proc.send({ id: 0, type: 'close' });
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}
