/** One row of `users`, as the API returns it. */
export interface StoredUser {
  id: string;
  authingId: string;
  unionid: string | null;
  openid: string | null;
  nickname: string | null;
  avatar: string | null;
  phone: string | null;
  loginCount: number;
  createdAt: Date;
  lastLoginAt: Date;
}
