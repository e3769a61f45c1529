import { type ExecutionContext, HttpException, Inject, Injectable, Logger } from '@nestjs/common';
import { APP2WXAPP_LOGGER_CONTEXT } from '../app2wxapp.constants';
import type { LoginExchange } from '../client/login-exchange.interface';
import type { App2WxappProfile } from '../profile/app2wxapp-profile.interface';
import { App2WxappLoginError } from '../failure/app2wxapp-login.error';
import { LoginFailures } from '../failure/login-failures';
import type { App2WxappLoginInfo } from '../options/app2wxapp-options.interface';
import type { ResolvedApp2WxappOptions, ResolvedAppLaunchOptions, ResolvedPoolOptions } from '../options/app2wxapp-options.schema';
import { MemoryTicketReplayStore } from '../replay/memory-ticket-replay.store';
import { Deadline, raceAbort } from '../shared/deadline.utils';
import { POOL_CLIENT, RESOLVED_OPTIONS } from '../shared/internal.tokens';
import { isFlagSet } from '../shared/record.utils';
import { type AppLaunchCodes, appLaunchCodeDigest, appLaunchCodesProblem } from '../shared/app-launch-code.utils';
import { ticketDigest, ticketProblem, ticketTag } from '../shared/ticket.utils';
import { App2WxappTelemetry, type LoginTrace } from '../telemetry/app2wxapp.telemetry';
import { setRetryAfter } from './login-context.utils';
import { extractAppLaunchCodes, extractGraphqlAppLaunchCodes, presentsNoCodes, readAppLaunchCodes } from './app-launch-code.extractor';
import { extractGraphqlTicket, extractTicket, presentsNoTicket } from './ticket.extractor';

const RELEASE_TIMEOUT_MS = 1000;

/** One login under way: its trace, and whether the app's own code (a hook) is running, whose errors are the app's. */
interface LoginRun {
  readonly trace: LoginTrace | undefined;
  inAppCode: boolean;
}

/**
 * What differs between the flows, chosen once per pool in the constructor: a ticket login runs the same calls as
 * before the app-launch flow existed (no branch, no allocation and no await added per login).
 */
interface CredentialFlow {
  /** How log lines and the replay refusal name the credential. */
  readonly noun: string;
  /** How long a used credential is remembered. */
  readonly ttlMs: number;
  /** The app's own extractor, if it has one. */
  readonly extractor?: (request: any, context?: ExecutionContext) => unknown;
  /** The credential in the request's default places (throws a 401 for a malformed one). */
  fromRequest(request: any): unknown;
  /** The credential in a GraphQL resolver's arguments (or the HTTP request under it). */
  fromGraphql(args: unknown, request: any): unknown;
  /** What the app's extractor returned, as the exchange takes it. */
  fromExtractor(value: unknown): unknown;
  /** Whether the request holds nothing in the default places: Passport then fails softly. */
  presentsNothing(request: any): boolean;
  /** The credential as the exchange takes it, or a 401 thrown before any call (never quoting it). */
  checked(credential: unknown): unknown;
  /** The replay claim's key, without the prefix. */
  digest(credential: unknown): string;
  /** Why Authing's user may not get in although Authing signed them in (fail-closed), or `undefined`. */
  refusal(profile: App2WxappProfile): App2WxappLoginError | undefined;
}

const same = (value: unknown) => value;

function ticketFlow(options: ResolvedApp2WxappOptions): CredentialFlow {
  return {
    noun: 'ticket',
    ttlMs: options.ticketTtlMs,
    extractor: options.ticketExtractor,
    fromRequest: extractTicket,
    fromGraphql: extractGraphqlTicket,
    fromExtractor: same,
    presentsNothing: presentsNoTicket,
    checked: (ticket) => {
      const problem = ticketProblem(ticket);
      if (problem) throw LoginFailures.invalidTicket(problem);
      return ticket;
    },
    digest: ticketDigest as (ticket: unknown) => string,
    refusal: (profile) => {
      if (isFlagSet(profile.raw.isDeleted)) return LoginFailures.deleted();
      if (profile.blocked && !options.allowBlockedUsers) return LoginFailures.blocked();
      return undefined;
    },
  };
}

