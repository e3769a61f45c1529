import { createHash, createHmac, generateKeyPairSync, type KeyObject, randomBytes, randomUUID, sign, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { base64url, type EmulatedWechatUser, wechatId } from './emulated-user.factory';
import { avatarPath } from './emulated-user.factory';
import { type EmulatorClock, parseJson, send } from './emulator-http';

/** How the app authenticates at the token endpoints (the console's 换取 token 身份验证方式). */
export type AppClientAuthMethod = 'client_secret_post' | 'client_secret_basic' | 'none';
export const CLIENT_AUTH_METHODS: readonly AppClientAuthMethod[] = ['client_secret_post', 'client_secret_basic', 'none'];

/** The app's id_token signing algorithm (高级配置 → id_token 签名算法). */
export type IdTokenSigningAlg = 'RS256' | 'HS256';
export const ID_TOKEN_ALGS: readonly IdTokenSigningAlg[] = ['RS256', 'HS256'];

/** `UserDto.status` in Authing v3. */
export type AppLaunchUserStatus = 'Activated' | 'Suspended' | 'Deactivated' | 'Resigned' | 'Archived';
export const USER_STATUSES: readonly AppLaunchUserStatus[] = ['Activated', 'Suspended', 'Deactivated', 'Resigned', 'Archived'];

/**
 * What signin answers for a user in place of tokens: 1576 no permission to log in to the app; 1636 MFA; 1639
 * first-login password reset; 1640/1641 federated identity binding (bind only / bind or create); 1642 information
 * completion; 2921 several accounts to choose from.
 */
export type AppLaunchSigninStep = 1576 | 1636 | 1639 | 1640 | 1641 | 1642 | 2921;
export const SIGNIN_STEPS: readonly AppLaunchSigninStep[] = [1576, 1636, 1639, 1640, 1641, 1642, 2921];

export interface EmulatedAppOptions {
  appId: string;
  appSecret: string;
  /** The app-launch connection's unique identifier (`extIdpConnidentifier`). Default `wechat-app-launch`. */
  connection?: string;
  /** Default `none`, the default (and only choice) for mobile apps. */
  clientAuth?: AppClientAuthMethod;
  /** Default `RS256` (a key the emulator generates, served in the JWKS); `HS256` signs with `appSecret`. */
  idTokenAlg?: IdTokenSigningAlg;
  /** `expire_in` of the tokens, in seconds. Default 1209600 (14 days). */
  tokenTtlSeconds?: number;
}

/** What the customer's mini program hands the app: a wx.login code, a getPhoneNumber code, and both as `extMsg`. */
export interface AppLaunchCodes {
  code: string;
  phoneInfoCode: string;
  /** `{"code":"…","phoneInfoCode":"…"}`, the JSON string the mini program returns through `launchApp`. */
  extMsg: string;
  /** The Authing v3 user id (`sub`, `userId`) the codes sign in. */
  userId: string;
  appId: string;
}

interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  jwk: Record<string, unknown>;
}

interface AppRecord {
  appId: string;
  appSecret: string;
  connection: string;
  connectionId: string;
  clientAuth: AppClientAuthMethod;
  idTokenAlg: IdTokenSigningAlg;
  tokenTtlSeconds: number;
  /** Newest last; the newest signs, all are served. */
  keys: SigningKey[];
}

interface AppUser {
  userId: string;
  unionid: string;
  openid: string;
  nickname: string;
  photo: string;
  phone: string;
  gender: 'M' | 'F' | 'U';
  status: AppLaunchUserStatus;
  locked: boolean;
  step: AppLaunchSigninStep | null;
  createdAt: string;
  updatedAt: string;
  lastLogin: string | null;
}

interface CodeRecord {
  appId: string;
  unionid: string;
  expiresAt: number;
  used: boolean;
}

interface PhoneCodeRecord {
  appId: string;
  phone: string;
  expiresAt: number;
  used: boolean;
}

interface TokenRecord {
  appId: string;
  userId: string;
  scope: string[];
  expiresAt: number;
}

/** WeChat codes live five minutes. */
const CODE_TTL_MS = 5 * 60_000;
const SIGNIN_PATH = '/api/v3/signin-by-mobile';
const PROFILE_PATH = '/api/v3/get-profile';
const JWKS_PATH = /^\/(?:([^/]+)\/)?oidc\/\.well-known\/jwks\.json$/;
const CONNECTIONS = [
  'wechat_mini_program_code',
  'wechat_mini_program_phone',
  'wechat_mini_program_code_and_phone',
  'douyin_mini_program_code',
  'douyin_mini_program_code_and_phone',
];
const DEFAULT_SCOPE = 'openid profile';

