import { cpSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { exec } from './exec.mjs';
import { checkSnippets, documentationPages, markedBlocks } from './snippets.check.mjs';

const NPM_QUIET = ['--no-audit', '--no-fund', '--loglevel=error'];

const SNIPPET_FIXTURES = 'test/smoke/fixtures/snippets';

/**
 * One fixture app, end to end: copy its sources and the README's quick start and e2e spec to a fresh temp dir, install
 * the packed tarball (never a link) and the rest with the README's install lines for the fixture's NestJS major
 * (`install`, in order), check the install, compile the app with the
 * repo's `tsc`, type-check the package's declarations as a consumer (skipLibCheck off) and the documentation's
 * snippets, boot the app and let it log in through the emulator, then run the app's own Jest e2e suite (`e2eConfig`).
 * Resolves `{ ok, results: [{ name, ok, detail }], log }`; never throws.
 */
export async function runFixture({ repo, work, tarball, fixture, nestMajor, moduleSystem, install, e2eConfig, e2eCommand }) {
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

  // The README's app: its quick start (src/app.module.ts, src/auth.controller.ts) and its e2e spec, as a user pastes
  // them; an ESM app gives relative imports their .js extension, as the README's ESM note says.
  for (const block of markedBlocks(repo, 'README.md').filter((b) => b.project === 'main')) {
    const code = moduleSystem === 'esm' ? block.code.replace(/(from\s+')(\.{1,2}\/[^']+?)(')/g, '$1$2.js$3') : block.code;
    mkdirSync(dirname(join(dir, block.file)), { recursive: true });
    writeFileSync(join(dir, block.file), code);
  }

  // The README's lines (each checked against the docs by the caller), from the directory holding the tarball.
  // No --force or --legacy-peer-deps: each install must satisfy the peer ranges as they are.
  cpSync(tarball, join(dir, basename(tarball)));
  for (const line of install) {
    const args = line
      .split(' ')
      .slice(2)
      .map((arg) => (arg === 'TARBALL' ? `./${basename(tarball)}` : arg));
    if (!(await step(`npm i ${args.join(' ')}`, 'npm', ['install', ...NPM_QUIET, ...args], { timeoutMs: 240_000 })))
      return { ok: false, results, log };
  }

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
  // So is @nestjs/config 12.x: its NestJS 11 line is 4.x. @nestjs/graphql's lines are 13.x (NestJS 11) and 14.x (NestJS 12).
  const peers = {
    '@nestjs/passport': String(nestMajor),
    '@nestjs/axios': nestMajor === 11 ? '4' : String(nestMajor),
    '@nestjs/config': nestMajor === 11 ? '4' : String(nestMajor),
    '@nestjs/testing': String(nestMajor),
    '@nestjs/graphql': String(nestMajor + 2),
  };
  const found = Object.fromEntries(Object.keys(peers).map((name) => [name, version(name)]));
  check(
    `the install lines bring ${Object.entries(found)
      .map(([n, v]) => `${n} ${v}`)
      .join(', ')}`,
    Object.entries(peers).every(([n, major]) => found[n].split('.')[0] === major),
    found,
  );

  if (!(await step(`tsc -p ${fixture} (${moduleSystem} build)`, process.execPath, [tsc, '-p', 'tsconfig.json'], { timeoutMs: 90_000 }))) {
    return { ok: false, results, log, nestVersion: common.version };
  }
  await step(`tsc --noEmit (nodenext, ${moduleSystem}) over the package's .d.ts`, process.execPath, [tsc, '-p', 'tsconfig.typecheck.json'], {
    timeoutMs: 90_000,
  });
  await snippetChecks({ repo, dir, tsc, check });

  const app = await exec(process.execPath, ['dist/main.js'], { cwd: dir, env: { SMOKE_MODULE_SYSTEM: moduleSystem }, timeoutMs: 60_000 });
  log.push(`$ node dist/main.js  (${(app.ms / 1000).toFixed(1)} s)`, app.output.trimEnd());
  for (const line of app.output.split('\n')) {
    const match = /^\s+(ok|FAIL) {1,3}(.*)$/.exec(line);
    if (match) results.push({ name: `app: ${match[2]}`, ok: match[1] === 'ok' });
  }
  check('the app exits 0 and reports PASS', app.code === 0 && /^RESULT PASS/m.test(app.output), app.code === 0 ? undefined : lastLines(app.output));

  if (e2eConfig) {
    // The README's Jest command for this kind of app (`npx jest`, or Node with --experimental-vm-modules for ESM).
    const [command, ...args] = e2eCommand ?? ['npx', 'jest'];
    const jest = await exec(command, [...args, '--config', e2eConfig, '--json', '--outputFile=jest-results.json'], { cwd: dir, timeoutMs: 120_000 });
    log.push(`$ ${[command, ...args].join(' ')} --config ${e2eConfig}  (${(jest.ms / 1000).toFixed(1)} s)`, jest.output.trimEnd());
    const report = readJson(join(dir, 'jest-results.json'));
    for (const suite of report?.testResults ?? []) {
      for (const test of suite.assertionResults)
        results.push({ name: `jest: ${test.fullName}`, ok: test.status === 'passed', detail: test.failureMessages?.join('\n') });
    }
    check(
      `${[command, ...args].join(' ')} --config ${e2eConfig} runs the README's e2e spec and passes (${(jest.ms / 1000).toFixed(1)} s)`,
      jest.code === 0 && report?.numTotalTests > 0,
      lastLines(jest.output),
    );
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
      check(
        `${name} fails as it must`,
        caught.every((pattern) => problems.some((p) => pattern.test(p))),
        problems,
      );
    } else {
      check(`${name} compiles`, problems.length === 0, problems.join('\n'));
    }
  }
  check(
    'snippets: found the quick start fixture',
    projects.some((p) => p.page.endsWith('/quick-start.md')),
    projects,
  );
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
