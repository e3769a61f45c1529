import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpService } from '@nestjs/axios';
import { Logger, type OnModuleDestroy } from '@nestjs/common';
import axios from 'axios';
import { type JWK, SignJWT, exportJWK, generateKeyPair } from 'jose';
import { App2WxappLoginError, type App2WxappAppLaunchModuleOptions } from 'nestjs-app2wxapp';
import { AppLaunchClient } from '../../lib/client/app-launch.client';
import { App2WxappClient } from '../../lib/client/app2wxapp.client';
import type { LoginExchange } from '../../lib/client/login-exchange.interface';
import { resolveOptions } from '../../lib/options/app2wxapp-options.schema';
import { CapturedLogs } from '../e2e/support/captured-logs';

const APP_ID = '62a0b2c3d4e5f60718293a4c';
const POOL_ID = '62a0b2c3d4e5f60718293a4b';
const APP_SECRET = 'app-secret-value-4242-abcdef';
const USER_ID = '62a0b2c3d4e5f60718293a4d';
const CODES = { code: '0a3Xr2000Nh7zQ1xYw100Qk8y13Xr20y', phoneInfoCode: 'e31968a7f94cc5ee25fafc2aef2773f6bb8c3e1c7e6bfa8c7c3b8c18b0f4b6f1' };
const ACCESS = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhY2Nlc3MifQ.YWNjZXNzLXRva2VuLXNpZ25hdHVyZQ';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}
type Handler = (req: Seen, res: ServerResponse) => void;

/** Authing's v3 endpoints on a real loopback server: each route answers as the test says, and every request is kept. */
class V3Upstream {
  seen: Seen[] = [];
  routes = new Map<string, Handler>();
  private server!: Server;
  origin = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk) => (text += chunk));
      req.on('end', () => {
        const seen = { method: req.method!, url: req.url!, headers: req.headers, body: text ? JSON.parse(text) : undefined };
        this.seen.push(seen);
        const route = this.routes.get(req.url!.split('?')[0]);
        if (route) route(seen, res);
        else json(res, 404, { statusCode: 404, message: 'Not Found' });
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  paths(): string[] {
    return this.seen.map((s) => s.url);
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let publicJwk: JWK;
beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
});

async function idToken(origin: string, sub = USER_ID): Promise<string> {
  return new SignJWT({ nickname: 'Ada' })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer(`${origin}/oidc`)
    .setAudience(APP_ID)
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKey);
}

const activeUser = {
  userId: USER_ID,
  status: 'Activated',
  nickname: '小明',
  gender: 'F',
  phone: '17600006754',
  identities: [
    { provider: 'wechat', type: 'openid', userIdInIdp: 'oMini' },
    { provider: 'wechat', type: 'unionid', userIdInIdp: 'oUnion' },
  ],
};

let upstream: V3Upstream;
let logs: CapturedLogs;
const clients: AppLaunchClient[] = [];

beforeEach(async () => {
  upstream = new V3Upstream();
  await upstream.start();
  logs = new CapturedLogs();
  Logger.overrideLogger(logs);
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.onModuleDestroy();
  await upstream.stop();
  Logger.overrideLogger(new Logger());
});

function client(extra: Partial<App2WxappAppLaunchModuleOptions> = {}): AppLaunchClient {
  const options = {
    flow: 'app-launch',
    userPoolId: POOL_ID,
    appId: APP_ID,
    appSecret: APP_SECRET,
    appHost: upstream.origin,
    connection: 'wx-applaunch',
    ...extra,
  } as App2WxappAppLaunchModuleOptions;
  if (options.appSecret === undefined) delete options.appSecret;
  const made = new AppLaunchClient(new HttpService(axios.create() as never), resolveOptions(options));
  clients.push(made);
  return made;
}

async function signsIn(token?: string): Promise<void> {
  const id = token ?? (await idToken(upstream.origin));
  upstream.routes.set('/api/v3/signin-by-mobile', (_req, res) =>
    json(res, 200, { statusCode: 200, message: '', data: { access_token: ACCESS, id_token: id, token_type: 'bearer', expire_in: 7200 } }),
  );
}

function profileAnswers(user: Record<string, unknown>): void {
  upstream.routes.set('/api/v3/get-profile', (_req, res) => json(res, 200, { statusCode: 200, message: '', data: user }));
}

