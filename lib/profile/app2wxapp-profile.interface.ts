/** How a pool logs users in: the legacy ticket exchange (the default), or the v3 sign-in with the WeChat codes. */
export type App2WxappFlow = 'ticket' | 'app-launch';

/** The OIDC tokens of an app-launch login (v3 sign-in). Kept out of the profile's JSON. */
export interface App2WxappOidcTokens {
  accessToken: string;
  idToken: string;
  /** Present when the scope asked for `offline_access`. */
  refreshToken?: string;
  /** Seconds, as Authing gave them (`expire_in`, or `expires_in`). */
  expiresIn?: number;
}

/** The WeChat user as Authing describes them after a successful login. Absent values are `undefined`. */
export interface App2WxappProfile {
  /** Authing's user id (`_id` of the ticket flow, `userId` / id_token `sub` of the app-launch flow): the key to store users by. */
  id: string;
  /** The configured `userPoolId` of the pool that logged the user in, never the answer's: with `id`, what apps key users by. */
  userPoolId: string;
  /** Which flow produced this profile. */
  flow: App2WxappFlow;
  openid?: string;
  /** Spans every app of one WeChat developer account. */
  unionid?: string;
  username?: string;
  nickname?: string;
  photo?: string;
  /** May be masked by Authing (`176xxxx6754`); present only when the user shared it. */
  phone?: string;
  email?: string;
  /** WeChat's gender: 0 unknown, 1 male, 2 female (v3's `U`, `M`, `F`). */
  gender?: number;
  language?: string;
  city?: string;
  province?: string;
  country?: string;
  /**
   * Authing's own JWT for this user (the ticket flow's `token`; the app-launch flow's id_token). Never send it to a
   * client you do not trust with it. Kept out of the profile's JSON.
   */
  token?: string;
  tokenExpiredAt?: Date;
  /**
   * Fail-closed: the ticket flow's `blocked` flag (anything but `false` or absent is set); the app-launch flow's
   * `status` other than exactly `Activated` (an app-launch profile read from the id_token alone has no status: false).
   */
  blocked: boolean;
  /** The app-launch flow's OIDC tokens. Kept out of the profile's JSON. */
  tokens?: App2WxappOidcTokens;
  /**
   * The upstream user: the ticket flow's user object (its `oauth` and `metadata` JSON strings parsed where valid), the
   * app-launch flow's v3 `UserDto`, or the verified id_token's claims when the profile was not fetched. Kept out of JSON.
   */
  raw: Record<string, unknown>;
}
