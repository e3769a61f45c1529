import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Finds the `sample/` directory, which holds `public/index.html` and the default data directory.
 *
 * The compiled app is CommonJS, where `import.meta` does not exist; under Jest the sources run as native ES modules,
 * where `__dirname` does not exist. So: next to the compiled file when `__dirname` exists, else from the working
 * directory (npm scripts and Jest both run at the repository root), else the working directory itself.
 */
export function locateSampleDir(cwd: string = process.cwd()): string {
  const candidates = [
    // sample/dist/config/ (compiled) or sample/src/config/ (sources) -> sample/
    typeof __dirname === 'string' ? resolve(__dirname, '..', '..') : undefined,
    resolve(cwd, 'sample'),
    cwd,
  ];
  for (const dir of candidates) {
    if (dir && existsSync(resolve(dir, 'public', 'index.html'))) return dir;
  }
  throw new Error(
    `Cannot find the sample's public/index.html (looked in ${candidates.filter(Boolean).join(', ')}). ` +
      'Run the sample from the repository root, or set SAMPLE_DIR to the sample directory.',
  );
}
