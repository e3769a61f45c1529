import { cpSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from './exec.mjs';

const NPM_QUIET = ['--no-audit', '--no-fund', '--loglevel=error'];

/**
 * One fixture app, end to end: copy its sources to a fresh temp dir, `npm install` the packed tarball (never a
 * link) with the fixture's NestJS major, check the install, compile the app with the repo's `tsc`, type-check the
 * package's declarations as a consumer (skipLibCheck off), then boot the app and let it log in through the emulator.
 * Resolves `{ ok, results: [{ name, ok, detail }], log }`; never throws.
 */
export async function runFixture({ repo, work, tarball, fixture, nestMajor, moduleSystem }) {
  const dir = join(work, fixture);
  const results = [];
  const log = [];
  const check = (name, ok, detail) => {
    results.push({ name, ok: Boolean(ok), detail });
    return Boolean(ok);
  };
  const step = async (name, command, args, options = {}) => {
    const run = await exec(command, args, { cwd: dir, ...options });
    log.push(`$ ${[command, ...args].join(' ')}  (${(run.ms / 1000).toFixed(1)} s)`, run.output.trimEnd());
    return check(`${name} (${(run.ms / 1000).toFixed(1)} s)`, run.code === 0, run.code === 0 ? undefined : lastLines(run.output));
  };
  const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');

  cpSync(join(repo, 'test/smoke/fixtures/app'), dir, { recursive: true });
  cpSync(join(repo, 'test/smoke/fixtures', fixture), dir, { recursive: true });

  // No --force or --legacy-peer-deps: the install must satisfy our peer ranges as they are.
  if (!(await step('npm install <tarball>', 'npm', ['install', ...NPM_QUIET, tarball], { timeoutMs: 180_000 }))) return { ok: false, results, log };

  const installed = join(dir, 'node_modules', 'nestjs-app2wxapp');
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const spec = manifest.dependencies?.['nestjs-app2wxapp'] ?? '';
  check('installed from the .tgz, not a link', spec.startsWith('file:') && spec.endsWith('.tgz') && !lstatSync(installed).isSymbolicLink(), spec);
  const copies = nestCopies(join(dir, 'node_modules'));
  check('one copy of each @nestjs/* package in the tree', copies.length > 0 && new Set(copies).size === copies.length, copies);
  const common = JSON.parse(readFileSync(join(dir, 'node_modules', '@nestjs', 'common', 'package.json'), 'utf8'));
  const esmOnly = common.type === 'module';
  check(`@nestjs/common ${common.version} is NestJS ${nestMajor}${esmOnly ? ' (ESM only)' : ''}`, common.version.split('.')[0] === String(nestMajor));

  if (!(await step(`tsc -p ${fixture} (${moduleSystem} build)`, process.execPath, [tsc, '-p', 'tsconfig.json'], { timeoutMs: 90_000 }))) {
    return { ok: false, results, log, nestVersion: common.version };
  }
  await step(`tsc --noEmit (nodenext, ${moduleSystem}) over the package's .d.ts`, process.execPath, [tsc, '-p', 'tsconfig.typecheck.json'], { timeoutMs: 90_000 });

  const app = await exec(process.execPath, ['dist/main.js'], { cwd: dir, env: { SMOKE_MODULE_SYSTEM: moduleSystem }, timeoutMs: 60_000 });
  log.push(`$ node dist/main.js  (${(app.ms / 1000).toFixed(1)} s)`, app.output.trimEnd());
  for (const line of app.output.split('\n')) {
    const match = /^\s+(ok|FAIL) {1,3}(.*)$/.exec(line);
    if (match) results.push({ name: `app: ${match[2]}`, ok: match[1] === 'ok' });
  }
  check('the app exits 0 and reports PASS', app.code === 0 && /^RESULT PASS/m.test(app.output), app.code === 0 ? undefined : lastLines(app.output));

  return { ok: results.every((r) => r.ok), results, log, nestVersion: common.version };
}

/** The name of every installed `@nestjs/*` package, once per copy (a nested copy would mean a second instance). */
function nestCopies(nodeModules) {
  return readdirSync(nodeModules, { recursive: true })
    .map((path) => String(path).split('\\').join('/'))
    .filter((path) => /(^|\/node_modules\/)@nestjs\/[^/]+\/package\.json$/.test(path))
    .map((path) => path.replace(/^.*@nestjs\//, '@nestjs/').replace(/\/package\.json$/, ''));
}

function lastLines(text, count = 25) {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}
