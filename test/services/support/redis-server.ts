import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../support/free-port';

export const REDIS_SERVER_BIN = process.env.TEST_REDIS_SERVER_BIN || 'redis-server';
const BIN = REDIS_SERVER_BIN;

export interface RedisServerOptions {
  /** Extra command-line settings, e.g. `['--cluster-enabled', 'yes']` or `['--replicaof', '127.0.0.1', '6379']`. */
  args?: string[];
  /** Writes this text to `<dir>/redis.conf` and passes it first (Sentinel needs a config file it can rewrite). */
  config?: string;
  /** Run as a Sentinel (`redis-server <conf> --sentinel`); needs `config`. */
  sentinel?: boolean;
}

/**
 * A private redis-server that a test may stop, restart on the same port, or freeze: on 127.0.0.1, a free port, a
 * temporary directory, nothing persisted; stopped by its pid.
 */
export class RedisServer {
  private process?: ChildProcess;
  readonly dir = mkdtempSync(join(tmpdir(), 'app2wxapp-redis-'));

  private constructor(
    readonly port: number,
    private readonly options: RedisServerOptions,
  ) {
    if (options.config !== undefined) writeFileSync(join(this.dir, 'redis.conf'), options.config);
  }

  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), options);
    await server.restart();
    return server;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server (again) on its port. */
  async restart(): Promise<void> {
    if (this.process) throw new Error('redis-server is already running');
    const { args = [], config, sentinel } = this.options;
    const argv = [
      ...(config === undefined ? [] : [join(this.dir, 'redis.conf')]),
      ...(sentinel ? ['--sentinel'] : []),
      ...['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir],
      ...args,
    ];
    const readyLine = sentinel ? '+monitor master' : 'Ready to accept connections';
    const child = spawn(BIN, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const ready = new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes(readyLine)) resolve();
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          err.code === 'ENOENT'
            ? new Error(
                `${BIN} not found: install it (apt-get install -y redis-server, or source .ci/redis.sh && start_redis) or set TEST_REDIS_SERVER_BIN`,
              )
            : err,
        ),
      );
      child.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before it was ready:\n${output}`)));
    });
    this.process = child;
    try {
      await withDeadline(ready, 20_000, () => `redis-server did not get ready within 20 s:\n${output}`);
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** Stops the server by its pid and waits until it has exited. */
  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGCONT'); // a frozen server cannot handle SIGTERM
    child.kill('SIGTERM');
    await withDeadline(exited, 10_000, () => 'redis-server did not stop').catch(() => child.kill('SIGKILL'));
  }

  /** Kills the server at once (SIGKILL), as a crash would, and waits until it has exited. */
  async kill(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await withDeadline(exited, 10_000, () => 'redis-server did not die');
  }

  /** Freezes the server: connections stay open, nothing is answered. */
  freeze(): void {
    this.process?.kill('SIGSTOP');
  }

  thaw(): void {
    this.process?.kill('SIGCONT');
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function withDeadline<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
