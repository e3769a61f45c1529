import type { App2WxappProfile } from 'nestjs-app2wxapp';

/** What the demo page may show of the Authing profile. Never Authing's `token` nor the `raw` upstream user. */
export interface PublicProfile {
  id: string;
  /** `ticket` or `app-launch`: which flow logged the user in. */
  flow: App2WxappProfile['flow'];
  nickname?: string;
  photo?: string;
  phone?: string;
  unionid?: string;
  openid?: string;
  gender?: number;
  language?: string;
  city?: string;
  province?: string;
  country?: string;
}

export function toPublicProfile(profile: App2WxappProfile): PublicProfile {
  const { id, flow, nickname, photo, phone, unionid, openid, gender, language, city, province, country } = profile;
  return { id, flow, nickname, photo, phone, unionid, openid, gender, language, city, province, country };
}
