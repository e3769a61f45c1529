/** Logger context of every line this package writes. */
export const APP2WXAPP_LOGGER_CONTEXT = 'App2Wxapp';

/** The pool that `App2WxappModule.forRoot()` registers when it is given no `name`. */
export const DEFAULT_POOL = 'default';

/** The Passport strategy name of the default pool; a named pool's is `app2wxapp:<name>`. */
export const APP2WXAPP_STRATEGY = 'app2wxapp';

export const DEFAULT_HOST = 'https://core.authing.cn';
export const DEFAULT_TIMEOUT_MS = 5000;
/** Authing's default ticket lifetime (user pool setting `ticketExpiresAfter`). */
export const DEFAULT_TICKET_TTL_MS = 120_000;
/** Below the idle timeouts of common load balancers (Aliyun SLB 15 s, AWS ALB 60 s, nginx 75 s, Node 5 s). */
export const DEFAULT_KEEP_ALIVE_IDLE_MS = 4000;
/** An exchange that would start with less time than this left is not sent: it could use up the ticket for a 504. */
export const DEFAULT_MIN_EXCHANGE_BUDGET_MS = 300;

export const TICKET_HEADER = 'x-app2wxapp-ticket';
export const MAX_TICKET_LENGTH = 4096;
export const TICKET_PATTERN = /^[A-Za-z0-9._~+/=-]+$/;

/** Authing's own mini program that performs the WeChat authorisation (AppID wxa0435021fd7a3af2). */
export const AUTHING_MINI_PROGRAM_USERNAME = 'gh_a781a791e29e';
export const AUTHING_MINI_PROGRAM_PATH = '/routes/explore';

/** Upper bound of an upstream answer; a real user object is a few kilobytes. */
export const MAX_UPSTREAM_BODY_BYTES = 1024 * 1024;

/** The v3 flow (`flow: 'app-launch'`): the sign-in connection used for a `wx.login` code plus a phone code. */
export const APP_LAUNCH_CONNECTION = 'wechat_mini_program_code_and_phone';
export const DEFAULT_APP_LAUNCH_SCOPE = 'openid profile phone';
/** A `wx.login` code lives 5 minutes and is single-use. */
export const DEFAULT_CODE_TTL_MS = 300_000;
/** jose's own cooldown between JWKS refetches. */
export const DEFAULT_JWKS_REFRESH_MS = 30_000;
