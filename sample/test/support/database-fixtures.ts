import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** One database for a whole suite: every app of the suite (and its restarts) points at it through `env`. */
export interface DatabaseFixture {
  kind: 'pglite' | 'postgres';
  env: Record<string, string>;
  dispose(): Promise<void>;
}

export type MakeDatabase = () => Promise<DatabaseFixture>;

/** Embedded PGlite in a fresh temporary data directory. */
export const pgliteDatabase: MakeDatabase = async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'app2wxapp-sample-'));
  return {
    kind: 'pglite',
    env: { DATA_DIR: dataDir },
    dispose: () => rm(dataDir, { recursive: true, force: true }),
  };
};

/**
 * A fresh database on the real PostgreSQL server of TEST_DATABASE_URL, dropped afterwards, so runs never see each
 * other's rows.
 */
export function postgresDatabase(serverUrl: string): MakeDatabase {
  return async () => {
    const name = `sample_e2e_${randomBytes(6).toString('hex')}`;
    await admin(serverUrl, `CREATE DATABASE ${name}`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    return {
      kind: 'postgres',
      env: { DATABASE_URL: url.toString() },
      dispose: () => admin(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
    };
  };
}

async function admin(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
