import { type JWK, SignJWT, exportJWK, generateKeyPair } from 'jose';
import { App2WxappLoginError } from 'nestjs-app2wxapp';
import { IdTokenVerifier } from '../../lib/client/id-token.verifier';
import { type Deadline, deadline } from '../../lib/shared/deadline.utils';

const APP_ID = '62a0b2c3d4e5f60718293a4c';
const HOST = 'https://example.authing.cn';
const ISSUER = `${HOST}/oidc`;
const APP_SECRET = 'hs256-app-secret-value-0123456789abcdef';
const JWKS_URLS = [`${HOST}/${APP_ID}/oidc/.well-known/jwks.json`, `${HOST}/oidc/.well-known/jwks.json`] as const;
const USER_ID = '62a0b2c3d4e5f60718293a4d';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
let current: KeyPair;
let other: KeyPair;
let currentJwk: JWK;
let otherJwk: JWK;

beforeAll(async () => {
  current = await generateKeyPair('RS256', { extractable: true });
  other = await generateKeyPair('RS256');
  currentJwk = { ...(await exportJWK(current.publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
  otherJwk = { ...(await exportJWK(other.publicKey)), kid: 'key-2', alg: 'RS256', use: 'sig' };
});

interface Claims {
  iss?: string;
  aud?: string;
  sub?: string;
  exp?: number;
  nbf?: number;
  iat?: number;
}

async function rs256(claims: Claims = {}, key = current.privateKey, kid = 'key-1'): Promise<string> {
  return sign(new SignJWT({ nickname: 'Ada' }).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }), claims, key);
}

async function hs256(claims: Claims = {}, secret = APP_SECRET): Promise<string> {
  return sign(new SignJWT({}).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }), claims, new TextEncoder().encode(secret));
}

function sign(jwt: SignJWT, claims: Claims, key: KeyPair['privateKey'] | Uint8Array): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  jwt
    .setIssuedAt(claims.iat ?? now)
    .setIssuer(claims.iss ?? ISSUER)
    .setAudience(claims.aud ?? APP_ID)
    .setExpirationTime(claims.exp ?? now + 3600);
  if (claims.sub !== '') jwt.setSubject(claims.sub ?? USER_ID);
  if (claims.nbf !== undefined) jwt.setNotBefore(claims.nbf);
  return jwt.sign(key);
}

function unsigned(): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none' })}.${part({ sub: USER_ID, iss: ISSUER, aud: APP_ID, exp: Math.floor(Date.now() / 1000) + 60 })}.`;
}

/** A JWKS endpoint pair to count fetches against: what each URL answers, and a clock the test moves. */
class JwksHost {
  answers = new Map<string, { status: number; text: unknown }>([[JWKS_URLS[0], { status: 200, text: '' }]]);
  fetched: string[] = [];
  clock = 0;

  serve(keys: JWK[], url: string = JWKS_URLS[0]): void {
    this.answers.set(url, { status: 200, text: JSON.stringify({ keys }) });
  }

  verifier(settings: Partial<ConstructorParameters<typeof IdTokenVerifier>[0]> = {}): IdTokenVerifier {
    return new IdTokenVerifier(
      { idTokenAlg: 'RS256', appId: APP_ID, issuers: [ISSUER, `${ISSUER}/`], jwksUrls: JWKS_URLS, jwksRefreshMs: 30_000, ...settings },
      async (url) => {
        this.fetched.push(url);
        return this.answers.get(url) ?? { status: 404, text: '' };
      },
      () => this.clock,
    );
  }
}

let limit: Deadline;
beforeEach(() => {
  limit = deadline(5000);
});
afterEach(() => limit.clear());

