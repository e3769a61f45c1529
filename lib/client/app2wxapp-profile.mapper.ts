import type { App2WxappProfile } from './app2wxapp-profile.interface';
import { isRecord } from './upstream-answer.parser';

/** Maps Authing's user object to the typed profile. Never throws on malformed optional fields. */
export function mapProfile(user: Record<string, unknown>, userPoolId: string): App2WxappProfile {
  const oauth = parseJsonObject(user.oauth);
  const metadata = parseJsonValue(user.metadata);
  const raw: Record<string, unknown> = { ...user };
  if (oauth) raw.oauth = oauth;
  if (metadata.ok) raw.metadata = metadata.value;

  const profile: App2WxappProfile = {
    id: user._id as string,
    userPoolId: str(user.userPoolId) ?? str(user.registerInClient) ?? userPoolId,
    openid: str(user.openid) ?? str(oauth?.openid),
    unionid: str(user.unionid) ?? str(oauth?.unionid),
    username: str(user.username),
    nickname: str(user.nickname) ?? str(oauth?.nickName),
    photo: str(user.photo) ?? str(oauth?.avatarUrl),
    phone: str(user.phone) ?? str(oauth?.phone),
    email: str(user.email),
    gender: gender(oauth?.gender ?? user.gender),
    language: str(oauth?.language),
    city: str(oauth?.city),
    province: str(oauth?.province),
    country: str(oauth?.country),
    token: str(user.token),
    tokenExpiredAt: date(user.tokenExpiredAt),
    blocked: isFlagSet(user.blocked),
    raw,
  };
  // Keeps Authing's token and the raw object out of a response body by accident: `res.json(profile)` drops them.
  Object.defineProperty(profile, 'toJSON', { value: profileToJson, enumerable: false });
  return profile;
}

/**
 * Authing sends `blocked` and `isDeleted` as booleans. Fail closed: only `false` or an absent field means "not set";
 * `"true"`, `1`, `"no"`, `null` or `{}` are anomalies and count as set.
 */
export function isFlagSet(value: unknown): boolean {
  return value !== false && value !== undefined;
}

function profileToJson(this: App2WxappProfile) {
  const { token: _token, raw: _raw, ...rest } = this;
  return rest;
}

function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value.length > 0 ? value : undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function gender(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return n === 0 || n === 1 || n === 2 ? n : undefined;
}

function date(value: unknown): Date | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function parseJsonValue(value: unknown): { ok: true; value: unknown } | { ok: false } {
  if (typeof value !== 'string') return { ok: false };
  try {
    return { ok: true, value: JSON.parse(value) };
  } catch {
    return { ok: false };
  }
}

function parseJsonObject(value: unknown): Record<string, unknown> | undefined {
  if (isRecord(value)) return value;
  const parsed = parseJsonValue(value);
  return parsed.ok && isRecord(parsed.value) ? parsed.value : undefined;
}
