import { createHash, createHmac, randomBytes } from 'node:crypto';

/** A fake WeChat person, as the mini program would know them. Same `unionid`, same Authing user. */
export interface EmulatedWechatUser {
  unionid?: string;
  openid?: string;
  nickname?: string;
  avatarUrl?: string;
  /** Shared with this login only when given (the app launched the mini program with `getPhone=1`). */
  phone?: string | null;
  gender?: 0 | 1 | 2;
  language?: string;
  city?: string;
  province?: string;
  country?: string;
}

export interface EmulatedPerson {
  id: string;
  unionid: string;
  openid: string;
  nickname: string;
  avatarUrl: string;
  gender: 0 | 1 | 2;
  language: string;
  city: string;
  province: string;
  country: string;
  blocked: boolean;
  deleted: boolean;
  loginsCount: number;
  signedUp: string;
}

const FIFTEEN_DAYS_S = 15 * 24 * 3600;

export function base64url(input: Buffer | string): string {
  return Buffer.from(input).toString('base64url');
}

/** An HS256 JWT, the shape of Authing's tickets and tokens. */
export function signJwt(payload: object, key: string | Buffer): string {
  const head = `${base64url('{"alg":"HS256","typ":"JWT"}')}.${base64url(JSON.stringify(payload))}`;
  return `${head}.${createHmac('sha256', key).update(head).digest('base64url')}`;
}

/** A WeChat-style id: `o` and 27 URL-safe characters; derived when a seed is given, so restarts keep it. */
export function wechatId(seed?: string): string {
  const bytes = seed === undefined ? randomBytes(21) : createHash('sha256').update(seed).digest();
  return `o${bytes.toString('base64url').slice(0, 27)}`;
}

/** Where the emulator at `emulatorUrl` serves the avatar of the person with this Authing id. */
export function avatarPath(personId: string): string {
  return `/avatars/${personId}.svg`;
}

export function newPerson(userPoolId: string, user: EmulatedWechatUser, emulatorUrl: string): EmulatedPerson {
  const unionid = user.unionid ?? wechatId();
  // Derived from the pool and unionid, so an app that restarts its emulator sees the same Authing user.
  const id = createHash('sha256').update(`${userPoolId}:${unionid}`).digest('hex').slice(0, 24);
  return {
    id,
    unionid,
    openid: user.openid ?? wechatId(`openid:${unionid}`),
    nickname: user.nickname ?? `微信用户${unionid.slice(-4)}`,
    // Served by the emulator itself, so pages that show it work offline.
    avatarUrl: user.avatarUrl ?? `${emulatorUrl}${avatarPath(id)}`,
    gender: user.gender ?? 0,
    language: user.language ?? 'zh_CN',
    city: user.city ?? 'Shenzhen',
    province: user.province ?? 'Guangdong',
    country: user.country ?? 'China',
    blocked: false,
    deleted: false,
    loginsCount: 0,
    signedUp: new Date().toISOString(),
  };
}

/** The user object Authing answers for a successful exchange (docs/testing.md, "The ticket exchange"). */
export function authingUser(person: EmulatedPerson, userPoolId: string, phone: string | null, tokenKey: string) {
  const now = new Date();
  const iat = Math.floor(now.getTime() / 1000);
  const oauth = {
    nickName: person.nickname,
    gender: person.gender,
    language: person.language,
    city: person.city,
    province: person.province,
    country: person.country,
    avatarUrl: person.avatarUrl,
    phone,
    openid: person.openid,
    unionid: person.unionid,
  };
  return {
    _id: person.id,
    username: person.nickname,
    nickname: person.nickname,
    photo: person.avatarUrl,
    company: '',
    email: null,
    emailVerified: false,
    phone,
    openid: person.openid,
    unionid: person.unionid,
    oauth: JSON.stringify(oauth),
    metadata: '""',
    registerInClient: userPoolId,
    registerMethod: 'oauth:app2wxapp',
    token: signJwt({ data: { id: person.id, unionid: person.unionid, clientId: userPoolId }, iat, exp: iat + FIFTEEN_DAYS_S }, tokenKey),
    tokenExpiredAt: new Date((iat + FIFTEEN_DAYS_S) * 1000).toISOString(),
    lastLogin: now.toISOString(),
    signedUp: person.signedUp,
    lastIP: '127.0.0.1',
    loginsCount: person.loginsCount,
    blocked: person.blocked,
    isDeleted: person.deleted,
  };
}