/** Which v3 route a request is for, for fault targeting; undefined when it is none of them. */
export function appLaunchRoute(pathname: string): 'signin' | 'profile' | 'jwks' | undefined {
  if (pathname === SIGNIN_PATH) return 'signin';
  if (pathname === PROFILE_PATH) return 'profile';
  if (JWKS_PATH.test(pathname)) return 'jwks';
  return undefined;
}

/**
 * The upstream side of Authing's v3 "app launches mini program" login (docs/testing.md, "The v3 app-launch flow"
 * documents every request and answer): apps with their client authentication and id_token signing, single-use WeChat codes,
 * `POST /api/v3/signin-by-mobile`, `GET /api/v3/get-profile`, and the JWKS. Mounted by `App2WxappEmulator`, on its
 * port; reach it as `emulator.appLaunch`.
 */
export class AppLaunchEmulator {
  private readonly apps = new Map<string, AppRecord>();
  private readonly users = new Map<string, AppUser>();
  private readonly usersById = new Map<string, AppUser>();
  private readonly codes = new Map<string, CodeRecord>();
  private readonly phoneCodes = new Map<string, PhoneCodeRecord>();
  private readonly tokens = new Map<string, TokenRecord>();
  private apiCodeFormat: 'number' | 'string' = 'number';

  /** Made by `App2WxappEmulator`, which shares its clock and URL. */
  constructor(
    private readonly clock: EmulatorClock,
    private readonly baseUrl: string,
  ) {}

  /** The id_token `iss` of every app: `${url}/oidc`. */
  get issuer(): string {
    return `${this.baseUrl}/oidc`;
  }

  /** Adds an app; its RS256 key (if any) is generated now. */
  addApp(options: EmulatedAppOptions): void {
    const problem = appOptionsProblem(options);
    if (problem) throw new TypeError(`App2WxappEmulator.addApp: ${problem}`);
    if (this.apps.has(options.appId)) throw new TypeError('App2WxappEmulator.addApp: an app with this appId exists already');
    const idTokenAlg = options.idTokenAlg ?? 'RS256';
    this.apps.set(options.appId, {
      appId: options.appId,
      appSecret: options.appSecret,
      connection: options.connection ?? 'wechat-app-launch',
      connectionId: createHash('sha256').update(`conn:${options.appId}`).digest('hex').slice(0, 24),
      clientAuth: options.clientAuth ?? 'none',
      idTokenAlg,
      tokenTtlSeconds: options.tokenTtlSeconds ?? 1_209_600,
      keys: idTokenAlg === 'RS256' ? [newSigningKey()] : [],
    });
  }

  get appIds(): string[] {
    return [...this.apps.keys()];
  }

  /** The first app added: the default of `issueCodes`. */
  get defaultAppId(): string | undefined {
    return this.apps.keys().next().value;
  }

  hasApp(appId: string): boolean {
    return this.apps.has(appId);
  }

  /**
   * A new RS256 signing key for the app, with a new `kid`: it signs from now on. The old keys stay in the JWKS unless
   * `dropOld` (tokens signed with them then no longer verify). Returns the new `kid`.
   */
  rotateSigningKey(appId: string, { dropOld = false }: { dropOld?: boolean } = {}): string {
    const app = this.app(appId);
    if (app.idTokenAlg !== 'RS256') throw new TypeError('rotateSigningKey: this app signs with HS256 (its app secret), it has no key pair');
    const key = newSigningKey();
    app.keys = dropOld ? [key] : [...app.keys, key];
    return key.kid;
  }

  /** The kid that signs the app's next id_token (RS256), or undefined (HS256). */
  currentKid(appId: string): string | undefined {
    return this.app(appId).keys.at(-1)?.kid;
  }

  /**
   * What the customer's mini program hands the app for this person: a single-use `wx.login` code and a single-use
   * `getPhoneNumber` code, both valid five minutes (emulator time) and for this app only. A new person is created
   * unless `user.unionid` names a known one; `user.phone` (default: one derived from the unionid) is the number the
   * phone code yields.
   */
  issueCodes(user: EmulatedWechatUser = {}, { appId = this.defaultAppId }: { appId?: string } = {}): AppLaunchCodes {
    if (appId === undefined) throw new TypeError('issueCodes: the emulator has no app; start it with `apps` or call addApp()');
    this.app(appId);
    const person = this.user(user);
    const expiresAt = this.clock.now() + CODE_TTL_MS;
    const code = randomBytes(24).toString('base64url');
    const phoneInfoCode = randomBytes(32).toString('hex');
    this.prune();
    this.codes.set(code, { appId, unionid: person.unionid, expiresAt, used: false });
    this.phoneCodes.set(phoneInfoCode, { appId, phone: typeof user.phone === 'string' ? user.phone : person.phone, expiresAt, used: false });
    return { code, phoneInfoCode, extMsg: JSON.stringify({ code, phoneInfoCode }), userId: person.userId, appId };
  }

