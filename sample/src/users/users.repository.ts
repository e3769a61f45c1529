import { Injectable } from '@nestjs/common';
import type { App2WxappProfile } from 'nestjs-app2wxapp';
import type { Database } from '../database/database.interface';
import { InjectDatabase } from '../database/database.providers';
import type { StoredUser } from './stored-user.interface';

interface UserRow {
  id: string;
  authing_id: string;
  unionid: string | null;
  openid: string | null;
  nickname: string | null;
  avatar: string | null;
  phone: string | null;
  login_count: number;
  created_at: Date | string;
  last_login_at: Date | string;
}

/**
 * One statement, so concurrent first logins of one person make one row: the unique constraint decides, and
 * `ON CONFLICT ... DO UPDATE` turns the losers into updates that each bump the count. What Authing omits this time
 * (a phone not shared again, say) keeps its stored value.
 */
const UPSERT_LOGIN = `
INSERT INTO users AS u (authing_id, unionid, openid, nickname, avatar, phone)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (authing_id) DO UPDATE SET
  unionid       = COALESCE(EXCLUDED.unionid, u.unionid),
  openid        = COALESCE(EXCLUDED.openid, u.openid),
  nickname      = COALESCE(EXCLUDED.nickname, u.nickname),
  avatar        = COALESCE(EXCLUDED.avatar, u.avatar),
  phone         = COALESCE(EXCLUDED.phone, u.phone),
  login_count   = u.login_count + 1,
  last_login_at = now()
RETURNING *`;

const FIND_BY_ID = 'SELECT * FROM users WHERE id = $1';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Injectable()
export class UsersRepository {
  constructor(@InjectDatabase() private readonly database: Database) {}

  /** Records one login of the Authing user: creates the row on the first one. */
  async recordLogin(profile: App2WxappProfile): Promise<StoredUser> {
    const [row] = await this.database.query<UserRow>(UPSERT_LOGIN, [
      profile.id,
      profile.unionid ?? null,
      profile.openid ?? null,
      profile.nickname ?? null,
      profile.photo ?? null,
      profile.phone ?? null,
    ]);
    return toStoredUser(row);
  }

  async findById(id: string): Promise<StoredUser | undefined> {
    // A malformed id would be a SQL error on the uuid column, not an absent user.
    if (!UUID.test(id)) return undefined;
    const [row] = await this.database.query<UserRow>(FIND_BY_ID, [id]);
    return row ? toStoredUser(row) : undefined;
  }
}

function toStoredUser(row: UserRow): StoredUser {
  return {
    id: row.id,
    authingId: row.authing_id,
    unionid: row.unionid,
    openid: row.openid,
    nickname: row.nickname,
    avatar: row.avatar,
    phone: row.phone,
    loginCount: Number(row.login_count),
    createdAt: new Date(row.created_at),
    lastLoginAt: new Date(row.last_login_at),
  };
}