async function refused(promise: Promise<unknown>): Promise<App2WxappLoginError> {
  const error = await promise.then(
    () => {
      throw new Error('the login succeeded');
    },
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(App2WxappLoginError);
  return error as App2WxappLoginError;
}

/** No code, secret or token, whole or a 12-character run of it, in anything the package logged or answered. */
function expectNothingSecretIn(text: string, tokens: string[] = []): void {
  for (const secret of [CODES.code, CODES.phoneInfoCode, APP_SECRET, ACCESS, Buffer.from(`${APP_ID}:${APP_SECRET}`).toString('base64'), ...tokens]) {
    for (let i = 0; i + 12 <= secret.length; i += 3) expect(text).not.toContain(secret.slice(i, i + 12));
  }
}

const logText = () => logs.entries.map((e) => e.message).join('\n');

describe('AppLaunchClient', () => {
  it('signs in with client_secret_post, then reads the profile with the access token', async () => {
    await signsIn();
    profileAnswers(activeUser);
    const profile = await client().exchangeCodes(CODES);

    expect(upstream.paths()).toEqual(['/api/v3/signin-by-mobile', '/api/v3/get-profile?withIdentities=true']);
    const [signin, get] = upstream.seen;
    expect(signin.method).toBe('POST');
    expect(signin.body).toEqual({
      connection: 'wechat_mini_program_code_and_phone',
      extIdpConnidentifier: 'wx-applaunch',
      wechatMiniProgramCodeAndPhonePayload: { wxLoginInfo: { code: CODES.code }, wxPhoneInfo: { code: CODES.phoneInfoCode } },
      options: { scope: 'openid profile phone' },
      client_id: APP_ID,
      client_secret: APP_SECRET,
    });
    expect(signin.headers).toMatchObject({ 'x-authing-app-id': APP_ID, 'x-authing-userpool-id': POOL_ID, 'content-type': 'application/json' });
    expect(signin.headers.authorization).toBeUndefined();
    expect(get.method).toBe('GET');
    expect(get.headers).toMatchObject({ authorization: `Bearer ${ACCESS}`, 'x-authing-app-id': APP_ID });

    expect(profile).toMatchObject({
      id: USER_ID,
      userPoolId: POOL_ID,
      flow: 'app-launch',
      openid: 'oMini',
      unionid: 'oUnion',
      gender: 2,
      blocked: false,
    });
    expect(profile.tokens).toMatchObject({ accessToken: ACCESS, expiresIn: 7200 });
    expectNothingSecretIn(JSON.stringify(profile), [profile.tokens!.idToken]);
    expect(logs.takeProblems()).toEqual([]);
  });

  it('authenticates with client_secret_basic in the header only', async () => {
    await signsIn();
    profileAnswers(activeUser);
    await client({ clientAuth: 'client_secret_basic' }).exchangeCodes(CODES);
    const [signin] = upstream.seen;
    expect(signin.headers.authorization).toBe(`Basic ${Buffer.from(`${APP_ID}:${APP_SECRET}`).toString('base64')}`);
    expect(signin.body).not.toHaveProperty('client_id');
    expect(signin.body).not.toHaveProperty('client_secret');
  });

  it('sends no client credentials with clientAuth none', async () => {
    await signsIn();
    profileAnswers(activeUser);
    await client({ clientAuth: 'none', appSecret: undefined }).exchangeCodes(CODES);
    const [signin] = upstream.seen;
    expect(signin.headers.authorization).toBeUndefined();
    expect(JSON.stringify(signin.body)).not.toMatch(/client_/);
  });

  it('verifies the id_token with the JWKS and reads no profile with verify: id_token', async () => {
    await signsIn();
    upstream.routes.set(`/${APP_ID}/oidc/.well-known/jwks.json`, (_req, res) => json(res, 200, { keys: [publicJwk] }));
    const profile = await client({ verify: 'id_token', clientAuth: 'none', appSecret: undefined }).exchangeCodes(CODES);
    expect(upstream.paths()).toEqual(['/api/v3/signin-by-mobile', `/${APP_ID}/oidc/.well-known/jwks.json`]);
    expect(profile).toMatchObject({ id: USER_ID, nickname: 'Ada', flow: 'app-launch', blocked: false });
  });

  it('checks that the id_token and the profile name the same user with verify: id_token+profile', async () => {
    await signsIn(await idToken(upstream.origin, 'another-user-id'));
    profileAnswers(activeUser);
    upstream.routes.set('/oidc/.well-known/jwks.json', (_req, res) => json(res, 200, { keys: [publicJwk] }));
    const error = await refused(client({ verify: 'id_token+profile' }).exchangeCodes(CODES));
    expect([error.getStatus(), error.message]).toEqual([502, "The id_token's sub is not the profile's userId"]);
    // The app's JWKS path answered 404: the pool's was used.
    expect(upstream.paths()).toContain('/oidc/.well-known/jwks.json');
  });

  it('refuses a Suspended user with 403 and logs no code, secret or token', async () => {
    await signsIn();
    profileAnswers({ ...activeUser, status: 'Suspended' });
    const error = await refused(client().exchangeCodes(CODES));
    expect([error.getStatus(), error.kind, error.message]).toEqual([403, 'blocked', "This user's status in Authing is Suspended, not Activated"]);
    const problems = logs.takeProblems();
    expect(problems).toHaveLength(1);
    expect(problems[0].message).toMatch(/^App-launch login failed \(pool default, code #[0-9a-f]{12}\): 403 blocked/);
    expectNothingSecretIn(problems[0].message);
  });

  it('reports a refused client authentication as the operator’s mistake, naming the option', async () => {
    upstream.routes.set('/api/v3/signin-by-mobile', (req, res) =>
      json(res, 401, {
        statusCode: 401,
        message: `client_secret ${(req.body as { client_secret: string }).client_secret} is wrong for ${CODES.code}`,
      }),
    );
    const pool = client();
    const error = await refused(pool.exchangeCodes(CODES));
    expect([error.getStatus(), error.kind]).toEqual([500, 'misconfigured']);
    expect(pool.misconfiguration?.detail).toMatch(/check the option "appSecret"/);
    const problems = logs.takeProblems();
    expect(problems.map((p) => p.level)).toEqual(['error']);
    expect(problems[0].message).toMatch(/Login is misconfigured .*"appSecret"/);
    expectNothingSecretIn(`${problems[0].message}\n${JSON.stringify(error.getResponse())}`);
  });

  it('redacts the codes from a refusal that quotes them', async () => {
    upstream.routes.set('/api/v3/signin-by-mobile', (_req, res) =>
      json(res, 200, { statusCode: 400, message: `invalid code ${CODES.code} / ${CODES.phoneInfoCode}`, data: null }),
    );
    const error = await refused(client().exchangeCodes(CODES));
    expect([error.getStatus(), error.kind]).toEqual([401, 'rejected']);
    expect(error.message).toMatch(/\[redacted\]/);
    expectNothingSecretIn(`${JSON.stringify(error.getResponse())}\n${logText()}`);
  });

  it('refuses malformed codes with 401 before any call', async () => {
    const error = await refused(client().exchangeCodes({ code: 'x', phoneInfoCode: CODES.phoneInfoCode }));
    expect([error.getStatus(), error.kind]).toEqual([401, 'invalid-ticket']);
    expect(upstream.seen).toEqual([]);
  });

  it('ends a sign-in that hangs at the login deadline (504)', async () => {
    upstream.routes.set('/api/v3/signin-by-mobile', () => undefined);
    const error = await refused(client({ timeoutMs: 300, minExchangeBudgetMs: 50 }).exchangeCodes(CODES));
    expect([error.getStatus(), error.kind]).toEqual([504, 'timeout']);
  });

  it('bounds the JWKS fetch by the same deadline (504)', async () => {
    await signsIn();
    upstream.routes.set(`/${APP_ID}/oidc/.well-known/jwks.json`, () => undefined);
    const error = await refused(client({ verify: 'id_token', timeoutMs: 300, minExchangeBudgetMs: 50 }).exchangeCodes(CODES));
    expect([error.getStatus(), error.kind]).toEqual([504, 'timeout']);
  });

  it("opens the pool's circuit after Authing's failures, for both calls alike", async () => {
    upstream.routes.set('/api/v3/signin-by-mobile', (_req, res) => json(res, 502, { statusCode: 502 }));
    const pool = client({ circuitBreaker: { threshold: 2, cooldownMs: 60_000 } });
    for (let i = 0; i < 2; i++) expect((await refused(pool.exchangeCodes(CODES))).getStatus()).toBe(502);
    const error = await refused(pool.exchangeCodes(CODES));
    expect([error.getStatus(), error.kind]).toEqual([503, 'circuit-open']);
    expect(upstream.seen).toHaveLength(2);
    expect(pool.circuit.state).toBe('open');
  });

  it('is a LoginExchange, as the ticket client is', () => {
    const exchanges: (LoginExchange<never> & OnModuleDestroy)[] = [
      client(),
      new App2WxappClient(new HttpService(axios.create() as never), resolveOptions({ userPoolId: 'p', secret: 's' })),
    ];
    for (const exchange of exchanges) {
      expect(exchange.pool).toBe('default');
      expect(typeof exchange.exchange).toBe('function');
      exchange.onModuleDestroy();
    }
  });
});
