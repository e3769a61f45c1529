import { cpSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { exec } from './exec.mjs';
import { checkSnippets, documentationPages } from './snippets.check.mjs';

const NPM_QUIET = ['--no-audit', '--no-fund', '--loglevel=error'];

const SNIPPET_FIXTURES = 'test/smoke/fixtures/snippets';

/**
 * One fixture app, end to end: copy its sources to a fresh temp dir, install the packed tarball (never a link) with
 * the README's install line for the fixture's NestJS major (`install`), check the install, compile the app with the
 * repo's `tsc`, type-check the package's declarations as a consumer (skipLibCheck off) and the documentation's
 * snippets, boot the app and let it log in through the emulator, then run the app's own Jest e2e suite (`e2eConfig`).
 * Resolves `{ ok, results: [{ name, ok, detail }], log }`; never throws.
 */
export async function runFixture({ repo, work, tarball, fixture, nestMajor, moduleSystem, install, e2eConfig }) {
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

  // The README's line, from the directory holding the tarball. No --force or --legacy-peer-deps: the install must
  // satisfy our peer ranges as they are.
  cpSync(tarball, join(dir, basename(tarball)));
  const line = [`./${basename(tarball)}`, ...install];
  if (!(await step(`npm i ${line.join(' ')}`, 'npm', ['install', ...NPM_QUIET, ...line], { timeoutMs: 240_000 }))) return { ok: false, results, log };

  const installed = join(dir, 'node_modules', 'nestjs-app2wxapp');
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const spec = manifest.dependencies?.['nestjs-app2wxapp'] ?? '';
  check('installed from the .tgz, not a link', spec.startsWith('file:') && spec.endsWith('.tgz') && !lstatSync(installed).isSymbolicLink(), spec);
  const copies = nestCopies(join(dir, 'node_modules'));
  check('one copy of each @nestjs/* package in the tree', copies.length > 0 && new Set(copies).size === copies.length, copies);
  const common = JSON.parse(readFileSync(join(dir, 'node_modules', '@nestjs', 'common', 'package.json'), 'utf8'));
  const esmOnly = common.type === 'module';
  check(`@nestjs/common ${common.version} is NestJS ${nestMajor}${esmOnly ? ' (ESM only)' : ''}`, common.version.split('.')[0] === String(nestMajor));
  const version = (name) => JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')).version;
  // NestJS 11's line of @nestjs/axios is 4.x; a 12.x in a NestJS 11 app is ESM-only and breaks its CommonJS Jest.
  const peers = { '@nestjs/passport': String(nestMajor), '@nestjs/axios': nestMajor === 11 ? '4' : String(nestMajor) };
  const found = Object.fromEntries(Object.keys(peers).map((name) => [name, version(name)]));
  check(`the install line brings ${Object.entries(found).map(([n, v]) => `${n} ${v}`).join(', ')}`, Object.entries(peers).every(([n, major]) => found[n].split('.')[0] === major), found);

  if (!(await step(`tsc -p ${fixture} (${moduleSystem} build)`, process.execPath, [tsc, '-p', 'tsconfig.json'], { timeoutMs: 90_000 }))) {
    return { ok: false, results, log, nestVersion: common.version };
  }
  await step(`tsc --noEmit (nodenext, ${moduleSystem}) over the package's .d.ts`, process.execPath, [tsc, '-p', 'tsconfig.typecheck.json'], { timeoutMs: 90_000 });
  await snippetChecks({ repo, dir, tsc, check });

  const app = await exec(process.execPath, ['dist/main.js'], { cwd: dir, env: { SMOKE_MODULE_SYSTEM: moduleSystem }, timeoutMs: 60_000 });
  log.push(`$ node dist/main.js  (${(app.ms / 1000).toFixed(1)} s)`, app.output.trimEnd());
  for (const line of app.output.split('\n')) {
    const match = /^\s+(ok|FAIL) {1,3}(.*)$/.exec(line);
    if (match) results.push({ name: `app: ${match[2]}`, ok: match[1] === 'ok' });
  }
  check('the app exits 0 and reports PASS', app.code === 0 && /^RESULT PASS/m.test(app.output), app.code === 0 ? undefined : lastLines(app.output));

  if (e2eConfig) {
    const jest = await exec('npx', ['jest', '--config', e2eConfig, '--json', '--outputFile=jest-results.json'], { cwd: dir, timeoutMs: 120_000 });
    log.push(`$ npx jest --config ${e2eConfig}  (${(jest.ms / 1000).toFixed(1)} s)`, jest.output.trimEnd());
    const report = readJson(join(dir, 'jest-results.json'));
    for (const suite of report?.testResults ?? []) {
      for (const test of suite.assertionResults) results.push({ name: `jest: ${test.fullName}`, ok: test.status === 'passed', detail: test.failureMessages?.join('\n') });
    }
    check(`npx jest --config ${e2eConfig} passes (${(jest.ms / 1000).toFixed(1)} s)`, jest.code === 0 && report?.numTotalTests > 0, lastLines(jest.output));
  }

  return { ok: results.every((r) => r.ok), results, log, nestVersion: common.version };
}

/** The documentation's marked snippets must compile; the fixture pages prove the check passes and fails. */
async function snippetChecks({ repo, dir, tsc, check }) {
  const pages = [...documentationPages(repo), `${SNIPPET_FIXTURES}/quick-start.md`, `${SNIPPET_FIXTURES}/broken.md`];
  const projects = await checkSnippets({ repo, fixtureDir: dir, pages, tsc });
  for (const { page, project, files, problems } of projects) {
    const name = `snippets: ${page} (${project}: ${files.join(', ')})`;
    if (page.endsWith('/broken.md')) {
      const caught = [/Cannot find name 'AuthController'/, /imports 'not-an-installed-package', which the fixture does not install/];
      check(`${name} fails as it must`, caught.every((pattern) => problems.some((p) => pattern.test(p))), problems);
    } else {
      check(`${name} compiles`, problems.length === 0, problems.join('\n'));
    }
  }
  check('snippets: found the quick start fixture', projects.some((p) => p.page.endsWith('/quick-start.md')), projects);
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
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
