import type { App2WxappProfile } from './app2wxapp-profile.interface';
import { isFlagSet, isRecord } from '../shared/record.utils';

/**
 * Maps Authing's user object to the typed profile. Never throws on malformed optional fields. Takes `user` over (it
 * is the answer just parsed): it becomes `raw`, with its `oauth` and `metadata` JSON strings parsed in place where
 * they are valid, instead of a copy per login.
 */
export function mapProfile(user: Record<string, unknown>, userPoolId: string): App2WxappProfile {
  const oauth = parseJsonObject(user.oauth);
  if (oauth) user.oauth = oauth;
  if (typeof user.metadata === 'string') {
    const metadata = parseJsonValue(user.metadata);
    if (metadata !== INVALID) user.metadata = metadata;
  }
  return new Profile(user, userPoolId, oauth);
}

/**
 * A class, so that every profile shares one hidden class and `toJSON` lives on the prototype (defining it on each
 * object made V8 copy the object's map per login).
 */
// The fields are App2WxappProfile's, all assigned in the constructor: declaration merging, not a second list.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
interface Profile extends App2WxappProfile {}
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
class Profile {
  constructor(user: Record<string, unknown>, userPoolId: string, oauth: Record<string, unknown> | undefined) {
    this.id = user._id as string;
    // The configured pool, never the answer's: apps key users by it, and an answer must not move a user to another.
    this.userPoolId = userPoolId;
    this.flow = 'ticket';
    this.openid = str(user.openid) ?? str(oauth?.openid);
    this.unionid = str(user.unionid) ?? str(oauth?.unionid);
    this.username = str(user.username);
    this.nickname = str(user.nickname) ?? str(oauth?.nickName);
    this.photo = str(user.photo) ?? str(oauth?.avatarUrl);
    this.phone = str(user.phone) ?? str(oauth?.phone);
    this.email = str(user.email);
    this.gender = gender(oauth?.gender ?? user.gender);
    this.language = str(oauth?.language);
    this.city = str(oauth?.city);
    this.province = str(oauth?.province);
    this.country = str(oauth?.country);
    this.token = str(user.token);
    this.tokenExpiredAt = date(user.tokenExpiredAt);
    this.blocked = isFlagSet(user.blocked);
    this.raw = user;
  }

  /** Keeps Authing's token and the raw object out of a response body by accident: `res.json(profile)` drops them. */
  toJSON(): Omit<App2WxappProfile, 'token' | 'tokens' | 'raw'> {
    // Fields an app added to the profile (validateUser may) are kept too.
    if (Object.keys(this).length !== PROFILE_KEYS) {
      const { token: _token, tokens: _tokens, raw: _raw, ...rest } = this;
      return rest;
    }
    return {
      id: this.id,
      userPoolId: this.userPoolId,
      flow: this.flow,
      openid: this.openid,
      unionid: this.unionid,
      username: this.username,
      nickname: this.nickname,
      photo: this.photo,
      phone: this.phone,
      email: this.email,
      gender: this.gender,
      language: this.language,
      city: this.city,
      province: this.province,
      country: this.country,
      tokenExpiredAt: this.tokenExpiredAt,
      blocked: this.blocked,
    };
  }
}

const PROFILE_KEYS = Object.keys(new Profile({ _id: 'x' }, 'x', undefined)).length;

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

const INVALID = Symbol('invalid JSON');

function parseJsonValue(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return INVALID;
  }
}

function parseJsonObject(value: unknown): Record<string, unknown> | undefined {
  if (isRecord(value)) return value;
  if (typeof value !== 'string') return undefined;
  const parsed = parseJsonValue(value);
  return isRecord(parsed) ? parsed : undefined;
}