function appLaunchFlow(options: ResolvedAppLaunchOptions): CredentialFlow {
  return {
    noun: 'WeChat code',
    ttlMs: options.codeTtlMs,
    extractor: options.codeExtractor,
    fromRequest: extractAppLaunchCodes,
    fromGraphql: extractGraphqlAppLaunchCodes,
    fromExtractor: readAppLaunchCodes,
    presentsNothing: presentsNoCodes,
    checked: (codes) => {
      const problem = appLaunchCodesProblem(codes);
      if (problem) throw LoginFailures.invalidCode(problem);
      // A fresh object with the two checked strings only: nothing else the caller passed travels on.
      const { code, phoneInfoCode } = codes as AppLaunchCodes;
      return { code, phoneInfoCode };
    },
    digest: appLaunchCodeDigest as (codes: unknown) => string,
    // The client already refused any status but exactly `Activated` (403). `blocked` is the profile's own reading of
    // that status, and there is no `allowBlockedUsers` here: a profile that says blocked never gets in. v3 has no
    // `isDeleted` (a deleted user cannot sign in), so the ticket flow's flag is not read.
    refusal: (profile) => (profile.blocked === false ? undefined : LoginFailures.userRefused("This user's status in Authing is not Activated")),
  };
}

/**
 * One pool's whole login, whatever its flow: read the credential (a ticket, or the WeChat codes of an app-launched
 * mini program), check its shape, claim it in the replay store, exchange it with Authing, refuse users who may not
 * get in, run `validateUser`. The guard, the Passport strategy and apps (WebSocket gateways, queue consumers) all log
 * in through it. Failures are `HttpException`s with the statuses of the README's table.
 */
@Injectable()
export class App2WxappAuthenticator<TUser = unknown> {
  private readonly logger = new Logger(APP2WXAPP_LOGGER_CONTEXT);
  private readonly info: App2WxappLoginInfo;
  /** The built-in store, when its claim is not overridden: claimed synchronously, no race against the deadline. */
  private readonly memoryStore?: MemoryTicketReplayStore;
  private readonly flow: CredentialFlow;

  constructor(
    @Inject(POOL_CLIENT) private readonly client: LoginExchange<any>,
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedPoolOptions,
    @Inject(App2WxappTelemetry) private readonly telemetry: App2WxappTelemetry,
  ) {
    this.info = Object.freeze({ pool: options.pool });
    const store = options.replayStore;
    if (store instanceof MemoryTicketReplayStore && store.claim === MemoryTicketReplayStore.prototype.claim) this.memoryStore = store;
    this.flow = options.flow === 'app-launch' ? appLaunchFlow(options) : ticketFlow(options);
  }

  /** The pool's name: `'default'`, or the `name` given to `forRoot` / `forRootAsync`. */
  get pool(): string {
    return this.options.pool;
  }

  /** The Authing user pool id this pool logs users in to. */
  get userPoolId(): string {
    return this.options.userPoolId;
  }

  /**
   * Logs a user in with a credential from anywhere (a WebSocket message, a queue job): a ticket string for a ticket
   * pool, `{ code, phoneInfoCode }` for an app-launch pool. `request` is handed to `validateUser` as is.
   */
  authenticate(credential: unknown, request?: unknown): Promise<TUser> {
    return this.traced((run) => this.login(credential, request, run));
  }

  /** @internal The guard's entry: the credential is read from the request (or a GraphQL resolver's arguments) first. */
  authenticateRequest(request: any, context?: ExecutionContext, graphqlArgs?: unknown): Promise<TUser> {
    const flow = this.flow;
    const extractor = flow.extractor;
    if (extractor) {
      return this.traced(async (run) => {
        const credential = flow.fromExtractor(await this.appCode(run, () => extractor(request, context)));
        return this.login(credential, request, run);
      });
    }
    // Without an extractor the credential is read at once: no async step of its own before the login's (a 401 that
    // reading throws still ends in traced, as a rejection).
    return this.traced((run) =>
      this.login(graphqlArgs !== undefined ? flow.fromGraphql(graphqlArgs, request) : flow.fromRequest(request), request, run),
    );
  }

  /** @internal Passport's entry: a request without any credential fails softly, so that a composed guard tries on. */
  async authenticatePassport(request: any): Promise<TUser | [false, { message: string }]> {
    if (!this.flow.extractor && this.flow.presentsNothing(request)) return [false, { message: `No ${this.flow.noun} was presented` }];
    try {
      return await this.authenticateRequest(request);
    } catch (err) {
      // Passport hands the strategy the request only; Express links it to its response, Fastify does not.
      setRetryAfter(err, request?.res);
      throw err;
    }
  }

  /** One login span around `body`, ended with the login's outcome. */
  private async traced(body: (run: LoginRun) => Promise<TUser>): Promise<TUser> {
    const run: LoginRun = { trace: this.telemetry.startLogin(this.options), inAppCode: false };
    try {
      const user = await this.telemetry.runInLogin(run.trace, () => body(run));
      this.telemetry.endLogin(run.trace, 'success', 200);
      return user;
    } catch (err) {
      throw this.failed(err, run);
    }
  }

