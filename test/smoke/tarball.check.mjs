import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';

// npm packs every README* and CHANGELOG* whatever "files" says; the Chinese README and the changelog are meant for users too.
const ALWAYS_PACKED = /^(package\.json|README(\.zh-CN)?(\.md)?|CHANGELOG\.md|LICEN[CS]E(\.md|\.txt)?)$/i;
const SUBPATHS = ['.', './testing', './health'];

/** Every file in the unpacked tarball (`package/`), as POSIX paths relative to it. */
export function listFiles(root, dir = root) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(root, path) : [relative(root, path).split('\\').join('/')];
  });
}

/**
 * Checks the packed package as a consumer receives it: the manifest points at real files, the tarball holds the
 * build and nothing else, and the build only imports what the manifest declares. Returns `[{ name, ok, detail }]`.
 */
export function checkTarball(root) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const files = listFiles(root);
  const has = (target) => typeof target === 'string' && files.includes(target.replace(/^\.\//, ''));
  const results = [];
  const check = (name, ok, detail) => results.push({ name, ok: Boolean(ok), detail });

  const stray = files.filter((f) => !ALWAYS_PACKED.test(f) && !f.startsWith('dist/'));
  check('tarball holds only dist/, package.json, the READMEs, CHANGELOG, LICENSE', stray.length === 0, stray);
  check('tarball has a README', files.some((f) => /^README(\.md)?$/i.test(f)), 'add README.md');
  check('tarball has a LICENSE', files.some((f) => /^LICEN[CS]E(\.md|\.txt)?$/i.test(f)), 'add LICENSE');
  const outsideFiles = files.filter((f) => !ALWAYS_PACKED.test(f) && !(pkg.files ?? []).some((e) => f === e || f.startsWith(`${e.replace(/\/$/, '')}/`)));
  check(`"files" (${JSON.stringify(pkg.files)}) is honoured`, Array.isArray(pkg.files) && outsideFiles.length === 0, outsideFiles);
  const sources = files.filter((f) => /\.(spec|test|e2e-spec)\.[cm]?[jt]s$/.test(f) || (/\.[cm]?ts$/.test(f) && !/\.d\.[cm]?ts$/.test(f)) || /\.(map|tsbuildinfo)$/.test(f));
  check('no tests, TypeScript sources, source maps or build info', sources.length === 0, sources);

  check('package.json has no "type" (one CommonJS build)', pkg.type === undefined, pkg.type);
  check(`main (${pkg.main}) is in the tarball`, has(pkg.main));
  check(`types (${pkg.types}) is in the tarball`, has(pkg.types));
  for (const subpath of SUBPATHS) {
    const target = pkg.exports?.[subpath];
    const conditions = target && typeof target === 'object' ? Object.keys(target) : [];
    check(`exports["${subpath}"] lists "types" first, then "default"`, conditions[0] === 'types' && conditions.includes('default'), target);
    check(`exports["${subpath}"].types (${target?.types}) is in the tarball`, has(target?.types) && target.types.endsWith('.d.ts'));
    check(`exports["${subpath}"].default (${target?.default}) is in the tarball`, has(target?.default) && target.default.endsWith('.js'));
  }
  const dangling = exportTargets(pkg.exports).filter((t) => !has(t));
  check('every exports target exists', dangling.length === 0, dangling);
  // node10 resolution (`"module": "commonjs"` apps) ignores `exports`; typesVersions gives it the subpath types.
  const legacy = exportTargets(pkg.typesVersions);
  for (const sub of ['testing', 'health']) {
    check(`typesVersions maps ./${sub} for node10 resolution, to real files`, legacy.some((t) => t.endsWith(`${sub}/index.d.ts`)) && legacy.every(has), legacy);
  }

  const js = files.filter((f) => f.endsWith('.js'));
  const esm = js.filter((f) => /^\s*(import\s[^(]|export\s)/m.test(readFileSync(join(root, f), 'utf8')));
  check('dist/**/*.js is CommonJS', js.length > 0 && esm.length === 0, esm);

  const declarations = files.filter((f) => f.endsWith('.d.ts'));
  const leaks = declarations.filter((f) => readFileSync(join(root, f), 'utf8').includes('resolution-mode'));
  check('no .d.ts carries a resolution-mode import', leaks.length === 0, leaks);
  const specifiers = [...js, ...declarations].flatMap((f) => bareSpecifiers(readFileSync(join(root, f), 'utf8')).map((s) => ({ file: f, s })));
  const deep = specifiers.filter(({ s }) => /^@nestjs\/[^/]+\//.test(s));
  check('no deep imports into @nestjs/* (the Nest 12 exports map refuses them)', deep.length === 0, deep);
  const declared = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]);
  const undeclared = specifiers.filter(({ s }) => !isBuiltin(s) && !declared.has(packageName(s)));
  check('every imported package is a dependency or peer dependency', undeclared.length === 0, undeclared);
  check(`engines.node is set (${pkg.engines?.node})`, typeof pkg.engines?.node === 'string' && pkg.engines.node.startsWith('>='));

  return { pkg, files, results };
}

function exportTargets(node) {
  if (typeof node === 'string') return [node];
  if (!node || typeof node !== 'object') return [];
  return Object.values(node).flatMap(exportTargets);
}

/** Package specifiers of `require("x")`, `from "x"`, `import("x")` and `/// <reference types="x" />`. */
function bareSpecifiers(text) {
  const found = [];
  const pattern = /(?:require\(|from\s+|import\(|<reference\s+types=)\s*["']([^"']+)["']/g;
  for (const match of text.matchAll(pattern)) {
    if (!match[1].startsWith('.') && !match[1].startsWith('/')) found.push(match[1]);
  }
  return found;
}

function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

// `/// <reference types="node" />` names @types/node, which every TypeScript consumer on Node has.
function isBuiltin(specifier) {
  return specifier === 'node' || specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0]);
}
