import { isRecord } from '../shared/record.utils';
import type { App2WxappOidcTokens, App2WxappProfile } from './app2wxapp-profile.interface';

/** The one `status` of a v3 user that may log in. */
export const ACTIVATED = 'Activated';

/** What an app-launch login knows of the user: the v3 `UserDto` (get-profile), the verified id_token's claims, or both. */
export interface AppLaunchUserSource {
  /** get-profile's `data`, already read: `userId` of the id shape. */
  user?: Record<string, unknown>;
  /** The verified id_token's payload: `sub` of the id shape. */
  claims?: Record<string, unknown>;
}

/**
 * Maps an app-launch login to the same profile as the ticket flow's, field for field where they mean the same:
 * `id` is Authing's user id (`userId`, else `sub`); `userPoolId` the configured pool; openid and unionid come from the
 * user's WeChat identities (`identities[]` with `provider: 'wechat'`, read by `type` and `userIdInIdp`); `blocked` is
 * `status` other than exactly `Activated` (no status at all is blocked when a user object was read).
 */
export function mapAppLaunchProfile(
  source: AppLaunchUserSource,
  userPoolId: string,
  tokens: App2WxappOidcTokens,
  now = Date.now(),
): App2WxappProfile {
  return new AppLaunchProfile(source, userPoolId, tokens, now);
}

// The fields are App2WxappProfile's, all assigned in the constructor: declaration merging, not a second list.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
interface AppLaunchProfile extends App2WxappProfile {}
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
class AppLaunchProfile {
  constructor(source: AppLaunchUserSource, userPoolId: string, tokens: App2WxappOidcTokens, now: number) {
    const user = source.user;
    const claims = source.claims ?? {};
    const wechat = wechatIdentities(user?.identities);
    this.id = (str(user?.userId) ?? str(claims.sub))!;
    this.userPoolId = userPoolId;
    this.flow = 'app-launch';
    this.openid = wechat.openid;
    this.unionid = wechat.unionid;
    this.username = str(user?.username) ?? str(claims.preferred_username);
    this.nickname = str(user?.nickname) ?? str(user?.name) ?? str(claims.nickname) ?? str(claims.name);
    this.photo = str(user?.photo) ?? str(claims.picture);
    this.phone = str(user?.phone) ?? str(claims.phone_number);
    this.email = str(user?.email) ?? str(claims.email);
    this.gender = gender(user ? user.gender : claims.gender);
    this.language = str(user?.locale) ?? str(claims.locale);
    this.city = str(user?.city);
    this.province = str(user?.province);
    this.country = str(user?.country);
    this.token = tokens.idToken;
    this.tokenExpiredAt = tokens.expiresIn !== undefined ? new Date(now + tokens.expiresIn * 1000) : undefined;
    this.blocked = user !== undefined && user.status !== ACTIVATED;
    this.tokens = tokens;
    this.raw = user ?? claims;
  }

  /** Keeps the tokens and the raw object out of a response body by accident: `res.json(profile)` drops them. */
  toJSON(): Omit<App2WxappProfile, 'token' | 'tokens' | 'raw'> {
    const { token: _token, tokens: _tokens, raw: _raw, ...rest } = this;
    return rest;
  }
}

/**
 * The WeChat openid and unionid among the user's identities. A unionid is one per WeChat developer account; an
 * openid is one per WeChat app, so a user with several WeChat identities (the mobile app's, the mini program's) has
 * several: when they differ, which one this login used is unknown, and `openid` is left undefined (they are in `raw`).
 */
function wechatIdentities(identities: unknown): { openid?: string; unionid?: string } {
  if (!Array.isArray(identities)) return {};
  const found: Record<'openid' | 'unionid', Set<string>> = { openid: new Set(), unionid: new Set() };
  for (const identity of identities) {
    if (!isRecord(identity) || identity.provider !== 'wechat') continue;
    const value = str(identity.userIdInIdp);
    if (value && (identity.type === 'openid' || identity.type === 'unionid')) found[identity.type].add(value);
  }
  const one = (values: Set<string>) => (values.size === 1 ? values.values().next().value : undefined);
  return { openid: one(found.openid), unionid: one(found.unionid) };
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** v3's `M|F|U` (and OIDC's `male|female`) as WeChat's numbers: 1 male, 2 female, 0 unknown. */
function gender(value: unknown): number | undefined {
  switch (value) {
    case 'M':
    case 'male':
      return 1;
    case 'F':
    case 'female':
      return 2;
    case 'U':
    case 'unknown':
      return 0;
    default:
      return undefined;
  }
}
