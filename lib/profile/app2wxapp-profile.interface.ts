/** The WeChat user as Authing describes them after a successful ticket exchange. Absent values are `undefined`. */
export interface App2WxappProfile {
  /** Authing's user id (`_id`): the key to store users by. */
  id: string;
  userPoolId: string;
  openid?: string;
  /** Spans every app of one WeChat developer account. */
  unionid?: string;
  username?: string;
  nickname?: string;
  photo?: string;
  /** May be masked by Authing (`176xxxx6754`); present only when the user shared it. */
  phone?: string;
  email?: string;
  /** WeChat's gender: 0 unknown, 1 male, 2 female. */
  gender?: number;
  language?: string;
  city?: string;
  province?: string;
  country?: string;
  /** Authing's own JWT for this user. Never send it to a client you do not trust with it. */
  token?: string;
  tokenExpiredAt?: Date;
  blocked: boolean;
  /** The upstream user, with its `oauth` and `metadata` JSON strings parsed where they are valid. */
  raw: Record<string, unknown>;
}
