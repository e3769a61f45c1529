// The `app2wxapp-emulator` bin as a user gets it: declared in package.json, shipped executable with its shebang, and
// runnable from the unpacked tarball with nothing installed (it needs Node's built-ins only). It starts, mints a
// ticket through the control API, exchanges it, refuses bad arguments with exit code 2, and stops on SIGTERM with 0.
// `node test/smoke/emulator-bin.check.mjs <unpacked package dir>` runs it alone. Returns `[{ name, ok, detail }]`.
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SECRET = 'smoke-bin-secret-6a0f';

export async function checkEmulatorBin(root) {
  const results = [];
  const check = (name, ok, detail) => results.push({ name, ok: Boolean(ok), detail });
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const target = pkg.bin?.['app2wxapp-emulator'];
  check('package.json declares the app2wxapp-emulator bin', typeof target === 'string', pkg.bin);
  if (typeof target !== 'string') return results;
  const bin = join(root, target);
  let mode;
  try {
    mode = statSync(bin).mode;
  } catch {
    check(`${target} is in the tarball`, false);
    return results;
  }
  check(
    `${target} is executable and starts with a node shebang`,
    (mode & 0o111) !== 0 && readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n'),
    mode.toString(8),
  );

  const refused = await run(bin, ['--pool', `no-colon-${SECRET}`], { untilExit: true });
  check(
    'bad arguments: exit code 2, a clear message, never the secret',
    refused.code === 2 && /--pool #1 must be <userPoolId>:<secret>/.test(refused.stderr) && !refused.stderr.includes(SECRET),
    refused,
  );

  const child = await run(bin, ['--user-pool-id', 'smoke-bin-pool', '--secret', SECRET, '--port', '0'], {
    // The whole banner, down to its last line: each line is its own write, and a pipe may hand them over apart.
    untilOutput: /listening on (http:\/\/127\.0\.0\.1:\d+)[\s\S]*Control page: /,
  });
  const url = child.match?.[1];
  check(
    'starts, says it is an EMULATOR, prints its URL and the env lines, not the secret',
    url &&
      /EMULATOR: this is NOT Authing/.test(child.stdout) &&
      child.stdout.includes(`export AUTHING_HOST=${url}`) &&
      !child.stdout.includes(SECRET),
    child.stdout,
  );
  if (url) {
    try {
      const minted = await fetch(`${url}/__emulator/tickets`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"nickname":"Smoke"}',
      }).then((r) => r.json());
      const answer = await fetch(`${url}/oauth/app2wxapp/auth/smoke-bin-pool`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ secret: SECRET, ticket: minted.ticket }),
      }).then((r) => r.json());
      check(
        'a ticket from the control API exchanges for the person',
        answer.code === 200 && JSON.parse(answer.data).nickname === 'Smoke',
        answer.code,
      );
    } catch (error) {
      check('a ticket from the control API exchanges for the person', false, String(error));
    }
  }
  const exit = child.process ? await stop(child.process) : null;
  check('stops on SIGTERM with exit code 0', exit === 0, exit);
  return results;
}

/** Spawns `node bin args`; resolves on exit (`untilExit`) or once stdout matches `untilOutput` (10 s at most). */
function run(bin, args, { untilExit = false, untilOutput } = {}) {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const state = { stdout: '', stderr: '', code: undefined, process: child, match: undefined };
    const done = () => {
      clearTimeout(timer);
      resolvePromise(state);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      done();
    }, 10_000);
    child.stdout.on('data', (chunk) => {
      state.stdout += chunk;
      const match = untilOutput?.exec(state.stdout);
      if (match && !state.match) {
        state.match = match;
        done();
      }
    });
    child.stderr.on('data', (chunk) => (state.stderr += chunk));
    child.on('exit', (code) => {
      state.code = code;
      if (untilExit || !state.match) done();
    });
  });
}

function stop(child) {
  return new Promise((resolvePromise) => {
    if (child.exitCode !== null) return resolvePromise(child.exitCode);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolvePromise('still running 5 s after SIGTERM');
    }, 5_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolvePromise(code);
    });
    child.kill('SIGTERM');
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const results = await checkEmulatorBin(resolve(process.argv[2] ?? '.'));
  for (const r of results) console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name}${r.ok ? '' : `\n     ${JSON.stringify(r.detail)}`}`);
  process.exitCode = results.every((r) => r.ok) ? 0 : 1;
}