  /** The v3 user id of a person, creating the person if new. */
  userId(unionid: string): string {
    return this.user({ unionid }).userId;
  }

  hasUserId(userId: string): boolean {
    return this.usersById.has(userId);
  }

  /** `UserDto.status`. Any status but `Activated` refuses signin with apiCode 2120008; tokens issued before keep working and get-profile shows the status. */
  setUserStatus(unionid: string, status: AppLaunchUserStatus): void {
    if (!USER_STATUSES.includes(status)) throw new TypeError(`setUserStatus: status must be one of ${USER_STATUSES.join(', ')}`);
    this.touch(this.user({ unionid })).status = status;
  }

  /** A locked user's signin answers apiCode 2005 (用户已锁定); the status stays `Activated`. */
  lockUser(unionid: string, locked = true): void {
    this.touch(this.user({ unionid })).locked = locked;
  }

  /** Signin answers this apiCode instead of tokens (MFA 1636, binding 1640, …) until called again with `null`. */
  requireSigninStep(unionid: string, step: AppLaunchSigninStep | null): void {
    if (step !== null && !SIGNIN_STEPS.includes(step))
      throw new TypeError(`requireSigninStep: step must be one of ${SIGNIN_STEPS.join(', ')} or null`);
    this.touch(this.user({ unionid })).step = step;
  }

  /** `apiCode` in error bodies as a number (`1636`, the SDK's type) or a string (`"1636"`, Authing's docs example). */
  setApiCodeFormat(format: 'number' | 'string'): void {
    this.apiCodeFormat = format;
  }

  /** Ids and settings of the apps, without their secrets. */
  describeApps(): Array<{ appId: string; connection: string; clientAuth: AppClientAuthMethod; idTokenAlg: IdTokenSigningAlg }> {
    return [...this.apps.values()].map(({ appId, connection, clientAuth, idTokenAlg }) => ({ appId, connection, clientAuth, idTokenAlg }));
  }

