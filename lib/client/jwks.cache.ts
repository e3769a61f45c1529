import type { JSONWebKeySet } from 'jose';
import { LoginFailures } from '../failure/login-failures';
import { type Deadline, raceAbort } from '../shared/deadline.utils';
import { isRecord } from '../shared/record.utils';

/** One GET of a JWKS URL, bounded by `limit`: the HTTP status and the body as text. */
export type JwksFetch = (url: string, limit: Deadline) => Promise<{ status: number; text: unknown }>;

/** A JWKS holds a handful of keys; more is not Authing's. */
const MAX_KEYS = 32;

/**
 * The app's JSON Web Key Set, fetched once and kept: refetched only when an id_token names a key it does not hold,
 * at most once per `refreshMs` (concurrent logins share one fetch). Each fetch is bounded by the deadline of the
 * login that started it, and each login waits no longer than its own. The keys are looked up at the app's path
 * (`{appHost}/{appId}/oidc/.well-known/jwks.json`, Authing's Node SDK since Nov 2025), else on a 404 at the
 * pool-wide one (`{appHost}/oidc/.well-known/jwks.json`, before); the URL that answered is tried first from then on.
 */
export class JwksCache {
  private keys?: JSONWebKeySet;
  private lastAttempt = Number.NEGATIVE_INFINITY;
  private inflight?: Promise<JSONWebKeySet>;
  private preferred = 0;

  constructor(
    private readonly urls: readonly [string, string],
    private readonly refreshMs: number,
    private readonly fetchJwks: JwksFetch,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The cached keys, fetching them first if there are none yet. */
  async current(limit: Deadline): Promise<JSONWebKeySet> {
    return this.keys ?? this.load(limit);
  }

  /**
   * Refetches after an id_token named an unknown key, unless the last fetch was less than `refreshMs` ago: then
   * `undefined`, and the caller refuses the id_token.
   */
  async refresh(limit: Deadline): Promise<JSONWebKeySet | undefined> {
    if (this.inflight) return this.wait(this.inflight, limit);
    if (this.now() - this.lastAttempt < this.refreshMs) return undefined;
    return this.load(limit);
  }

  private load(limit: Deadline): Promise<JSONWebKeySet> {
    if (!this.inflight) {
      this.lastAttempt = this.now();
      this.inflight = this.fetchKeys(limit).finally(() => {
        this.inflight = undefined;
      });
    }
    return this.wait(this.inflight, limit);
  }

  /** A login that joined another's fetch still ends by its own deadline. */
  private wait(fetching: Promise<JSONWebKeySet>, limit: Deadline): Promise<JSONWebKeySet> {
    return limit.hasSignal ? raceAbort(fetching, limit.signal) : fetching;
  }

  private async fetchKeys(limit: Deadline): Promise<JSONWebKeySet> {
    const order = this.preferred === 0 ? [0, 1] : [1, 0];
    for (const index of order) {
      const { status, text } = await this.fetchJwks(this.urls[index], limit);
      if (status === 404) continue;
      if (status !== 200) throw LoginFailures.upstream(`Authing answered HTTP ${status} for the JWKS`, { upstreamStatus: status });
      const keys = parseJwks(text);
      if (!keys) throw LoginFailures.upstream("Authing's JWKS is not a JSON Web Key Set", { upstreamStatus: status });
      this.preferred = index;
      this.keys = keys;
      return keys;
    }
    throw LoginFailures.misconfigured(
      'appHost',
      'Authing answered HTTP 404 at both JWKS URLs (is appHost the app domain, appId right?)',
      undefined,
      404,
    );
  }
}

/** Only public keys of the JWK shape pass: a set whose `keys` is not an array of objects is not a JWKS. */
function parseJwks(text: unknown): JSONWebKeySet | undefined {
  let body: unknown;
  try {
    body = JSON.parse(typeof text === 'string' ? text : '');
  } catch {
    return undefined;
  }
  if (!isRecord(body) || !Array.isArray(body.keys) || body.keys.length === 0 || body.keys.length > MAX_KEYS) return undefined;
  if (!body.keys.every((key) => isRecord(key) && typeof key.kty === 'string')) return undefined;
  // Private or symmetric key material has no business in a published JWKS: never let a key with it be used.
  const keys = body.keys.filter((key) => key.kty !== 'oct' && !('d' in key));
  return keys.length > 0 ? ({ keys } as JSONWebKeySet) : undefined;
}
