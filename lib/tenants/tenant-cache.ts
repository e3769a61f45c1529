import type { HttpService } from '@nestjs/axios';
import { Logger } from '@nestjs/common';
import { APP2WXAPP_LOGGER_CONTEXT } from '../app2wxapp.constants';
import type { App2WxappLoginError } from '../failure/app2wxapp-login.error';
import { LoginFailures } from '../failure/login-failures';
import type { App2WxappPoolOptions } from '../options/app2wxapp-options.interface';
import { App2WxappOptionsError, isPoolName, resolveOptions, type ResolvedPoolOptions } from '../options/app2wxapp-options.schema';
import { raceAbort } from '../shared/deadline.utils';
import type { App2WxappTelemetry } from '../telemetry/app2wxapp.telemetry';
import type { ResolvedTenantsOptions } from './app2wxapp-tenants-options.schema';
import { TenantPipeline } from './tenant-pipeline';

/** How long a source failure is remembered for a name that is not loaded: its logins answer 503 without a call. */
const SOURCE_FAILURE_MEMORY_MS = 1000;

/** The static pools (`forRoot`), as the app's pool registry lists them: tenants must not shadow them. */
export interface StaticPools {
  get(pool: string): unknown;
  all(): Iterable<{ readonly options: { readonly pool: string; readonly userPoolId: string } }>;
}

/** One tenant as the cache holds it: its options (or why they are refused), and its pipeline once a login needs it. */
export class TenantEntry {
  pipeline?: TenantPipeline;
  lastUsed: number;
  /** When it last moved to the recent end of the cache's LRU order. */
  orderedAt: number;
  refreshAt: number;
  /** When Authing last refused its secret and the source was asked again. */
  secretCheckedAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly name: string,
    readonly options: ResolvedPoolOptions | undefined,
    readonly failure: App2WxappLoginError | undefined,
    now: number,
    refreshMs: number,
  ) {
    this.lastUsed = now;
    this.orderedAt = now;
    this.refreshAt = now + refreshMs;
  }
}

/** A name the source does not know, or could not answer for: until when that answer stands. */
interface Remembered {
  until: number;
  down: boolean;
}

/** What the health indicator and the app's own monitoring read: counts, never a list of tenants. */
export interface App2WxappTenantsSnapshot {
  /** Tenants whose options are loaded and valid. */
  loaded: number;
  /** Tenants whose options were refused (bad options, a clash with another pool): their logins answer 500. */
  invalid: number;
  /** Tenants with a pipeline built (a client with its connections): those with a login since the last idle close. */
  resident: number;
  /** Resident tenants whose circuit breaker is open. */
  openCircuits: number;
  /** Resident tenants that Authing says are misconfigured (a wrong secret, user pool id or host). */
  misconfigured: number;
  /** Names remembered as unknown (or unanswered by the source). */
  unknownRemembered: number;
  /** The last call of the tenant source failed or timed out. */
  sourceDown: boolean;
}

/**
 * The app's tenants, loaded from its tenant source on demand: one source call per name however many first logins
 * arrive at once (single flight); the answer cached and refreshed in the background every `refreshMs`; "no such
 * tenant" remembered for `unknownTenantTtlMs` in bounded memory; at most `maxTenants` loaded (least recently used
 * evicted); pipelines built on a tenant's first login and closed when it is removed, evicted, changed or idle.
 *
 * The Map of entries is kept in least-recently-used order (a login deletes and re-inserts its tenant, at most once a
 * second), so eviction takes the first entry and the idle sweep stops at the first recently used one.
 */
export class TenantCache {
  private readonly logger = new Logger(APP2WXAPP_LOGGER_CONTEXT);
  private readonly entries = new Map<string, TenantEntry>();
  /** userPoolId → the tenant that uses it: two tenants of one Authing pool would keep two claims per ticket. */
  private readonly byUserPool = new Map<string, string>();
  private readonly unknown = new Map<string, Remembered>();
  private readonly loading = new Map<string, Promise<TenantEntry | undefined>>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly reorderMs: number;
  private sourceDown = false;

  constructor(
    private readonly settings: ResolvedTenantsOptions,
    private readonly statics: StaticPools,
    private readonly http: HttpService,
    private readonly telemetry: App2WxappTelemetry,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.reorderMs = Math.min(1000, settings.idleCloseMs / 16);
    this.sweeper = setInterval(() => this.closeIdle(), Math.max(10, Math.min(60_000, settings.idleCloseMs / 4)));
    this.sweeper.unref();
  }

