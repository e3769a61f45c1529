import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const LIB = join(process.cwd(), 'lib');

/** Every `.ts` file under lib/, with the part (its top-level folder, or `root`) it belongs to. */
function files(dir = LIB): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const partOf = (path: string) => {
  const [first, second] = relative(LIB, path).split(sep);
  // lib/index.ts is the public API, which may name every part; the other top-level files are shared constants.
  if (second === undefined) return first.replace(/\.ts$/, '') === 'index' ? 'index' : 'root';
  return first;
};

/** part -> the parts it imports (relative imports only), with one example file per edge. */
function importGraph(): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const file of files()) {
    const from = partOf(file);
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
      const to = partOf(join(file, '..', spec));
      if (to === from) continue;
      if (!graph.has(from)) graph.set(from, new Map());
      graph.get(from)!.set(to, relative(LIB, file));
    }
  }
  return graph;
}

describe('the layout of lib/', () => {
  const graph = importGraph();
  const imports = (a: string, b: string) => graph.get(a)?.has(b) ?? false;

  it('no two parts import each other', () => {
    const mutual: string[] = [];
    for (const [a, targets] of graph) {
      for (const b of targets.keys()) if (a < b && imports(b, a)) mutual.push(`${a} (${targets.get(b)}) <-> ${b} (${graph.get(b)!.get(a)})`);
    }
    expect(mutual).toEqual([]);
  });

  it('a login reads in one direction: guard and authenticator (login) → claim (replay) → client → profile', () => {
    const order = ['login', 'replay', 'client', 'profile'];
    const backwards: string[] = [];
    order.forEach((later, i) => order.slice(0, i).forEach((earlier) => imports(later, earlier) && backwards.push(`${later} -> ${earlier}`)));
    expect(backwards).toEqual([]);
  });

  it('the shared helpers, the failure model and the profile depend on no part of the pipeline', () => {
    for (const part of ['shared', 'failure', 'profile']) {
      const targets = [...(graph.get(part)?.keys() ?? [])].filter((t) => !['shared', 'failure', 'root'].includes(t));
      expect({ part, targets }).toEqual({ part, targets: [] });
    }
  });
});
