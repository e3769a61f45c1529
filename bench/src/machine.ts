import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { dirname, join } from 'node:path';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGb: number;
  os: string;
  node: string;
  versions: Record<string, string>;
  loadAverage: number[];
}

/** A package's version, read from its package.json beside its entry point (exports maps may hide package.json). */
function version(name: string): string {
  try {
    let dir = dirname(require.resolve(name));
    for (let i = 0; i < 6; i++, dir = dirname(dir)) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === name && pkg.version) return pkg.version;
      } catch {
        // keep walking up
      }
    }
  } catch {
    // not installed
  }
  return 'n/a';
}

export function machine(): Machine {
  const list = cpus();
  return {
    cpu: list[0]?.model ?? 'unknown',
    cores: list.length,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    os: `${type()} ${release()}`,
    node: process.version,
    versions: Object.fromEntries(
      [
        '@nestjs/core',
        '@nestjs/platform-express',
        '@nestjs/platform-fastify',
        '@nestjs/passport',
        '@nestjs/axios',
        'express',
        'fastify',
        'axios',
        'autocannon',
      ].map((name) => [name, version(name)]),
    ),
    loadAverage: loadavg(),
  };
}
