import type { JSONWebKeySet, JWTPayload, JWTVerifyOptions } from 'jose';
import { App2WxappLoginError } from '../failure/app2wxapp-login.error';
import { LoginFailures } from '../failure/login-failures';
import type { ResolvedAppLaunchOptions } from '../options/app2wxapp-options.schema';
import type { Deadline } from '../shared/deadline.utils';
import { USER_ID_SHAPE } from './app-launch-profile.reader';
import { type JwksFetch, JwksCache } from './jwks.cache';

type Jose = typeof import('jose');

/**
 * `jose` is ESM only. Loaded when the first id_token is verified, so that apps that never verify one (the ticket
 * flow, `verify: 'profile'`) never load it, and a CommonJS test runner without `require(esm)` can still load us.
 */
let jose: Promise<Jose> | undefined;
/** The module once loaded: every login after the first uses it without waiting for a promise. */
let joseLoaded: Jose | undefined;
function loadJose(): Promise<Jose> {
  return (jose ??= import('jose').then((lib) => (joseLoaded = lib)));
}

/** Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds. */
const CLOCK_TOLERANCE_S = 30;

type Settings = Pick<ResolvedAppLaunchOptions, 'idTokenAlg' | 'appSecret' | 'appId' | 'issuers' | 'jwksUrls' | 'jwksRefreshMs'>;

/**
 * Verifies an id_token from Authing's v3 sign-in with `jose`: the signature with the one algorithm the pool is set
 * to (`RS256` with the app's JWKS, `HS256` with `appSecret`; never `none`, never another), `iss` one of the pool's
 * issuers, `aud` the app id, `exp`/`nbf` with 30 s of tolerance, and a `sub` of the user id shape. Authing's Node
 * SDK checks only the signature; the claims are ours to check.
 */
export class IdTokenVerifier {
  private readonly jwks?: JwksCache;
  private readonly secret?: Uint8Array;
  /** One jose key set per JWKS the cache fetched (a refetch is a new object, so an old set is collected with it). */
  private readonly keySets = new WeakMap<JSONWebKeySet, ReturnType<Jose['createLocalJWKSet']>>();
  /** The same for every login: built once. */
  private readonly options: JWTVerifyOptions;

  constructor(
    private readonly settings: Settings,
    fetchJwks: JwksFetch,
    now?: () => number,
  ) {
    this.options = {
      algorithms: [settings.idTokenAlg],
      issuer: [...settings.issuers],
      audience: settings.appId,
      clockTolerance: CLOCK_TOLERANCE_S,
      requiredClaims: ['sub', 'exp'],
    };
    if (settings.idTokenAlg === 'HS256') this.secret = new TextEncoder().encode(settings.appSecret ?? '');
    else this.jwks = new JwksCache(settings.jwksUrls, settings.jwksRefreshMs, fetchJwks, now);
  }

  /** The verified claims; every failure is an `App2WxappLoginError`, its message free of the token. */
  async verify(idToken: string, limit: Deadline): Promise<JWTPayload & { sub: string }> {
    const lib = joseLoaded ?? (await loadJose());
    const options = this.options;
    let payload: JWTPayload;
    try {
      if (this.secret) {
        ({ payload } = await lib.jwtVerify(idToken, this.secret, options));
      } else {
        payload = await this.verifyWithJwks(lib, idToken, options, limit);
      }
    } catch (err) {
      throw this.failure(lib, err, idToken);
    }
    // jose checks `iat` only with `maxTokenAge`: an id_token issued in the future (beyond the tolerance) is refused here.
    if (payload.iat !== undefined && (typeof payload.iat !== 'number' || payload.iat > Date.now() / 1000 + CLOCK_TOLERANCE_S)) {
      throw LoginFailures.upstream("The id_token's iat claim is missing or not valid now");
    }
    if (typeof payload.sub !== 'string' || !USER_ID_SHAPE.test(payload.sub)) {
      throw LoginFailures.upstream("The id_token's sub is not a user id of the documented shape");
    }
    return payload as JWTPayload & { sub: string };
  }

  /**
   * jose's key set for one fetched JWKS, made once: it imports each public key on first use and keeps it. Made per
   * login, it re-imported the RSA key every time (145–235 µs per login, the bench's profile).
   */
  private keySet(lib: Jose, keys: JSONWebKeySet): ReturnType<Jose['createLocalJWKSet']> {
    let set = this.keySets.get(keys);
    if (!set) this.keySets.set(keys, (set = lib.createLocalJWKSet(keys)));
    return set;
  }

  /** With the cached keys; an unknown `kid` refetches the JWKS (at most once per `jwksRefreshMs`) and tries once more. */
  private async verifyWithJwks(lib: Jose, idToken: string, options: JWTVerifyOptions, limit: Deadline): Promise<JWTPayload> {
    const jwks = this.jwks!;
    const attempt = async (keys: JSONWebKeySet) => (await lib.jwtVerify(idToken, this.keySet(lib, keys), options)).payload;
    try {
      return await attempt(await jwks.current(limit));
    } catch (err) {
      if (!(err instanceof lib.errors.JWKSNoMatchingKey)) throw err;
      const fresh = await jwks.refresh(limit);
      if (!fresh) throw err;
      return attempt(fresh);
    }
  }

  private failure(lib: Jose, err: unknown, idToken: string): unknown {
    if (err instanceof App2WxappLoginError) return err;
    const { errors } = lib;
    if (err instanceof errors.JWSSignatureVerificationFailed) {
      if (this.secret) return LoginFailures.misconfigured('appSecret', 'The id_token does not verify with appSecret (HS256)');
      return LoginFailures.upstream("The id_token's signature does not verify with the app's JWKS");
    }
    if (err instanceof errors.JOSEAlgNotAllowed) {
      const alg = headerAlg(lib, idToken);
      if (alg === 'RS256' || alg === 'HS256') {
        return LoginFailures.misconfigured('idTokenAlg', `The id_token is signed with ${alg}, not idTokenAlg (${this.settings.idTokenAlg})`);
      }
      return LoginFailures.upstream('The id_token is signed with an algorithm that is not accepted');
    }
    if (err instanceof errors.JWTExpired) return LoginFailures.upstream("The id_token has expired (is this server's clock right?)");
    if (err instanceof errors.JWTClaimValidationFailed) {
      if (err.claim === 'iss') return LoginFailures.misconfigured('issuer', "The id_token's iss is not the expected issuer");
      if (err.claim === 'aud') return LoginFailures.misconfigured('appId', "The id_token's aud is not appId");
      return LoginFailures.upstream(`The id_token's ${err.claim} claim is missing or not valid now`);
    }
    if (err instanceof errors.JWKSNoMatchingKey) return LoginFailures.upstream("No key of the app's JWKS matches the id_token");
    if (err instanceof errors.JWKSInvalid || err instanceof errors.JWKInvalid) return LoginFailures.upstream("Authing's JWKS holds no usable key");
    if (err instanceof errors.JOSEError) return LoginFailures.upstream('The id_token is malformed');
    // An abort of the JWKS fetch (the login's deadline): the client maps it to a timeout.
    return err;
  }
}

function headerAlg(lib: Jose, idToken: string): unknown {
  try {
    return lib.decodeProtectedHeader(idToken).alg;
  } catch {
    return undefined;
  }
}
