import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

// Every ```ts block in docs/*.md is a complete file that must compile as written against this package (through the
// tsconfig's path to lib/) and the real ioredis typings.

const root = process.cwd();
const docs = join(root, 'docs');

function snippets(): { name: string; code: string }[] {
  return readdirSync(docs)
    .filter((file) => file.endsWith('.md'))
    .flatMap((file) =>
      [...readFileSync(join(docs, file), 'utf8').matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match, i) => ({ name: `${file}-${i + 1}.ts`, code: match[1] })),
    );
}

describe('TypeScript snippets in docs/', () => {
  it('compile as written', () => {
    const found = snippets();
    expect(found.length).toBeGreaterThanOrEqual(3);
    mkdirSync(join(root, '.tmp'), { recursive: true });
    const dir = mkdtempSync(join(root, '.tmp', 'docs-snippets-'));
    try {
      const files = found.map(({ name, code }) => {
        writeFileSync(join(dir, name), code);
        return join(dir, name);
      });
      const { config } = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile);
      const { options } = ts.parseJsonConfigFileContent(config, ts.sys, root);
      const program = ts.createProgram(files, { ...options, noEmit: true, noUnusedLocals: true });
      const diagnostics = ts.getPreEmitDiagnostics(program);
      const host = { getCanonicalFileName: (f: string) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' };
      expect(ts.formatDiagnostics(diagnostics, host)).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
