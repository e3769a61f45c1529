/** WeChat OpenSDK `WXLaunchMiniProgramReq.miniProgramType`: release (正式版), test (开发版), preview (体验版). */
export const MINI_PROGRAM_TYPES = ['release', 'test', 'preview'] as const;
export type MiniProgramType = (typeof MINI_PROGRAM_TYPES)[number];

export type DatabaseConfig = { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; url: string };

/** `ticket`: Authing's own mini program returns a ticket. `app-launch`: your own mini program returns WeChat codes. */
export const LOGIN_FLOWS = ['ticket', 'app-launch'] as const;
export type LoginFlow = (typeof LOGIN_FLOWS)[number];

/** How the Authing app authenticates its calls to signin-by-mobile (the console's 换取 token 身份验证方式). */
export const CLIENT_AUTH_METHODS = ['client_secret_post', 'client_secret_basic', 'none'] as const;
export type ClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];

export type UpstreamConfig =
  /** The ticket flow against Authing: without `secret`, the pool exchanges tickets without it (exchangeWithoutSecret). */
  | { mode: 'authing'; flow: 'ticket'; userPoolId: string; secret?: string; host: string }
  | {
      mode: 'authing';
      flow: 'app-launch';
      userPoolId: string;
      appId: string;
      /** Absent exactly when `clientAuth` is `none`. */
      appSecret?: string;
      appHost: string;
      connection: string;
      clientAuth: ClientAuthMethod;
    }
  | { mode: 'emulator'; flow: LoginFlow };

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
  launch: {
    getPhone: boolean;
    miniProgramType: MiniProgramType;
    /** app-launch flow: the original id (`gh_…`) of your own mini program, for `WXLaunchMiniProgramReq.userName`. */
    originalId?: string;
  };
  loginRateLimitPerMinute: number;
  /** Directory holding the demo page (`index.html`). */
  publicDir: string;
}
