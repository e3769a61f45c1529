/**
 * Created at every boot, idempotently. The transaction-scoped advisory lock serialises instances that boot at the
 * same moment against one server: concurrent `CREATE TABLE IF NOT EXISTS` can otherwise fail on the catalog's
 * unique index. A multi-statement script runs as one implicit transaction, which holds the lock to its end.
 */
export const SCHEMA_SCRIPT = `
SELECT pg_advisory_xact_lock(7243911502);
CREATE TABLE IF NOT EXISTS users (
  id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  authing_id    text        NOT NULL,
  unionid       text,
  openid        text,
  nickname      text,
  avatar        text,
  phone         text,
  login_count   integer     NOT NULL DEFAULT 1,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_login_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT users_authing_id_key UNIQUE (authing_id)
);
`;