  /** @internal Answers a request that `appLaunchRoute` recognised. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL, text: string | undefined): void {
    const route = appLaunchRoute(url.pathname);
    const method = route === 'signin' ? 'POST' : 'GET';
    if (req.method !== method && !(method === 'GET' && req.method === 'HEAD')) {
      return send(res, 405, { statusCode: 405, message: 'Method Not Allowed', requestId: randomUUID(), data: null }, { allow: method });
    }
    if (route === 'signin') return this.signin(req, res, text);
    if (route === 'profile') return this.profile(req, res, url);
    return this.jwks(res, url.pathname);
  }

  private signin(req: IncomingMessage, res: ServerResponse, text: string | undefined): void {
    const requestId = randomUUID();
    const fail = (http: number, statusCode: number, message: string, apiCode?: number) =>
      send(res, http, {
        statusCode,
        message,
        ...(apiCode === undefined ? {} : { apiCode: this.apiCodeFormat === 'string' ? String(apiCode) : apiCode }),
        requestId,
        data: null,
      });
    if (text === undefined) return fail(413, 413, 'Request body too large');
    const parsed = parseJson(text);
    if (!parsed.ok) return fail(400, 400, 'Request body must be JSON');
    const body = parsed.value;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return fail(400, 400, 'Request body must be a JSON object');
    const dto = body as Record<string, any>;

    const appIdHeader = req.headers['x-authing-app-id'];
    if (typeof appIdHeader !== 'string' || appIdHeader === '') return fail(200, 499, '请求头 x-authing-app-id 缺失: 应用不存在', 2011);
    const app = this.apps.get(appIdHeader);
    if (!app) return fail(200, 499, '应用不存在', 2011);

    const clientProblem = this.clientAuthProblem(app, req, dto);
    if (clientProblem) return fail(401, 401, clientProblem);

    const invalid = validateSigninDto(dto);
    if (invalid) return fail(400, 400, invalid);
    if (dto.connection !== 'wechat_mini_program_code_and_phone') {
      return fail(200, 400, `APP 拉起小程序身份源不支持 connection ${dto.connection}: 使用 wechat_mini_program_code_and_phone`);
    }
    if (dto.extIdpConnidentifier !== app.connection)
      return fail(200, 400, '身份源连接不存在: extIdpConnidentifier 与应用关联的 APP 拉起小程序连接不符');
    const scope = (typeof dto.options?.scope === 'string' ? dto.options.scope : DEFAULT_SCOPE).split(/\s+/).filter(Boolean);
    if (!scope.includes('openid')) return fail(200, 400, 'scope 必须包含 openid');

    const now = this.clock.now();
    const payload = dto.wechatMiniProgramCodeAndPhonePayload;
    const code = this.codes.get(payload.wxLoginInfo.code);
    if (!code || code.appId !== app.appId || code.expiresAt <= now) return fail(200, 400, '微信登录 code 无效或已过期 (errcode 40029: invalid code)');
    if (code.used) return fail(200, 400, '微信登录 code 已被使用 (errcode 40163: code been used)');
    // Authing spends the code at WeChat (jscode2session) before anything below can fail.
    code.used = true;
    const phoneCode = this.phoneCodes.get(payload.wxPhoneInfo.code);
    if (!phoneCode || phoneCode.appId !== app.appId || phoneCode.expiresAt <= now || phoneCode.used) {
      return fail(200, 400, '获取微信手机号失败 (errcode 40029: invalid code)');
    }
    phoneCode.used = true;

    const user = this.users.get(code.unionid)!;
    if (user.status !== 'Activated') return fail(200, 403, '用户已停用', 2120008);
    if (user.locked) return fail(200, 403, '用户已锁定', 2005);
    if (user.step !== null) return fail(200, user.step === 1576 ? 403 : 499, STEP_MESSAGES[user.step], user.step);

    user.phone = phoneCode.phone;
    user.lastLogin = new Date(now).toISOString();
    this.touch(user);
    return send(res, 200, { statusCode: 200, message: '登录成功', requestId, data: this.tokensFor(app, user, scope, now) });
  }

  private clientAuthProblem(app: AppRecord, req: IncomingMessage, dto: Record<string, any>): string | undefined {
    if (app.clientAuth === 'client_secret_post') {
      if (dto.client_id === undefined || dto.client_secret === undefined)
        return 'invalid_client: 此应用的换取 token 身份验证方式为 client_secret_post，需要 client_id 与 client_secret';
      if (dto.client_id !== app.appId) return 'invalid_client: client_id 与 x-authing-app-id 不一致';
      if (!sameSecret(dto.client_secret, app.appSecret)) return 'invalid_client: client_secret 错误';
      return undefined;
    }
    if (app.clientAuth === 'client_secret_basic') {
      const header = req.headers.authorization;
      const match = typeof header === 'string' ? /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header.trim()) : null;
      if (!match) return 'invalid_client: 此应用的换取 token 身份验证方式为 client_secret_basic，需要 Authorization: Basic';
      const decoded = Buffer.from(match[1], 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0 || decoded.slice(0, colon) !== app.appId) return 'invalid_client: Basic 凭据中的 client_id 与 x-authing-app-id 不一致';
      if (!sameSecret(decoded.slice(colon + 1), app.appSecret)) return 'invalid_client: client_secret 错误';
    }
    return undefined;
  }

  private tokensFor(app: AppRecord, user: AppUser, scope: string[], now: number) {
    const iat = Math.floor(now / 1000);
    const exp = iat + app.tokenTtlSeconds;
    const accessToken = this.signFor(app, {
      jti: randomUUID(),
      sub: user.userId,
      iat,
      exp,
      iss: this.issuer,
      aud: app.appId,
      scope: scope.join(' '),
    });
    this.tokens.set(accessToken, { appId: app.appId, userId: user.userId, scope, expiresAt: exp * 1000 });
    const claims: Record<string, unknown> = { iss: this.issuer, aud: app.appId, sub: user.userId, iat, exp };
    if (scope.includes('profile'))
      Object.assign(claims, { name: user.nickname, nickname: user.nickname, picture: user.photo, gender: user.gender, updated_at: user.updatedAt });
    if (scope.includes('phone')) Object.assign(claims, { phone_number: user.phone, phone_number_verified: true });
    return {
      scope: scope.join(' '),
      access_token: accessToken,
      id_token: this.signFor(app, claims),
      ...(scope.includes('offline_access') ? { refresh_token: randomBytes(32).toString('base64url') } : {}),
      token_type: 'Bearer',
      expire_in: app.tokenTtlSeconds,
    };
  }

  private signFor(app: AppRecord, claims: object): string {
    if (app.idTokenAlg === 'HS256') {
      const input = `${base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${base64url(JSON.stringify(claims))}`;
      return `${input}.${createHmac('sha256', app.appSecret).update(input).digest('base64url')}`;
    }
    const key = app.keys.at(-1)!;
    const input = `${base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: key.kid }))}.${base64url(JSON.stringify(claims))}`;
    return `${input}.${sign('sha256', Buffer.from(input), key.privateKey).toString('base64url')}`;
  }

  private profile(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const requestId = randomUUID();
    const header = req.headers.authorization;
    const token = typeof header === 'string' ? header.trim().replace(/^Bearer\s+/i, '') : '';
    if (!token) return send(res, 401, { statusCode: 401, message: '尚未登录，无权限访问此请求', apiCode: this.code(2020), requestId, data: null });
    const record = this.tokens.get(token);
    if (!record) return send(res, 401, { statusCode: 401, message: 'access_token 无效', requestId, data: null });
    if (record.expiresAt <= this.clock.now()) return send(res, 401, { statusCode: 401, message: 'access_token 已过期', requestId, data: null });
    const user = this.usersById.get(record.userId)!;
    const app = this.apps.get(record.appId)!;
    const data: Record<string, unknown> = {
      userId: user.userId,
      status: user.status,
      workStatus: 'Active',
      username: null,
      email: null,
      emailVerified: false,
      phoneVerified: record.scope.includes('phone'),
      gender: user.gender,
      externalId: null,
      createdAt: user.createdAt,
      updatedAt: user.updatedAt,
      lastLogin: user.lastLogin,
    };
    if (record.scope.includes('profile')) Object.assign(data, { nickname: user.nickname, name: user.nickname, photo: user.photo });
    if (record.scope.includes('phone')) Object.assign(data, { phone: user.phone, phoneCountryCode: '+86' });
    if (url.searchParams.get('withIdentities') === 'true') {
      const info = { nickname: user.nickname, avatar: user.photo, openid: user.openid, unionid: user.unionid };
      data.identities = (['openid', 'unionid'] as const).map((type) => ({
        identityId: createHash('sha256').update(`${user.userId}:${app.connectionId}:${type}`).digest('hex').slice(0, 24),
        extIdpId: app.connectionId,
        provider: 'wechat',
        type,
        userIdInIdp: type === 'openid' ? user.openid : user.unionid,
        userInfoInIdp: info,
        originConnIds: [app.connectionId],
      }));
    }
    return send(res, 200, { statusCode: 200, message: '', requestId, data });
  }

  private jwks(res: ServerResponse, pathname: string): void {
    const appId = JWKS_PATH.exec(pathname)![1];
    let keys: SigningKey[];
    if (appId === undefined) keys = [...this.apps.values()].flatMap((app) => app.keys);
    else {
      const app = this.apps.get(appId);
      if (!app) return send(res, 404, { statusCode: 404, message: '应用不存在', apiCode: this.code(2011), data: null });
      keys = app.keys;
    }
    return send(res, 200, { keys: keys.map((key) => key.jwk) }, { 'cache-control': 'public, max-age=60' });
  }

  private code(apiCode: number): number | string {
    return this.apiCodeFormat === 'string' ? String(apiCode) : apiCode;
  }

  private app(appId: string): AppRecord {
    const app = this.apps.get(appId);
    if (!app) throw new TypeError('no app with this appId in the emulator');
    return app;
  }

  private user(input: EmulatedWechatUser): AppUser {
    const known = input.unionid === undefined ? undefined : this.users.get(input.unionid);
    if (known) {
      if (input.nickname !== undefined) known.nickname = input.nickname;
      if (input.avatarUrl !== undefined) known.photo = input.avatarUrl;
      return known;
    }
    const unionid = input.unionid ?? wechatId();
    const userId = createHash('sha256').update(`app-launch:${unionid}`).digest('hex').slice(0, 24);
    const digits = createHash('sha256').update(`phone:${unionid}`).digest().readUInt32BE(0) % 100_000_000;
    const now = new Date(this.clock.now()).toISOString();
    const user: AppUser = {
      userId,
      unionid,
      openid: input.openid ?? wechatId(`app-launch-openid:${unionid}`),
      nickname: input.nickname ?? `微信用户${unionid.slice(-4)}`,
      photo: input.avatarUrl ?? `${this.baseUrl}${avatarPath(userId)}`,
      phone: typeof input.phone === 'string' ? input.phone : `138${String(digits).padStart(8, '0')}`,
      gender: input.gender === 1 ? 'M' : input.gender === 2 ? 'F' : 'U',
      status: 'Activated',
      locked: false,
      step: null,
      createdAt: now,
      updatedAt: now,
      lastLogin: null,
    };
    this.users.set(unionid, user);
    this.usersById.set(userId, user);
    return user;
  }

  private touch(user: AppUser): AppUser {
    user.updatedAt = new Date(this.clock.now()).toISOString();
    return user;
  }

  /** Forgets codes long expired and tokens past their expiry (kept a while, so late use answers "expired"). */
  private prune(): void {
    const horizon = this.clock.now() - 10 * 60_000;
    for (const [key, record] of this.codes) if (record.expiresAt < horizon) this.codes.delete(key);
    for (const [key, record] of this.phoneCodes) if (record.expiresAt < horizon) this.phoneCodes.delete(key);
    if (this.tokens.size > 10_000) for (const [key, record] of this.tokens) if (record.expiresAt < horizon) this.tokens.delete(key);
  }
}

