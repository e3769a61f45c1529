// Packaging smoke test (`npm run test:smoke`): build, `npm pack`, check the tarball, then install it into a fresh
// NestJS 11 CommonJS app and a fresh NestJS 12 ESM app with the README's install lines, log in through the emulator,
// type-check the documentation's snippets, and run the NestJS 11 app's own ts-jest e2e suite. Exits non-zero on failure.
// SMOKE_KEEP=1 keeps the temp dir for inspection.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
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

// `install`: what the README tells users of each major to add to an app that has @nestjs/common, core and a platform.
const FIXTURES = [
  {
    label: 'NestJS 11 CommonJS',
    fixture: 'nest11-cjs',
    nestMajor: 11,
    moduleSystem: 'cjs',
    install: ['@nestjs/passport@^11', '@nestjs/axios@^4', 'passport', 'axios'],
    e2eConfig: './test/jest-e2e.json',
  },
  {
    label: 'NestJS 12 ESM',
    fixture: 'nest12-esm',
    nestMajor: 12,
    moduleSystem: 'esm',
    install: ['@nestjs/passport@^12', '@nestjs/axios@^12', 'passport', 'axios'],
  },
];

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
  report(`Tarball ${filename} (${files.length} files)`, packaging);

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
