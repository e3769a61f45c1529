// `node test/smoke/pack-list.check.mjs`: asks npm what `npm pack` would ship (`--dry-run --json`, which runs the
// `prepack` build first) and fails unless the list is exactly the build (CommonJS and ESM) plus the package's documents (READMEs, CHANGELOG, LICENSE, docs/*.md). Run on a fresh
// clone, right after `npm ci`, it proves that nothing but `prepack` is needed to pack a working package.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REQUIRED = [
  'package.json',
  'README.md',
  'LICENSE',
  'docs/README.md',
  'dist/bin/app2wxapp-emulator.js',
  'dist/index.js',
  'dist/index.d.ts',
  'dist/testing/index.js',
  'dist/testing/index.d.ts',
  'dist/health/index.js',
  'dist/health/index.d.ts',
  'dist/esm/package.json',
  'dist/esm/index.js',
  'dist/esm/index.d.ts',
  'dist/esm/testing/index.js',
  'dist/esm/testing/index.d.ts',
  'dist/esm/health/index.js',
  'dist/esm/health/index.d.ts',
];
const OPTIONAL_DOCUMENTS = ['CHANGELOG.md', 'README.zh-CN.md'];
const NOT_SHIPPED = /(^|\/)(test|tests|__tests__|spec)\/|\.(spec|test|e2e-spec)\.|\.map$|\.tsbuildinfo$/;

const repo = resolve(fileURLToPath(import.meta.url), '../../..');
// The prepack build logs to stderr; stdout is npm's JSON alone.
const stdout = execFileSync('npm', ['pack', '--dry-run', '--json', '--loglevel=error'], {
  cwd: repo,
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
});
const [{ filename, files: entries }] = JSON.parse(stdout);
const files = entries.map((entry) => entry.path).sort();

const problems = [];
for (const path of REQUIRED) if (!files.includes(path)) problems.push(`missing ${path}`);
for (const path of files) {
  const allowed = path.startsWith('dist/')
    ? (/\.(js|d\.ts)$/.test(path) && !NOT_SHIPPED.test(path)) || path === 'dist/esm/package.json'
    : ['package.json', 'README.md', 'LICENSE', ...OPTIONAL_DOCUMENTS].includes(path) || /^docs\/[^/]+\.md$/.test(path);
  if (!allowed) problems.push(`unexpected ${path}`);
  if (path.endsWith('.js') && !files.includes(path.replace(/\.js$/, '.d.ts'))) problems.push(`${path} has no .d.ts`);
}

if (problems.length > 0) {
  console.error(`pack-list: FAIL, ${filename} would ship the wrong files:\n  ${problems.join('\n  ')}\nfiles:\n  ${files.join('\n  ')}`);
  process.exitCode = 1;
} else {
  console.log(
    `pack-list: ok, ${filename} ships ${files.length} files: dist/ (CommonJS) and dist/esm/ (ES modules), .js + .d.ts, ${files.filter((f) => !f.startsWith('dist/')).join(', ')}`,
  );
}
