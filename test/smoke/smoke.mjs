// Packaging smoke test (`npm run test:smoke`): build, `npm pack`, check the tarball, then install it into a fresh
// NestJS 11 CommonJS app and a fresh NestJS 12 ESM app with the README's install lines, log in through the emulator,
// prove that each app loads one copy of the package, type-check the documentation's snippets, and run the README's
// e2e spec under Jest in both (Jest's CommonJS mode on NestJS 11, its native ESM mode on NestJS 12). Exits non-zero on failure.
// SMOKE_KEEP=1 keeps the temp dir for inspection.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execOrThrow } from './exec.mjs';
import { runFixture } from './fixture.run.mjs';
import { checkEmulatorBin } from './emulator-bin.check.mjs';
import { checkTarball } from './tarball.check.mjs';

const repo = resolve(fileURLToPath(import.meta.url), '../../..');
const work = mkdtempSync(join(tmpdir(), 'nestjs-app2wxapp-smoke-'));
const started = Date.now();

// `install`: the lines the README and docs/graphql.md give users of each major, run in order in an app that has
// @nestjs/common, core and a platform. TARBALL is the packed .tgz (the README names it by its path). Every line must
// appear verbatim in `documentedIn`, so the docs and this test cannot drift apart.
const FIXTURES = [
  {
    label: 'NestJS 11 CommonJS',
    fixture: 'nest11-cjs',
    nestMajor: 11,
    moduleSystem: 'cjs',
    install: [
      'npm i TARBALL @nestjs/passport@^11 @nestjs/axios@^4 passport axios @nestjs/config@^4',
      'npm i -D @nestjs/testing@^11 supertest @types/supertest',
      'npm i @nestjs/graphql@^13 @nestjs/apollo@^13 @apollo/server@^5 @as-integrations/express5 graphql@^16',
      'npm i @nestjs/graphql@^13 @nestjs/mercurius@^13 mercurius@^16 graphql@^16 @nestjs/platform-fastify@^11',
    ],
    e2eConfig: './test/jest-e2e.json',
  },
  {
    label: 'NestJS 12 ESM',
    fixture: 'nest12-esm',
    nestMajor: 12,
    moduleSystem: 'esm',
    install: [
      'npm i TARBALL @nestjs/passport@^12 @nestjs/axios@^12 passport axios @nestjs/config@^12',
      'npm i -D @nestjs/testing@^12 supertest @types/supertest jest@^30 ts-jest@^29.4 @types/jest',
      'npm i @nestjs/graphql@^14 @nestjs/apollo@^14 @apollo/server@^5 @as-integrations/express5 graphql@^16',
      'npm i @nestjs/graphql@^14 @nestjs/mercurius@^14 mercurius@^16 graphql@^16 @nestjs/platform-fastify@^12',
    ],
    // The README's Jest for a NestJS 12 ESM app: native ESM mode, with the config it shows (test/jest-e2e.json).
    e2eConfig: './test/jest-e2e.json',
    e2eCommand: ['node', '--experimental-vm-modules', 'node_modules/jest/bin/jest.js'],
  },
];
const DOCUMENTED_IN = { 'README.md': [0, 1], 'README.zh-CN.md': [0, 1], 'docs/graphql.md': [2, 3] };

/** Each install line is in the pages that give it; the ESM Jest config the fixture uses is the one the READMEs show. */
function documentation(version) {
  const results = [];
  const tgz = `../nestjs-app2wxapp/nestjs-app2wxapp-${version}.tgz`;
  for (const [page, indexes] of Object.entries(DOCUMENTED_IN)) {
    const text = readFileSync(join(repo, page), 'utf8');
    for (const f of FIXTURES) {
      for (const i of indexes) {
        const line = f.install[i].replace('TARBALL', tgz);
        results.push({ name: `${page} gives the NestJS ${f.nestMajor} line \`${line}\``, ok: text.includes(line) });
      }
    }
  }
  const config = JSON.parse(readFileSync(join(repo, 'test/smoke/fixtures/nest12-esm/test/jest-e2e.json'), 'utf8'));
  for (const page of ['README.md', 'README.zh-CN.md']) {
    const blocks = [...readFileSync(join(repo, page), 'utf8').matchAll(/```json file=test\/jest-e2e\.json[^\n]*\n([\s\S]*?)\n```/g)].map((m) => m[1]);
    const same = blocks.some((block) => JSON.stringify(JSON.parse(block)) === JSON.stringify(config));
    results.push({ name: `${page} shows the NestJS 12 ESM Jest config the fixture runs (test/jest-e2e.json)`, ok: same, detail: blocks });
  }
  return results;
}

function report(title, results) {
  console.log(`\n${title}`);
  for (const r of results) {
    console.log(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.name}`);
    if (!r.ok && r.detail !== undefined) {
      const detail = typeof r.detail === 'string' ? r.detail : JSON.stringify(r.detail, null, 2);
      console.log(detail.replace(/^/gm, '       '));
    }
  }
}

async function main() {
  console.log(`smoke: building and packing ${repo} (work dir ${work})`);
  await execOrThrow('npm', ['run', 'build', '--silent'], { cwd: repo, timeoutMs: 120_000 });
  const packed = await execOrThrow('npm', ['pack', '--json', '--loglevel=error', '--pack-destination', work], { cwd: repo });
  const [{ filename }] = JSON.parse(packed.stdout);
  const tarball = join(work, filename);
  const unpacked = join(work, 'unpacked');
  mkdirSync(unpacked);
  await execOrThrow('tar', ['-xzf', tarball, '-C', unpacked]);

  const { pkg, files, results: packaging } = checkTarball(join(unpacked, 'package'));
  packaging.push(...(await checkEmulatorBin(join(unpacked, 'package'))));
  packaging.push(...documentation(pkg.version));
  report(`Tarball ${filename} (${files.length} files) and the documented install lines`, packaging);

  console.log(`\nsmoke: installing ${filename} into ${FIXTURES.map((f) => f.label).join(' and ')} (in parallel)...`);
  const runs = await Promise.all(FIXTURES.map((f) => runFixture({ ...f, repo, work, tarball })));
  FIXTURES.forEach((f, i) => {
    report(`${f.label} fixture (@nestjs/common ${runs[i].nestVersion ?? '?'})`, runs[i].results);
    if (!runs[i].ok || process.env.SMOKE_VERBOSE === '1') console.log(`\n--- ${f.label} log ---\n${runs[i].log.join('\n')}`);
  });

  const summary = [
    line(`packaging of ${pkg.name}@${pkg.version}`, packaging),
    ...FIXTURES.map((f, i) => line(`${f.label} (@nestjs/common ${runs[i].nestVersion ?? '?'})`, runs[i].results)),
  ];
  console.log(`\nSummary (${((Date.now() - started) / 1000).toFixed(0)} s):\n${summary.map((s) => s.text).join('\n')}`);
  return summary.every((s) => s.ok);
}

function line(title, results) {
  const passed = results.filter((r) => r.ok).length;
  const ok = results.length > 0 && passed === results.length;
  return { ok, text: `  ${ok ? 'PASS' : 'FAIL'} ${title}: ${passed}/${results.length} checks` };
}

main()
  .then((ok) => {
    process.exitCode = ok ? 0 : 1;
  })
  .catch((error) => {
    console.error(`\nsmoke: FAIL\n${error.stack ?? error}`);
    process.exitCode = 1;
  })
  .finally(() => {
    if (process.env.SMOKE_KEEP === '1') console.log(`smoke: kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  });
