import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../../lib/version';

// The tracer and meter carry the version; a release that bumps package.json must bump lib/version.ts too.
describe('lib/version.ts', () => {
  const pkg = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as { name: string; version: string };

  it("PACKAGE_VERSION is package.json's version", () => {
    expect(PACKAGE_VERSION).toBe(pkg.version);
  });

  it("PACKAGE_NAME is package.json's name", () => {
    expect(PACKAGE_NAME).toBe(pkg.name);
  });
});
