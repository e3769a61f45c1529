// Snippet type-check, run by the smoke test inside each fixture app, where the packed tarball and its peers are
// installed: the documentation's complete files must compile against the built package, as a user would paste them.
//
// Convention (README.md, README.zh-CN.md, docs/**/*.md):
//   ```ts file=src/app.module.ts        a complete file, written at that path and type-checked;
//   ```ts                               a fragment: not checked.
//   The marked blocks of one page form one project, so `./auth.controller` finds `file=src/auth.controller.ts`.
//   A page that shows a second version of a file puts it in another project: ```ts file=src/app.module.ts project=redis
//   Packages a snippet imports must be installed in the fixtures (test/smoke/fixtures/nest*/package.json); the check
//   names any that is not.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { exec } from './exec.mjs';

const TS_LANGS = new Set(['ts', 'typescript', 'tsx']);

/** The pages whose snippets must compile: both READMEs and every page under docs/. */
export function documentationPages(repo) {
  const pages = ['README.md', 'README.zh-CN.md'].filter((page) => existsSync(join(repo, page)));
  const docs = join(repo, 'docs');
  if (existsSync(docs)) {
    for (const path of readdirSync(docs, { recursive: true })) if (String(path).endsWith('.md')) pages.push(join('docs', String(path)));
  }
  return pages.map((page) => page.split('\\').join('/')).sort();
}

/** The marked blocks of one page: `[{ page, line, file, project, code }]` (`line`: the fence's line in the page). */
export function markedBlocks(repo, page) {
  const blocks = [];
  const visit = (node) => {
    if (node.type === 'code' && TS_LANGS.has(node.lang ?? '')) {
      const attributes = Object.fromEntries([...(node.meta ?? '').matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1], m[2]]));
      if (attributes.file)
        blocks.push({ page, line: node.position.start.line, file: attributes.file, project: attributes.project ?? 'main', code: node.value });
    }
    for (const child of node.children ?? []) visit(child);
  };
  visit(fromMarkdown(readFileSync(join(repo, page), 'utf8')));
  return blocks;
}

/**
 * Writes every page's projects under `<fixtureDir>/snippets/` and type-checks them all in one `tsc` run with the
 * Nest CLI's compiler settings. Resolves `[{ page, project, files, problems }]`, where each problem names the page
 * and line (`README.md:61: TS2304: Cannot find name 'AuthController'`).
 */
export async function checkSnippets({ repo, fixtureDir, pages, tsc }) {
  const root = join(fixtureDir, 'snippets');
  const projects = new Map();
  for (const page of pages) {
    for (const block of markedBlocks(repo, page)) {
      const key = `${page}#${block.project}`;
      if (!projects.has(key))
        projects.set(key, { page, project: block.project, dir: join(root, slug(page), block.project), blocks: [], problems: [] });
      projects.get(key).blocks.push(block);
    }
  }

  const byPath = new Map();
  for (const project of projects.values()) {
    for (const block of project.blocks) {
      const path = join(project.dir, block.file);
      if (byPath.has(path)) {
        project.problems.push(`${block.page}:${block.line}: a second file=${block.file} in project "${block.project}" (name another project=)`);
        continue;
      }
      byPath.set(path, { project, block });
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, block.code);
      for (const name of missingPackages(fixtureDir, block.code)) {
        project.problems.push(
          `${block.page}:${block.line}: ${block.file} imports '${name}', which the fixture does not install: add it to test/smoke/fixtures/*/package.json`,
        );
      }
    }
  }
  if (byPath.size === 0) return [];

  // No "type" here: the snippets are a Nest CLI app's CommonJS sources, even inside the ESM fixture.
  writeFileSync(join(root, 'package.json'), '{ "private": true }\n');
  writeFileSync(join(root, 'tsconfig.json'), JSON.stringify({ compilerOptions: NEST_CLI_COMPILER_OPTIONS, include: ['**/*.ts'] }, null, 2));
  const run = await exec(process.execPath, [tsc, '-p', join(root, 'tsconfig.json'), '--pretty', 'false'], { cwd: root, timeoutMs: 120_000 });
  for (const line of run.output.split('\n')) {
    const match = /^(.+?)\((\d+),\d+\): error (TS\d+: .*)$/.exec(line.trim());
    const hit = match && byPath.get(join(root, match[1]));
    if (hit) hit.project.problems.push(`${hit.block.page}:${hit.block.line + Number(match[2])}: ${hit.block.file}: ${match[3]}`);
    else if (match || /error TS/.test(line)) [...projects.values()][0].problems.push(line.trim());
  }
  if (run.code !== 0 && [...projects.values()].every((p) => p.problems.length === 0)) {
    [...projects.values()][0].problems.push(`tsc failed (exit ${run.code}): ${run.output.trim().slice(-2000)}`);
  }
  return [...projects.values()].map(({ page, project, blocks, problems }) => ({ page, project, files: blocks.map((b) => b.file), problems }));
}

// What `nest new` writes, minus emit: a snippet that compiles here compiles in a new app.
const NEST_CLI_COMPILER_OPTIONS = {
  module: 'nodenext',
  moduleResolution: 'nodenext',
  resolvePackageJsonExports: true,
  esModuleInterop: true,
  isolatedModules: true,
  emitDecoratorMetadata: true,
  experimentalDecorators: true,
  allowSyntheticDefaultImports: true,
  target: 'ES2023',
  noEmit: true,
  skipLibCheck: true,
  strictNullChecks: true,
  forceConsistentCasingInFileNames: true,
  noImplicitAny: false,
  strictBindCallApply: false,
  noFallthroughCasesInSwitch: false,
};

function missingPackages(fixtureDir, code) {
  const names = new Set();
  for (const match of code.matchAll(
    /(?:^|\s)(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\s*\(?\s*['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]/g,
  )) {
    const specifier = match[1] ?? match[2] ?? match[3];
    if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0]))
      continue;
    const parts = specifier.split('/');
    names.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]);
  }
  return [...names].filter((name) => !existsSync(join(fixtureDir, 'node_modules', name, 'package.json')));
}

function slug(page) {
  return relative('.', page)
    .replace(/\.md$/, '')
    .replace(/[^\w.-]+/g, '_');
}