const STEP_MESSAGES: Record<AppLaunchSigninStep, string> = {
  1576: '无应用登录权限',
  1636: '需要进行多因素认证 (MFA)',
  1639: '首次登录需要重置密码',
  1640: '请绑定已有账号',
  1641: '请绑定已有账号或创建新账号',
  1642: '请补全登录信息',
  2921: '请选择要登录的账号',
};

function newSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomBytes(12).toString('base64url');
  return { kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' } };
}

function sameSecret(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function appOptionsProblem(options: EmulatedAppOptions): string | undefined {
  if (options === null || typeof options !== 'object') return 'options must be an object';
  if (typeof options.appId !== 'string' || !/^[\w.-]{1,64}$/.test(options.appId)) return 'appId must be 1 to 64 letters, digits, _ . or -';
  if (typeof options.appSecret !== 'string' || options.appSecret.length === 0) return 'appSecret must be a non-empty string';
  if (options.connection !== undefined && (typeof options.connection !== 'string' || !/^[a-z0-9-]{1,31}$/.test(options.connection))) {
    return 'connection must be lowercase letters, digits and -, under 32 characters (the console rule)';
  }
  if (options.clientAuth !== undefined && !CLIENT_AUTH_METHODS.includes(options.clientAuth))
    return `clientAuth must be one of ${CLIENT_AUTH_METHODS.join(', ')}`;
  if (options.idTokenAlg !== undefined && !ID_TOKEN_ALGS.includes(options.idTokenAlg)) return `idTokenAlg must be one of ${ID_TOKEN_ALGS.join(', ')}`;
  const ttl = options.tokenTtlSeconds;
  if (ttl !== undefined && (!Number.isSafeInteger(ttl) || ttl < 1)) return 'tokenTtlSeconds must be a positive integer';
  return undefined;
}

/** A class-validator-like refusal of a malformed SigninByMobileDto, naming the field; undefined when well-formed. */
function validateSigninDto(dto: Record<string, any>): string | undefined {
  if (typeof dto.connection !== 'string' || !CONNECTIONS.includes(dto.connection))
    return `connection must be one of the following values: ${CONNECTIONS.join(', ')}`;
  if (typeof dto.extIdpConnidentifier !== 'string' || dto.extIdpConnidentifier === '') return 'extIdpConnidentifier must be a string';
  if (dto.options !== undefined && (dto.options === null || typeof dto.options !== 'object' || Array.isArray(dto.options)))
    return 'options must be an object';
  if (dto.options?.scope !== undefined && typeof dto.options.scope !== 'string') return 'options.scope must be a string';
  if (dto.connection !== 'wechat_mini_program_code_and_phone') return undefined;
  const payload = dto.wechatMiniProgramCodeAndPhonePayload;
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return 'wechatMiniProgramCodeAndPhonePayload must be an object';
  if (typeof payload.wxLoginInfo?.code !== 'string' || payload.wxLoginInfo.code === '')
    return 'wechatMiniProgramCodeAndPhonePayload.wxLoginInfo.code must be a string';
  if (typeof payload.wxPhoneInfo?.code !== 'string' || payload.wxPhoneInfo.code === '')
    return 'wechatMiniProgramCodeAndPhonePayload.wxPhoneInfo.code must be a string';
  return undefined;
}