  private async login(presented: unknown, request: unknown, run: LoginRun): Promise<TUser> {
    const flow = this.flow;
    const credential = flow.checked(presented);

    const key = this.options.claimPrefix + flow.digest(credential);
    // One deadline for the claim and the exchange together: a slow replay store eats into the exchange's time.
    const limit = new Deadline(this.options.timeoutMs);
    let profile: App2WxappProfile;
    try {
      if (this.memoryStore) this.claimInMemory(this.memoryStore, key);
      else await this.claim(key, limit);
      try {
        profile = await this.client.exchange(credential, limit, run.trace);
      } catch (err) {
        // The failure says whether the credential is still good (a 5xx, a misconfiguration, a refusal that Authing
        // will repeat): then its claim is freed, so that the app may present it again while it lives.
        if (err instanceof App2WxappLoginError && err.freesClaim) await this.release(key);
        throw err;
      }
    } finally {
      limit.clear();
    }

    // From here on Authing has spent the credential: the claim stays, whatever happens (docs/options.md).
    const refusal = flow.refusal(profile);
    if (refusal) throw refusal;
    const validateUser = this.options.validateUser;
    if (!validateUser) return profile as TUser;

    const user = await this.appCode(run, () => validateUser(profile, request, this.info));
    // "A falsy answer is a refusal", on every entry: 0, '' and NaN included.
    if (!user) throw LoginFailures.refusedByApp();
    return user as TUser;
  }

  /** Runs the app's own code (a hook): an error it throws is the app's, passed on untouched. */
  private async appCode<T>(run: LoginRun, fn: () => T | Promise<T>): Promise<T> {
    run.inAppCode = true;
    const value = await fn();
    run.inAppCode = false;
    return value;
  }

  private failed(err: unknown, run: LoginRun): unknown {
    if (run.inAppCode) {
      // The app's error, the app's to report (Nest logs a non-HttpException as a 500 itself).
      const status = err instanceof HttpException ? err.getStatus() : 500;
      this.telemetry.endLogin(run.trace, err instanceof HttpException && status < 500 ? 'refused-by-app' : 'internal', status);
      return err;
    }
    let error: App2WxappLoginError;
    if (err instanceof App2WxappLoginError) {
      error = err;
    } else {
      // A bug of ours: its message may quote request data, so only its type is logged.
      this.logger.error(`Internal error during a login of pool ${this.options.pool}: ${(err as Error)?.name ?? typeof err}`);
      error = LoginFailures.internal();
    }
    this.telemetry.endLogin(run.trace, error.kind, error.getStatus());
    return error;
  }

  private async claim(key: string, limit: Deadline): Promise<void> {
    const store = this.options.replayStore;
    if (!store) return;
    const pending = store.claim(key, this.flow.ttlMs);
    let claimed: boolean;
    try {
      claimed = await raceAbort(pending, limit.signal);
    } catch (err) {
      if (limit.signal.aborted && err === limit.signal.reason) {
        // The claim may still land after we gave up on it: then free it, or the ticket is burnt with no exchange made.
        pending.then(
          (won) => (won ? this.release(key) : undefined),
          () => undefined,
        );
        this.logger.warn(`Replay store did not answer in time (pool ${this.options.pool}, ${this.flow.noun} #${ticketTag(key)})`);
        throw LoginFailures.replayStore();
      }
      if (err instanceof App2WxappLoginError) throw err;
      this.logger.warn(`Replay store unavailable (pool ${this.options.pool}, ${this.flow.noun} #${ticketTag(key)}): ${describe(err)}`);
      throw LoginFailures.replayStore();
    }
    if (!claimed) this.refuseReplay(key);
  }

  private claimInMemory(store: MemoryTicketReplayStore, key: string): void {
    // Throws App2WxappReplayStoreError (503) when full.
    if (!store.claimNow(key, this.flow.ttlMs)) this.refuseReplay(key);
  }

  private refuseReplay(key: string): never {
    this.logger.warn(`Refused a ${this.flow.noun} that was already presented (pool ${this.options.pool}, ${this.flow.noun} #${ticketTag(key)})`);
    throw LoginFailures.replayed(this.flow.noun);
  }

  private async release(key: string): Promise<void> {
    const store = this.options.replayStore;
    if (!store) return;
    try {
      // Bounded on its own: the login's deadline may have passed already (a 504).
      await raceAbort(store.release(key), AbortSignal.timeout(RELEASE_TIMEOUT_MS));
    } catch (err) {
      this.logger.warn(`Could not release ${this.flow.noun} #${ticketTag(key)} in the replay store: ${describe(err)}`);
    }
  }
}

function describe(err: unknown): string {
  const e = err as { name?: string; code?: string };
  return [e?.name, e?.code].filter(Boolean).join(' ') || 'unknown error';
}
