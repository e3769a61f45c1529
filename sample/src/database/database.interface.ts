export const DATABASE = Symbol('DATABASE');

/**
 * The little the sample needs from PostgreSQL, so the embedded PGlite and a real server through `pg` are
 * interchangeable. Both speak the same SQL with `$1` parameters.
 */
export interface Database {
  /** Which driver answers, for /health and the boot log. */
  readonly kind: 'pglite' | 'postgres';
  /** One parameterised statement. */
  query<TRow extends object = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<TRow[]>;
  /** A script of several statements without parameters, run as one implicit transaction. */
  exec(script: string): Promise<void>;
  close(): Promise<void>;
}
