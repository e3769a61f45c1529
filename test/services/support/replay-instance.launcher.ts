import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { request, type TestResponse } from '../../e2e/support/test-app';

const repo = process.cwd();
/** Printed by replay-instance.ts once it listens. */
const READY_LINE = 'APP2WXAPP_INSTANCE_READY';

/** Compiles lib/ and replay-instance.ts (CommonJS, like the published build) into a temporary directory. */
export async function buildReplayInstance(): Promise<{ script: string; remove(): void }> {
  mkdirSync(join(repo, '.tmp'), { recursive: true });
  // Inside the repository, so that the compiled code resolves this checkout's node_modules.
  const outDir = mkdtempSync(join(repo, '.tmp', 'replay-instance-'));
  await promisify(execFile)(process.execPath, [
    join(repo, 'node_modules/typescript/bin/tsc'),
    '-p',
    join(repo, 'test/services/support/tsconfig.instance.json'),
    '--outDir',
    outDir,
  ]).catch((err: { stdout?: string; message: string }) => {
    throw new Error(`Compiling the replay instance failed: ${err.stdout || err.message}`);
  });
  return {
    script: join(outDir, 'test/services/support/replay-instance.js'),
    remove: () => rmSync(outDir, { recursive: true, force: true }),
  };
}

export interface ReplayInstance {
  url: string;
  pid: number;
  post(path: string, body?: unknown): Promise<TestResponse>;
  /** Everything the instance printed (its log). */
  output(): string;
  stop(): Promise<void>;
}

/** Starts a compiled instance in a child process, configured by `env`, and waits until it listens. */
export async function startReplayInstance(script: string, env: Record<string, string>): Promise<ReplayInstance> {
  const child: ChildProcess = spawn(process.execPath, [script], {
    env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`The replay instance did not start within 30 s:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = new RegExp(`${READY_LINE} (\\S+)`).exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`The replay instance exited (${code}):\n${output}`));
    });
  });
  return {
    url,
    pid: child.pid!,
    post: (path, body) => request(`${url}${path}`, body),
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
