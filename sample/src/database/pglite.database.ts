import { mkdir } from 'node:fs/promises';
// The ESM typings, matching the dynamic import() below (a CommonJS build would otherwise pick the .d.cts ones).
import type { PGlite } from '@electric-sql/pglite' with { 'resolution-mode': 'import' };
import type { Database } from './database.interface';

/**
 * Embedded PostgreSQL (WASM) keeping its files in `dataDir`. PGlite has a single connection and queues every
 * `query`/`exec` behind an internal mutex, so concurrent calls are serialised and each statement stays atomic.
 */
export class PgliteDatabase implements Database {
  readonly kind = 'pglite' as const;

  private constructor(private readonly db: PGlite) {}

  static async open(dataDir: string): Promise<PgliteDatabase> {
    await mkdir(dataDir, { recursive: true });
    // Loaded on demand: apps that run on a PostgreSQL server never pay for the WASM module.
    const { PGlite } = await import('@electric-sql/pglite');
    const db = new PGlite(dataDir);
    await db.waitReady;
    return new PgliteDatabase(db);
  }

  async query<TRow extends object>(sql: string, params: readonly unknown[] = []): Promise<TRow[]> {
    const result = await this.db.query<TRow>(sql, params as unknown[]);
    return result.rows;
  }

  async exec(script: string): Promise<void> {
    await this.db.exec(script);
  }

  async close(): Promise<void> {
    if (!this.db.closed) await this.db.close();
  }
}
