import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, posix, relative } from 'node:path';

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

  const stray = files.filter((f) => !ALWAYS_PACKED.test(f) && !f.startsWith('dist/') && !/^docs\/[^/]+\.md$/.test(f));
  check('tarball holds only dist/, docs/*.md, package.json, the READMEs, CHANGELOG, LICENSE', stray.length === 0, stray);
  check(
    'tarball has a README',
    files.some((f) => /^README(\.md)?$/i.test(f)),
    'add README.md',
  );
  check(
    'tarball has a LICENSE',
    files.some((f) => /^LICEN[CS]E(\.md|\.txt)?$/i.test(f)),
    'add LICENSE',
  );
  const outsideFiles = files.filter(
    (f) => !ALWAYS_PACKED.test(f) && !(pkg.files ?? []).some((e) => f === e || f.startsWith(`${e.replace(/\/$/, '')}/`)),
  );
  check(`"files" (${JSON.stringify(pkg.files)}) is honoured`, Array.isArray(pkg.files) && outsideFiles.length === 0, outsideFiles);
  const sources = files.filter(
    (f) => /\.(spec|test|e2e-spec)\.[cm]?[jt]s$/.test(f) || (/\.[cm]?ts$/.test(f) && !/\.d\.[cm]?ts$/.test(f)) || /\.(map|tsbuildinfo)$/.test(f),
  );
  check('no tests, TypeScript sources, source maps or build info', sources.length === 0, sources);

  check('package.json has no "type" (the CommonJS build is the default; dist/esm says "module" itself)', pkg.type === undefined, pkg.type);
  check(`main (${pkg.main}) is in the tarball`, has(pkg.main));
  check(`types (${pkg.types}) is in the tarball`, has(pkg.types));
  // Each subpath: `import` → the ES module build (dist/esm), `require` → the CommonJS build, each with its own types first.
  for (const subpath of SUBPATHS) {
    const target = pkg.exports?.[subpath];
    const conditions = target && typeof target === 'object' ? Object.keys(target) : [];
    check(`exports["${subpath}"] has "import" and "require"`, conditions.includes('import') && conditions.includes('require'), target);
    for (const [condition, folder] of [
      ['import', 'dist/esm/'],
      ['require', 'dist/'],
    ]) {
      const branch = target?.[condition];
      const keys = branch && typeof branch === 'object' ? Object.keys(branch) : [];
      const inFolder = (t) => typeof t === 'string' && t.replace(/^\.\//, '').startsWith(folder) && (folder === 'dist/esm/' || !t.includes('/esm/'));
      check(
        `exports["${subpath}"].${condition} lists "types" first, then "default", both in ${folder} and in the tarball`,
        keys[0] === 'types' &&
          keys.includes('default') &&
          has(branch.types) &&
          branch.types.endsWith('.d.ts') &&
          has(branch.default) &&
          branch.default.endsWith('.js') &&
          inFolder(branch.types) &&
          inFolder(branch.default),
        branch,
      );
    }
  }
  const dangling = exportTargets(pkg.exports).filter((t) => !has(t));
  check('every exports target exists', dangling.length === 0, dangling);
  // node10 resolution (`"module": "commonjs"` apps) ignores `exports`; typesVersions gives it the subpath types.
  const legacy = exportTargets(pkg.typesVersions);
  for (const sub of ['testing', 'health']) {
    check(
      `typesVersions maps ./${sub} for node10 resolution, to real files`,
      legacy.some((t) => t.endsWith(`${sub}/index.d.ts`)) && legacy.every(has),
      legacy,
    );
  }

  const js = files.filter((f) => f.endsWith('.js'));
  const isEsmSyntax = (f) => /^\s*(import\s[^(]|export\s)/m.test(readFileSync(join(root, f), 'utf8'));
  const cjs = js.filter((f) => !f.startsWith('dist/esm/'));
  // The command (dist/bin) is a CommonJS program of its own, not a module apps import: it has no ES module twin.
  const modules = cjs.filter((f) => !f.startsWith('dist/bin/'));
  const esmFiles = js.filter((f) => f.startsWith('dist/esm/'));
  check('dist/**/*.js outside dist/esm is CommonJS', cjs.length > 0 && !cjs.some(isEsmSyntax), cjs.filter(isEsmSyntax));
  const esmType = files.includes('dist/esm/package.json') ? JSON.parse(readFileSync(join(root, 'dist/esm/package.json'), 'utf8')).type : undefined;
  check('dist/esm/package.json says "type": "module"', esmType === 'module', esmType);
  check(
    'dist/esm holds the same modules as the CommonJS build',
    esmFiles.length === modules.length && modules.every((f) => files.includes(f.replace(/^dist\//, 'dist/esm/'))),
    { cjs: modules.length, esm: esmFiles.length },
  );
  // Node's ESM loader needs the file: every relative import in dist/esm (.js and .d.ts) names a file that is shipped.
  const unresolved = files
    .filter((f) => f.startsWith('dist/esm/') && /\.(js|d\.ts)$/.test(f))
    .flatMap((f) => relativeSpecifiers(readFileSync(join(root, f), 'utf8')).map((s) => ({ file: f, s })))
    .filter(
      ({ file, s }) => !/\.js$/.test(s) || !files.includes(posix.join(posix.dirname(file), file.endsWith('.d.ts') ? s.replace(/\.js$/, '.d.ts') : s)),
    );
  check('every relative import in dist/esm names a shipped .js file', unresolved.length === 0, unresolved.slice(0, 10));

  // The packed READMEs and docs/*.md link to one another: every relative link must reach a shipped file.
  const pages = files.filter((f) => /\.md$/i.test(f));
  const broken = pages
    .flatMap((page) => relativeLinks(readFileSync(join(root, page), 'utf8')).map((link) => ({ page, link })))
    .filter(({ page, link }) => {
      const path = posix.normalize(posix.join(posix.dirname(page), decodeURIComponent(link.split('#')[0])));
      return !files.includes(path) && !files.some((f) => f.startsWith(`${path.replace(/\/$/, '')}/`));
    });
  check(`every relative link in the packed ${pages.length} .md pages reaches a shipped file`, pages.length > 0 && broken.length === 0, broken);

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

/** Relative specifiers of `from "./x"`, `import("./x")`, `export * from "./x"`. */
function relativeSpecifiers(text) {
  return [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["'](\.{1,2}\/[^"']*|\.{1,2})["']/g)].map((m) => m[1]);
}

/** Targets of Markdown links and images that are neither absolute URLs nor in-page anchors (code spans and fences skipped). */
export function relativeLinks(markdown) {
  const text = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
  const links = [...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g), ...text.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map(
    (m) => m[1],
  );
  return links.filter((link) => !/^([a-z][a-z0-9+.-]*:|#|\/\/)/i.test(link));
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
