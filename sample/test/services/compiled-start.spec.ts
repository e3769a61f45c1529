import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repo = process.cwd();

/**
 * What `npm start` runs, in a real Node process: the library built to dist/, the sample compiled to CommonJS and
 * resolving `nestjs-app2wxapp` through the package's `exports`. Started from another directory, so the demo page is
 * found next to the compiled code rather than through the working directory.
 */
describe('the compiled sample (npm start)', () => {
  let workDir: string;
  let child: ChildProcess | undefined;
  let output = '';

  beforeAll(async () => {
    await run('npm', ['run', 'build'], { cwd: repo });
    await run(process.execPath, [resolve(repo, 'node_modules/typescript/bin/tsc'), '-p', 'sample/tsconfig.json'], { cwd: repo });
    workDir = await mkdtemp(join(tmpdir(), 'app2wxapp-start-'));
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('serves the demo, then shuts down cleanly on SIGTERM', async () => {
    const started = spawn(process.execPath, [resolve(repo, 'sample/dist/main.js')], {
      cwd: workDir,
      env: { ...process.env, PORT: '0', DATA_DIR: join(workDir, 'data'), NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = started;
    started.stdout!.on('data', (chunk) => (output += chunk));
    started.stderr!.on('data', (chunk) => (output += chunk));

    const url = await new Promise<string>((resolvePromise, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "Demo ready" line within 60 s:\n${output}`)), 60_000);
      const check = () => {
        const ready = /Demo ready at http:\/\/localhost:(\d+)\//.exec(output);
        if (ready) {
          clearTimeout(timer);
          resolvePromise(`http://127.0.0.1:${ready[1]}`);
        }
      };
      started.stdout!.on('data', check);
      started.once('exit', (code) => reject(new Error(`exited with ${code} before it was ready:\n${output}`)));
    });

    expect(output).toContain('EMULATOR MODE — no real Authing');
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Authorize in the mini program (emulated)');
    const health = await (await fetch(`${url}/health`)).json();
    expect(health).toEqual({ status: 'ok', database: 'up', upstream: 'up', mode: 'emulator' });
    const minted = await fetch(`${url}/dev/emulator/tickets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ nickname: 'Compiled', unionid: 'wx-compiled' }),
    });
    const { ticket } = (await minted.json()) as { ticket: string };
    const login = await fetch(`${url}/auth/app2wxapp/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ticket }),
    });
    expect(login.status).toBe(200);

    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolvePromise) =>
      started.once('exit', (code, signal) => resolvePromise({ code, signal })),
    );
    started.kill('SIGTERM');
    const { code, signal } = await exited;
    // Nest closes the app (server, emulator, database), then re-raises the signal.
    expect(code === 0 || signal === 'SIGTERM').toBe(true);
    expect(output).not.toMatch(/\bERROR\b/);
  }, 90_000);
});
