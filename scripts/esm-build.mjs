// `node scripts/esm-build.mjs DIR` (run by `npm run build` after `tsc -p tsconfig.build.esm.json`): turns tsc's ES module
// output in DIR (dist/esm) into what Node's ESM loader accepts. lib/ writes relative imports without extensions (the
// CommonJS build needs none); ESM needs the file: './x' becomes './x.js', or './x/index.js' for a folder. Only relative
// specifiers in import/export statements and import() are touched, in .js and .d.ts files, and every rewritten target
// must exist, or the build fails. Then DIR/package.json {"type": "module"} marks the folder as ESM, so the root
// package.json keeps no "type" (the CommonJS build stays the default).
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const dir = resolve(process.argv[2] ?? 'dist/esm');
const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\bexport\s*\*\s*from\s*)(['"])(\.{1,2}\/[^'"]*|\.{1,2})\2/g;
const problems = [];
let rewritten = 0;

for (const name of readdirSync(dir, { recursive: true })) {
  const file = join(dir, String(name));
  if (!/\.(js|d\.ts)$/.test(file) || !statSync(file).isFile()) continue;
  const declaration = file.endsWith('.d.ts');
  const text = readFileSync(file, 'utf8');
  const next = text.replace(SPECIFIER, (whole, lead, quote, specifier) => {
    if (/\.(js|mjs|cjs|json)$/.test(specifier)) return whole;
    const base = resolve(dirname(file), specifier);
    const ext = declaration ? '.d.ts' : '.js';
    let target;
    if (existsSync(base + ext)) target = `${specifier}.js`;
    else if (existsSync(join(base, `index${ext}`))) target = `${specifier.replace(/\/$/, '')}/index.js`;
    else {
      problems.push(`${relative(process.cwd(), file)}: '${specifier}' resolves to no file`);
      return whole;
    }
    rewritten++;
    return `${lead}${quote}${target}${quote}`;
  });
  if (next !== text) writeFileSync(file, next);
}

if (problems.length > 0) {
  console.error(`esm-build: ${problems.length} relative import(s) lead nowhere:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ type: 'module' }, null, 2)}\n`);
console.error(`esm-build: ${relative(process.cwd(), dir)}: ${rewritten} relative imports given their .js file; package.json {"type": "module"} written`);
