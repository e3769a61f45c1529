import { Logger } from '@nestjs/common';
import type { Pool } from 'pg';
import type { Database } from './database.interface';

const POOL_SIZE = 10;
const CONNECT_TIMEOUT_MS = 5000;

/** A PostgreSQL server reached through a `pg` connection pool. */
export class PostgresDatabase implements Database {
  readonly kind = 'postgres' as const;

  private constructor(private readonly pool: Pool) {}

  static async connect(url: string): Promise<PostgresDatabase> {
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({
      connectionString: url,
      max: POOL_SIZE,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    });
    // An idle client that loses its server emits 'error' on the pool; unhandled, that would crash the process.
    pool.on('error', (error) => new Logger('Database').warn(`Idle PostgreSQL connection lost: ${describe(error)}`));
    const database = new PostgresDatabase(pool);
    try {
      await database.query('SELECT 1');
    } catch (error) {
      await pool.end().catch(() => undefined);
      // No `cause`: describe() hides the connection string (and its password) that pg's own message may carry.
      // eslint-disable-next-line preserve-caught-error
      throw new Error(`Cannot connect to the PostgreSQL server of DATABASE_URL: ${describe(error)}`);
    }
    return database;
  }

  async query<TRow extends object>(sql: string, params: readonly unknown[] = []): Promise<TRow[]> {
    const result = await this.pool.query(sql, params as unknown[]);
    return result.rows as TRow[];
  }

  async exec(script: string): Promise<void> {
    // Without parameters, pg uses the simple query protocol, which accepts several statements.
    await this.pool.query(script);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** The driver's message only: a connection error may carry the URL, and with it the password. */
function describe(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  const message = error instanceof Error ? error.message : String(error);
  return `${typeof code === 'string' ? `${code} ` : ''}${message}`.replace(/postgres(ql)?:\/\/\S+/gi, '<url>');
}
