// The lockfile works on every platform, not only on the machine that made it. Packages that ship per-platform
// binaries as optional dependencies (Jest 30 brings @parcel/watcher and @unrs/resolver-binding) must have an entry,
// with its integrity, for every platform they list: a lockfile that holds only this machine's makes `npm ci` fail on a
// fresh clone elsewhere ("Missing: ... from lock file"). `node test/smoke/lockfile.check.mjs [--install]`: with
// --install it also runs `npm ci --os=darwin --cpu=arm64` and `--os=win32 --cpu=x64` on a copy of package.json and the
// lockfile, which fetches those platforms' binaries and checks them against the lockfile's integrity. Exits 1 on a
// problem.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
const packages = lock.packages ?? {};
const problems = [];

/** Where Node would find `dep` from the package at `path` (its own node_modules, then each parent's). */
function locate(path, dep) {
  let at = path;
  for (;;) {
    const candidate = `${at ? `${at}/` : ''}node_modules/${dep}`;
    if (packages[candidate]) return candidate;
    if (!at) return undefined;
    const cut = at.lastIndexOf('/node_modules/');
    at = cut === -1 ? '' : at.slice(0, cut);
  }
}

let binaries = 0;
for (const [path, entry] of Object.entries(packages)) {
  if (!path) continue;
  if ((entry.os || entry.cpu) && !entry.integrity) problems.push(`${path} (${entry.os}/${entry.cpu}) has no integrity`);
  for (const dep of Object.keys(entry.optionalDependencies ?? {})) {
    const found = locate(path, dep);
    if (!found) problems.push(`${path}: its optional dependency ${dep} has no entry in package-lock.json`);
    else if (packages[found].os || packages[found].cpu) binaries++;
  }
}
if (!problems.length) console.log(`lockfile: ${binaries} per-platform optional binaries, each with an entry and its integrity`);

if (process.argv.includes('--install')) {
  for (const [os, cpu] of [
    ['darwin', 'arm64'],
    ['win32', 'x64'],
  ]) {
    const dir = mkdtempSync(join(tmpdir(), `lockfile-${os}-`));
    try {
      copyFileSync(join(root, 'package.json'), join(dir, 'package.json'));
      copyFileSync(join(root, 'package-lock.json'), join(dir, 'package-lock.json'));
      const run = spawnSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund', `--os=${os}`, `--cpu=${cpu}`, '--loglevel=error'], {
        cwd: dir,
        encoding: 'utf8',
      });
      const installed = run.status === 0 ? readdirSync(join(dir, 'node_modules', '@parcel')).filter((n) => n.includes(os)) : [];
      if (run.status !== 0) problems.push(`npm ci --os=${os} --cpu=${cpu} failed:\n${run.stderr.trim().split('\n').slice(-5).join('\n')}`);
      else if (installed.length === 0) problems.push(`npm ci --os=${os} --cpu=${cpu} installed no ${os} binary of @parcel/watcher`);
      else console.log(`lockfile: npm ci --os=${os} --cpu=${cpu} installs (${installed.join(', ')})`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

if (problems.length) {
  console.error(`lockfile: ${problems.length} problem(s):\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
