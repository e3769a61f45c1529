import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the services suites leave what they measured (JSON, one file per measurement), outside the test output. */
export const MEASUREMENTS_DIR = join(process.cwd(), '.tmp', 'measurements');

const version = (pkg: string) => JSON.parse(readFileSync(join(process.cwd(), 'node_modules', pkg, 'package.json'), 'utf8')).version;

export function recordMeasurement(name: string, figures: Record<string, unknown>): void {
  mkdirSync(MEASUREMENTS_DIR, { recursive: true });
  const context = { measuredAt: new Date().toISOString(), node: process.version, nest: version('@nestjs/core'), ioredis: version('ioredis') };
  writeFileSync(join(MEASUREMENTS_DIR, `${name}.json`), `${JSON.stringify({ ...context, ...figures }, null, 2)}\n`);
}