  /**
   * The tenant `name`, loaded if need be. Throws the login's failure: 401 for a name it does not know (never
   * echoed), 500 for a tenant with bad options, 503 while the source cannot answer for a tenant not loaded yet.
   *
   * A loaded tenant is answered without a promise (the steady state of every login, measured in the benchmark's
   * tenants section); only a name the cache has to load returns one. A failure may be thrown, not returned.
   */
  get(name: unknown): TenantEntry | Promise<TenantEntry> {
    // Only checked names are ever stored, so a hit needs no name check.
    const entry = typeof name === 'string' ? this.entries.get(name) : undefined;
    if (!entry) return this.miss(name);
    const now = this.now();
    this.touch(entry, now);
    if (now >= entry.refreshAt) {
      // A refused tenant waits for its fix; a working one keeps working while the source is asked in the background.
      if (entry.failure) return this.load(entry.name).then((loaded) => this.loaded(loaded));
      void this.load(entry.name).catch(() => undefined);
    }
    if (entry.failure) throw entry.failure;
    return entry;
  }

  private async miss(name: unknown): Promise<TenantEntry> {
    if (typeof name !== 'string' || !isPoolName(name)) throw LoginFailures.unknownTenant();
    const remembered = this.unknown.get(name);
    if (remembered && remembered.until > this.now()) throw remembered.down ? LoginFailures.tenantSourceDown() : LoginFailures.unknownTenant();
    return this.loaded(await this.load(name));
  }

  /**
   * After Authing refused the secret of `used` (code 2003; for app-launch, `appSecret` at the sign-in): the tenant's current entry if its secret differs from the
   * one that was refused, after asking the source again (at most once per `secretReloadMs`, shared by concurrent
   * logins). `undefined` when nothing changed.
   */
  async reloadAfterWrongSecret(name: string, used: ResolvedPoolOptions): Promise<TenantEntry | undefined> {
    const changed = (entry: TenantEntry | undefined) => (entry?.options && secretOf(entry.options) !== secretOf(used) ? entry : undefined);
    const current = this.entries.get(name);
    if (changed(current)) return current;
    const pending = this.loading.get(name);
    if (pending) return changed(await pending.catch(() => undefined));
    if (!current || this.now() - current.secretCheckedAt < this.settings.secretReloadMs) return undefined;
    current.secretCheckedAt = this.now();
    return changed(await this.load(name).catch(() => undefined));
  }

  /** A lease on the tenant's pipeline, built on first use; `release()` it when the login ends. */
  lease(entry: TenantEntry): TenantPipeline {
    entry.pipeline ??= new TenantPipeline(entry.options!, this.http, this.telemetry);
    return entry.pipeline.acquire();
  }

  /** Sets a tenant's options now (the app pushed them); throws an Error naming the problem if they are refused. */
  push(name: string, raw: unknown, mustBeNew: boolean): void {
    if (typeof name !== 'string' || !isPoolName(name)) {
      throw new Error('App2WxappTenants: a tenant name must be 1 to 64 letters, digits, "_", "." or "-", starting with a letter or digit');
    }
    if (mustBeNew && this.entries.get(name)?.options) {
      throw new Error(`App2WxappTenants: the tenant "${name}" is already registered; use update() to change it`);
    }
    // A source answer still on its way is older than this push: it must not overwrite it.
    this.loading.delete(name);
    const outcome = this.check(name, raw);
    if ('problem' in outcome) throw new Error(`App2WxappTenants: tenant "${name}": ${outcome.problem}`);
    this.unknown.delete(name);
    this.install(name, outcome.options);
  }

  /** Forgets a tenant and closes its pipeline once its running logins end. */
  remove(name: string): boolean {
    this.loading.delete(name);
    return this.drop(name);
  }

  snapshot(): App2WxappTenantsSnapshot {
    let loaded = 0;
    let invalid = 0;
    let resident = 0;
    let openCircuits = 0;
    let misconfigured = 0;
    for (const entry of this.entries.values()) {
      if (entry.failure) invalid++;
      else loaded++;
      const client = entry.pipeline?.client;
      if (!client) continue;
      resident++;
      if (client.circuit.state === 'open') openCircuits++;
      if (client.misconfiguration) misconfigured++;
    }
    return { loaded, invalid, resident, openCircuits, misconfigured, unknownRemembered: this.unknown.size, sourceDown: this.sourceDown };
  }

  /** Closes every pipeline (the app is shutting down). */
  close(): void {
    clearInterval(this.sweeper);
    for (const entry of this.entries.values()) entry.pipeline?.retire();
    this.entries.clear();
    this.byUserPool.clear();
    this.unknown.clear();
  }

  /** Closes the pipelines of tenants without a login for `idleCloseMs`; their options stay loaded. */
  closeIdle(): void {
    const horizon = this.now() - this.settings.idleCloseMs;
    for (const entry of this.entries.values()) {
      // Least recently used first: the first recent one ends the sweep.
      if (entry.lastUsed > horizon) break;
      if (entry.pipeline && entry.pipeline.leases === 0) {
        entry.pipeline.retire();
        entry.pipeline = undefined;
      }
    }
  }

