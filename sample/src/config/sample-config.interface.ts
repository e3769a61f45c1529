/** WeChat OpenSDK `WXLaunchMiniProgramReq.miniProgramType`: release (正式版), test (开发版), preview (体验版). */
export const MINI_PROGRAM_TYPES = ['release', 'test', 'preview'] as const;
export type MiniProgramType = (typeof MINI_PROGRAM_TYPES)[number];

export type DatabaseConfig =
  | { kind: 'pglite'; dataDir: string }
  | { kind: 'postgres'; url: string };

export type UpstreamConfig =
  | { mode: 'authing'; userPoolId: string; secret?: string; host: string }
  | { mode: 'emulator' };

export interface SessionConfig {
  /** HS256 key of the app's own access tokens. */
  jwtSecret: string;
  /** True when no JWT_SECRET was given and the embedded, publicly known development key is in use. */
  jwtSecretIsDevDefault: boolean;
  ttlSeconds: number;
}

export interface SampleConfig {
  port: number;
  /** Interface to listen on; undefined means every interface. */
  listenHost?: string;
  /** Express `trust proxy` setting, so that the login rate limit sees the client's IP behind a proxy. */
  trustProxy?: boolean | number | string;
  database: DatabaseConfig;
  upstream: UpstreamConfig;
  session: SessionConfig;
  launch: { getPhone: boolean; miniProgramType: MiniProgramType };
  loginRateLimitPerMinute: number;
  /** Directory holding the demo page (`index.html`). */
  publicDir: string;
}