async function refusal(promise: Promise<unknown>, token: string): Promise<App2WxappLoginError> {
  const error = await promise.then(
    () => {
      throw new Error('the id_token was accepted');
    },
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(App2WxappLoginError);
  const e = error as App2WxappLoginError;
  const shown = `${e.message} ${e.operatorDetail ?? ''}`;
  for (const part of token.split('.').filter((p) => p.length >= 12)) expect(shown).not.toContain(part.slice(0, 12));
  expect(shown).not.toContain(APP_SECRET.slice(0, 12));
  return e;
}

describe('id_token verification (RS256, the JWKS)', () => {
  it('verifies with the JWKS, fetched once for many logins', async () => {
    const host = new JwksHost();
    host.serve([currentJwk]);
    const verifier = host.verifier();
    const claims = await verifier.verify(await rs256(), limit);
    expect(claims).toMatchObject({ sub: USER_ID, aud: APP_ID, iss: ISSUER, nickname: 'Ada' });
    await verifier.verify(await rs256(), limit);
    expect(host.fetched).toEqual([JWKS_URLS[0]]);
  });

  it("falls back to the pool's JWKS on a 404 at the app's path, and keeps using it", async () => {
    const host = new JwksHost();
    host.answers.set(JWKS_URLS[0], { status: 404, text: 'Not Found' });
    host.serve([currentJwk], JWKS_URLS[1]);
    const verifier = host.verifier();
    await verifier.verify(await rs256(), limit);
    expect(host.fetched).toEqual([JWKS_URLS[0], JWKS_URLS[1]]);
    // An unknown key refetches from the URL that answered.
    host.clock = 60_000;
    await refusal(verifier.verify(await rs256({}, other.privateKey, 'key-9'), limit), '');
    expect(host.fetched.at(-1)).toBe(JWKS_URLS[1]);
  });

  it('accepts the issuer with a trailing slash', async () => {
    const host = new JwksHost();
    host.serve([currentJwk]);
    await expect(host.verifier().verify(await rs256({ iss: `${ISSUER}/` }), limit)).resolves.toMatchObject({ sub: USER_ID });
  });

  it('refetches once on an unknown kid, then refuses; again only after jwksRefreshMs', async () => {
    const host = new JwksHost();
    host.serve([currentJwk]);
    const verifier = host.verifier();
    await verifier.verify(await rs256(), limit);
    const unknown = await rs256({}, other.privateKey, 'key-2');

    // Just fetched: an unknown kid does not refetch within jwksRefreshMs of the last fetch.
    host.clock = 29_999;
    await refusal(verifier.verify(unknown, limit), unknown);
    expect(host.fetched).toHaveLength(1);

    host.clock = 30_000;
    const error = await refusal(verifier.verify(unknown, limit), unknown);
    expect([error.getStatus(), error.kind]).toEqual([502, 'upstream-error']);
    expect(error.message).toMatch(/No key of the app's JWKS matches/);
    expect(host.fetched).toHaveLength(2);

    host.clock = 59_999;
    await refusal(verifier.verify(unknown, limit), unknown);
    expect(host.fetched).toHaveLength(2);

    // Authing rotated its keys: the next refetch finds the new one, and keeps it.
    host.serve([currentJwk, otherJwk]);
    host.clock = 60_000;
    await expect(verifier.verify(unknown, limit)).resolves.toMatchObject({ sub: USER_ID });
    await expect(verifier.verify(unknown, limit)).resolves.toMatchObject({ sub: USER_ID });
    expect(host.fetched).toHaveLength(3);
  });

  it('shares one fetch between concurrent logins', async () => {
    const host = new JwksHost();
    host.serve([currentJwk]);
    const verifier = host.verifier();
    const token = await rs256();
    await Promise.all([verifier.verify(token, limit), verifier.verify(token, limit), verifier.verify(token, limit)]);
    expect(host.fetched).toHaveLength(1);
  });

  it.each([
    ['a wrong aud', { aud: 'another-app' }, 500, /aud is not appId.*"appId"/],
    ['a wrong iss', { iss: 'https://evil.example/oidc' }, 500, /iss is not the expected issuer.*"issuer"/],
    ['an expired token', { exp: Math.floor(Date.now() / 1000) - 120 }, 502, /expired/],
    ['a token not valid yet', { nbf: Math.floor(Date.now() / 1000) + 600 }, 502, /nbf claim/],
    ['a token issued in the future', { iat: Math.floor(Date.now() / 1000) + 600 }, 502, /iat claim/],
    ['no sub', { sub: '' }, 502, /sub/],
    ['a sub of another shape', { sub: 'a b/c' }, 502, /sub is not a user id/],
  ])('refuses %s', async (_name, claims, status, message) => {
    const host = new JwksHost();
    host.serve([currentJwk]);
    const token = await rs256(claims);
    const error = await refusal(host.verifier().verify(token, limit), token);
    expect(error.getStatus()).toBe(status);
    expect(`${error.message} ${error.operatorDetail ?? ''}`).toMatch(message);
  });

  it('tolerates a little clock skew', async () => {
    const host = new JwksHost();
    host.serve([currentJwk]);
    await expect(host.verifier().verify(await rs256({ exp: Math.floor(Date.now() / 1000) - 5 }), limit)).resolves.toBeDefined();
  });

  it('refuses a wrong signature under a known kid', async () => {
    const host = new JwksHost();
    host.serve([currentJwk]);
    const forged = await rs256({}, other.privateKey, 'key-1');
    const error = await refusal(host.verifier().verify(forged, limit), forged);
    expect([error.getStatus(), error.message]).toEqual([502, "The id_token's signature does not verify with the app's JWKS"]);
  });

  it('refuses alg none, whatever the claims', async () => {
    const host = new JwksHost();
    host.serve([currentJwk]);
    const token = unsigned();
    const error = await refusal(host.verifier().verify(token, limit), token);
    expect([error.getStatus(), error.message]).toEqual([502, 'The id_token is signed with an algorithm that is not accepted']);
  });

  it('refuses an HS256 token in an RS256 pool as a misconfigured idTokenAlg (the secret is never tried)', async () => {
    const host = new JwksHost();
    host.serve([currentJwk]);
    const token = await hs256();
    const error = await refusal(host.verifier({ appSecret: APP_SECRET }).verify(token, limit), token);
    expect(error.kind).toBe('misconfigured');
    expect(error.operatorDetail).toMatch(/signed with HS256, not idTokenAlg \(RS256\).*"idTokenAlg"/);
  });

  it.each([
    ['HTTP 500', { status: 500, text: '' }, 502],
    ['garbage', { status: 200, text: '<html>' }, 502],
    ['no keys', { status: 200, text: '{"keys":[]}' }, 502],
    ['only a symmetric key', { status: 200, text: JSON.stringify({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }) }, 502],
  ])('answers a JWKS with %s with %s', async (_name, answer, status) => {
    const host = new JwksHost();
    host.answers.set(JWKS_URLS[0], answer);
    const token = await rs256();
    expect((await refusal(host.verifier().verify(token, limit), token)).getStatus()).toBe(status);
  });

  it('answers a JWKS missing at both URLs as a misconfigured appHost', async () => {
    const host = new JwksHost();
    host.answers.clear();
    const token = await rs256();
    const error = await refusal(host.verifier().verify(token, limit), token);
    expect(error.kind).toBe('misconfigured');
    expect(error.operatorDetail).toMatch(/both JWKS URLs.*"appHost"/);
    expect(host.fetched).toEqual([...JWKS_URLS]);
  });

  it('refuses a private key published in the JWKS', async () => {
    const host = new JwksHost();
    const leaked = { ...(await exportJWK(current.privateKey)), kid: 'key-1' };
    host.answers.set(JWKS_URLS[0], { status: 200, text: JSON.stringify({ keys: [leaked] }) });
    const token = await rs256();
    expect((await refusal(host.verifier().verify(token, limit), token)).getStatus()).toBe(502);
  });
});

describe('id_token verification (HS256, the app secret)', () => {
  const verifier = () => new JwksHost().verifier({ idTokenAlg: 'HS256', appSecret: APP_SECRET });

  it('verifies with appSecret and fetches no JWKS', async () => {
    const host = new JwksHost();
    const claims = await host.verifier({ idTokenAlg: 'HS256', appSecret: APP_SECRET }).verify(await hs256(), limit);
    expect(claims.sub).toBe(USER_ID);
    expect(host.fetched).toEqual([]);
  });

  it('answers another secret as a misconfigured appSecret, never quoting it', async () => {
    const token = await hs256({}, 'another-secret-value-0123456789abcdef');
    const error = await refusal(verifier().verify(token, limit), token);
    expect(error.kind).toBe('misconfigured');
    expect(error.operatorDetail).toMatch(/does not verify with appSecret.*"appSecret"/);
  });

  it('refuses an RS256 token in an HS256 pool', async () => {
    const token = await rs256();
    const error = await refusal(verifier().verify(token, limit), token);
    expect(error.operatorDetail).toMatch(/signed with RS256, not idTokenAlg \(HS256\)/);
  });

  it('refuses alg none', async () => {
    const token = unsigned();
    expect((await refusal(verifier().verify(token, limit), token)).getStatus()).toBe(502);
  });

  it('checks aud and iss as well', async () => {
    const wrongAud = await hs256({ aud: 'other' });
    expect((await refusal(verifier().verify(wrongAud, limit), wrongAud)).operatorDetail).toMatch(/"appId"/);
    const wrongIss = await hs256({ iss: 'https://other/oidc' });
    expect((await refusal(verifier().verify(wrongIss, limit), wrongIss)).operatorDetail).toMatch(/"issuer"/);
  });
});