  private loaded(entry: TenantEntry | undefined): TenantEntry {
    if (!entry) throw LoginFailures.unknownTenant();
    if (entry.failure) throw entry.failure;
    return entry;
  }

  /**
   * Moves a tenant to the recent end of the LRU order, at most once per `reorderMs`: a busy tenant's logins would
   * otherwise each delete and re-insert it. The order is then exact to within `reorderMs`, which eviction and the idle
   * sweep (every `idleCloseMs / 4`) can take.
   */
  private touch(entry: TenantEntry, now: number): void {
    entry.lastUsed = now;
    if (now - entry.orderedAt < this.reorderMs) return;
    entry.orderedAt = now;
    this.entries.delete(entry.name);
    this.entries.set(entry.name, entry);
  }

  /** Asks the source for `name`, once for all concurrent callers, and installs the answer. */
  private load(name: string): Promise<TenantEntry | undefined> {
    const pending = this.loading.get(name);
    if (pending) return pending;
    const loading: Promise<TenantEntry | undefined> = this.fetch(name).then(
      (raw) => {
        // Superseded by a push or a removal while the source answered: the newer state stands.
        if (this.loading.get(name) !== loading) return this.entries.get(name);
        this.loading.delete(name);
        return this.settle(name, raw);
      },
      (err) => {
        if (this.loading.get(name) === loading) this.loading.delete(name);
        throw err;
      },
    );
    this.loading.set(name, loading);
    return loading;
  }

  /** One bounded call of the source; a throw or a timeout becomes a 503 (and is remembered briefly for `name`). */
  private async fetch(name: string): Promise<unknown> {
    try {
      const answer = await raceAbort(
        Promise.resolve().then(() => this.settings.resolveTenant(name)),
        AbortSignal.timeout(this.settings.sourceTimeoutMs),
      );
      this.sourceDown = false;
      return answer;
    } catch (err) {
      this.sourceDown = true;
      const entry = this.entries.get(name);
      // Its error's message may quote a connection string or a query: only its type is logged.
      const why = (err as Error)?.name === 'TimeoutError' ? `no answer within ${this.settings.sourceTimeoutMs} ms` : describe(err);
      if (entry) {
        entry.refreshAt = this.now() + this.settings.refreshMs;
        this.logger.warn(`The tenant source failed to refresh tenant ${name} (${why}); it keeps its loaded settings`);
      } else {
        this.remember(name, true, SOURCE_FAILURE_MEMORY_MS);
        this.logger.warn(`The tenant source failed to load tenant ${name} (${why}); its logins answer 503 until it answers`);
      }
      throw LoginFailures.tenantSourceDown(Math.ceil(SOURCE_FAILURE_MEMORY_MS / 1000));
    }
  }

  /** Installs what the source answered: no such tenant, valid options, or options refused (remembered, logged). */
  private async settle(name: string, raw: unknown): Promise<TenantEntry | undefined> {
    if (raw === undefined || raw === null) {
      this.drop(name);
      this.remember(name, false, this.settings.unknownTenantTtlMs);
      return undefined;
    }
    let outcome = this.check(name, raw);
    if ('holder' in outcome && outcome.holder) {
      // Another tenant holds this user pool: perhaps it was renamed or moved; ask the source about it once.
      if (await this.released(outcome.holder, outcome.userPoolId!)) outcome = this.check(name, raw);
    }
    this.unknown.delete(name);
    if ('problem' in outcome) {
      this.logger.error(`Tenant ${name} cannot log users in: ${outcome.problem}`);
      return this.install(name, undefined, LoginFailures.tenantMisconfigured(name, outcome.options, outcome.problem));
    }
    return this.install(name, outcome.options);
  }

  /** Whether `holder` no longer uses `userPoolId` according to the source (then it is dropped). */
  private async released(holder: string, userPoolId: string): Promise<boolean> {
    let answer: unknown;
    try {
      answer = await raceAbort(
        Promise.resolve().then(() => this.settings.resolveTenant(holder)),
        AbortSignal.timeout(this.settings.sourceTimeoutMs),
      );
    } catch {
      return false;
    }
    const still = typeof answer === 'object' && answer !== null && (answer as { userPoolId?: unknown }).userPoolId === userPoolId;
    if (!still && this.byUserPool.get(userPoolId) === holder) this.drop(holder);
    return !still;
  }

