import { spawn } from 'node:child_process';

/**
 * Runs a command. Resolves `{ code, stdout, output, ms }` (`output` interleaves stdout and stderr). A command that
 * outlives `timeoutMs` has its whole process group killed (npm and node children included) and resolves code null.
 */
export function exec(command, args, { cwd, env, timeoutMs = 120_000 } = {}) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      output += chunk;
    });
    child.stderr.on('data', (chunk) => (output += chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, output: `${output}\n${error.message}`, ms: Date.now() - started });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const note = timedOut ? `\n[killed after ${timeoutMs} ms]` : '';
      resolve({ code: timedOut ? null : code, stdout, output: output + note, ms: Date.now() - started });
    });
  });
}

/** Like `exec`, but throws with the command's output when it fails. */
export async function execOrThrow(command, args, options) {
  const result = await exec(command, args, options);
  if (result.code !== 0) {
    throw new Error(`\`${command} ${args.join(' ')}\` failed (exit ${result.code}):\n${result.output.trim()}`);
  }
  return result;
}
