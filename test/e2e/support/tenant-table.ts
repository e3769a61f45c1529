// The ESM typings, matching the dynamic import() below.
import type { PGlite } from '@electric-sql/pglite' with { 'resolution-mode': 'import' };
import type { App2WxappLoginInfo, App2WxappModuleOptions, App2WxappProfile } from 'nestjs-app2wxapp';

export interface TenantRow {
  userPoolId: string;
  secret: string | null;
  host: string;
  /** More pool options, as a jsonb column (bad ones included, for the tests that need them). */
  extra?: Record<string, unknown>;
}

/**
 * The app's tenants in a real PostgreSQL table (PGlite, in memory), and the tenant source an app would write over it:
 * one query per call. `calls` records every name the module asked for, in order.
 */
export class TenantTable {
  readonly calls: string[] = [];
  /** The app's users, as one `validateUser` for every tenant stores them (by tenant and Authing id). */
  readonly users = new Map<string, { tenant: string; id: string }>();
  private closed = false;

  private constructor(private readonly db: PGlite) {}

  static async open(): Promise<TenantTable> {
    const { PGlite } = await import('@electric-sql/pglite');
    const db = new PGlite();
    await db.waitReady;
    await db.exec(`CREATE TABLE tenants (
      name text PRIMARY KEY,
      user_pool_id text NOT NULL,
      secret text,
      host text NOT NULL,
      extra jsonb NOT NULL DEFAULT '{}'::jsonb
    )`);
    return new TenantTable(db);
  }

  /** One function object for every load, so that a refresh that changes nothing keeps the tenant's pipeline. */
  readonly validateUser = (profile: App2WxappProfile, _request: unknown, { pool }: App2WxappLoginInfo) => {
    const row = { tenant: pool, id: profile.id };
    this.users.set(`${pool}:${profile.id}`, row);
    return row;
  };

  /** The tenant source: `App2WxappModule.forTenants({ resolveTenant: table.resolveTenant })`. */
  readonly resolveTenant = async (name: string): Promise<App2WxappModuleOptions<any> | undefined> => {
    this.calls.push(name);
    const { rows } = await this.db.query<{ user_pool_id: string; secret: string | null; host: string; extra: Record<string, unknown> }>(
      'SELECT user_pool_id, secret, host, extra FROM tenants WHERE name = $1',
      [name],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      userPoolId: row.user_pool_id,
      ...(row.secret === null ? {} : { secret: row.secret }),
      host: row.host,
      validateUser: this.validateUser,
      ...row.extra,
    };
  };

  callsFor(name: string): number {
    return this.calls.filter((n) => n === name).length;
  }

  async upsert(name: string, row: TenantRow): Promise<void> {
    await this.db.query(
      `INSERT INTO tenants (name, user_pool_id, secret, host, extra) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (name) DO UPDATE SET user_pool_id = $2, secret = $3, host = $4, extra = $5`,
      [name, row.userPoolId, row.secret, row.host, JSON.stringify(row.extra ?? {})],
    );
  }

  async setSecret(name: string, secret: string): Promise<void> {
    await this.db.query('UPDATE tenants SET secret = $2 WHERE name = $1', [name, secret]);
  }

  async delete(name: string): Promise<void> {
    await this.db.query('DELETE FROM tenants WHERE name = $1', [name]);
  }

  async clear(): Promise<void> {
    this.calls.length = 0;
    this.users.clear();
    if (!this.closed) await this.db.exec('DELETE FROM tenants');
  }

  /** Closes the database: from then on every query of the tenant source fails, as a database that went down. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.close();
  }
}