  /** Validates a tenant's options as strictly as `forRoot`'s, and refuses clashes with other pools. */
  private check(
    name: string,
    raw: unknown,
  ): { options: ResolvedPoolOptions } | { problem: string; options: readonly string[]; holder?: string; userPoolId?: string } {
    if (this.statics.get(name) !== undefined) {
      return { problem: 'its name is the name of a pool that App2WxappModule.forRoot() registers', options: ['name'] };
    }
    let resolved: ResolvedPoolOptions;
    try {
      resolved = resolveOptions(withSharedStore(raw, this.settings.replayStore), name, `tenant "${name}"`);
    } catch (err) {
      if (err instanceof App2WxappOptionsError) return { problem: `invalid options: ${err.problems.join('; ')}`, options: err.options };
      return { problem: `its options could not be read (${describe(err)})`, options: ['options'] };
    }
    const { userPoolId } = resolved;
    for (const pool of this.statics.all()) {
      if (pool.options.userPoolId === userPoolId) {
        return { problem: `its userPoolId is the user pool of the static pool "${pool.options.pool}"`, options: ['userPoolId'] };
      }
    }
    const holder = this.byUserPool.get(userPoolId);
    if (holder !== undefined && holder !== name) {
      return {
        problem: `its userPoolId is also the user pool of tenant "${holder}"; a user pool belongs to one tenant`,
        options: ['userPoolId'],
        holder,
        userPoolId,
      };
    }
    // Claims are keyed by the user pool, not the tenant's name: a renamed tenant never lets a ticket in twice.
    return { options: Object.freeze({ ...resolved, claimPrefix: `@${userPoolId}:`, tenant: true }) };
  }

  private install(name: string, options: ResolvedPoolOptions | undefined, failure?: App2WxappLoginError): TenantEntry {
    const now = this.now();
    const old = this.entries.get(name);
    const entry = new TenantEntry(name, options, failure, now, this.settings.refreshMs);
    if (old) {
      entry.secretCheckedAt = old.secretCheckedAt;
      if (old.options && options && sameSettings(old.options, options)) {
        // Nothing changed: keep its connections, circuit state and concurrency limit.
        entry.pipeline = old.pipeline;
        entry.lastUsed = old.lastUsed;
      } else {
        old.pipeline?.retire();
      }
      if (old.options && this.byUserPool.get(old.options.userPoolId) === name) this.byUserPool.delete(old.options.userPoolId);
      this.entries.delete(name);
    }
    if (options) this.byUserPool.set(options.userPoolId, name);
    this.entries.set(name, entry);
    while (this.entries.size > this.settings.maxTenants) {
      this.drop(this.entries.keys().next().value!);
    }
    return entry;
  }

  private drop(name: string): boolean {
    const entry = this.entries.get(name);
    if (!entry) return false;
    this.entries.delete(name);
    if (entry.options && this.byUserPool.get(entry.options.userPoolId) === name) this.byUserPool.delete(entry.options.userPoolId);
    entry.pipeline?.retire();
    return true;
  }

  private remember(name: string, down: boolean, ttlMs: number): void {
    this.unknown.delete(name);
    this.unknown.set(name, { until: this.now() + ttlMs, down });
    // Oldest first: random names from a scan push out each other, never a loaded tenant.
    while (this.unknown.size > this.settings.maxUnknownTenants) {
      this.unknown.delete(this.unknown.keys().next().value!);
    }
  }
}

/** The secret Authing checks for this flow: the user pool secret (ticket) or the app secret (app-launch). */
function secretOf(options: ResolvedPoolOptions): string | undefined {
  return options.flow === 'app-launch' ? options.appSecret : options.secret;
}

/** The tenants' shared replay store, unless the tenant's own options choose one. */
function withSharedStore(raw: unknown, store: ResolvedTenantsOptions['replayStore']): App2WxappPoolOptions<any> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw as App2WxappPoolOptions<any>;
  const options = raw as App2WxappPoolOptions<any>;
  return options.replayStore === undefined ? { ...options, replayStore: store } : options;
}

/** Same settings: every option the same value (functions the same object), so the pipeline can stay. */
function sameSettings(a: ResolvedPoolOptions, b: ResolvedPoolOptions): boolean {
  const keys = Object.keys(a) as (keyof ResolvedPoolOptions)[];
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) {
    const x: unknown = a[key];
    const y: unknown = (b as unknown as Record<string, unknown>)[key];
    if (Array.isArray(x) && Array.isArray(y)) {
      // An app-launch pool's `issuers` and `jwksUrls`: new arrays on every resolve, the same strings.
      if (x.length !== y.length || x.some((v, i) => v !== y[i])) return false;
    } else if (key === 'circuitBreaker' && x && y) {
      const p = x as { threshold: number; cooldownMs: number };
      const q = y as { threshold: number; cooldownMs: number };
      if (p.threshold !== q.threshold || p.cooldownMs !== q.cooldownMs) return false;
    } else if (x !== y) {
      return false;
    }
  }
  return true;
}

function describe(err: unknown): string {
  const e = err as { name?: string; code?: string };
  return [e?.name, e?.code].filter(Boolean).join(' ') || 'unknown error';
}
