import { type ExecutionContext, HttpException, Inject, Injectable, Logger } from '@nestjs/common';
import { APP2WXAPP_LOGGER_CONTEXT } from '../app2wxapp.constants';
import { App2WxappClient } from '../client/app2wxapp.client';
import type { App2WxappProfile } from '../profile/app2wxapp-profile.interface';
import { App2WxappLoginError } from '../failure/app2wxapp-login.error';
import { LoginFailures } from '../failure/login-failures';
import type { App2WxappLoginInfo } from '../options/app2wxapp-options.interface';
import type { ResolvedApp2WxappOptions } from '../options/app2wxapp-options.schema';
import { MemoryTicketReplayStore } from '../replay/memory-ticket-replay.store';
import { Deadline, raceAbort } from '../shared/deadline.utils';
import { POOL_CLIENT, RESOLVED_OPTIONS } from '../shared/internal.tokens';
import { isFlagSet } from '../shared/record.utils';
import { ticketDigest, ticketProblem, ticketTag } from '../shared/ticket.utils';
import { App2WxappTelemetry, type LoginTrace } from '../telemetry/app2wxapp.telemetry';
import { setRetryAfter } from './login-context.utils';
import { extractGraphqlTicket, extractTicket, presentsNoTicket } from './ticket.extractor';

const RELEASE_TIMEOUT_MS = 1000;

/** One login under way: its trace, and whether the app's own code (a hook) is running, whose errors are the app's. */
interface LoginRun {
  readonly trace: LoginTrace | undefined;
  inAppCode: boolean;
}

/**
 * One pool's whole login: check the ticket's shape, claim it in the replay store, exchange it with Authing, refuse
 * blocked or deleted users, run `validateUser`. The guard, the Passport strategy and apps (WebSocket gateways, queue
 * consumers) all log in through it. Failures are `HttpException`s with the statuses of the README's table.
 */
@Injectable()
export class App2WxappAuthenticator<TUser = unknown> {
  private readonly logger = new Logger(APP2WXAPP_LOGGER_CONTEXT);
  private readonly info: App2WxappLoginInfo;
  /** The built-in store, when its claim is not overridden: claimed synchronously, no race against the deadline. */
  private readonly memoryStore?: MemoryTicketReplayStore;

  constructor(
    @Inject(POOL_CLIENT) private readonly client: App2WxappClient,
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedApp2WxappOptions,
    @Inject(App2WxappTelemetry) private readonly telemetry: App2WxappTelemetry,
  ) {
    this.info = Object.freeze({ pool: options.pool });
    const store = options.replayStore;
    if (store instanceof MemoryTicketReplayStore && store.claim === MemoryTicketReplayStore.prototype.claim) this.memoryStore = store;
  }

  /** The pool's name: `'default'`, or the `name` given to `forRoot` / `forRootAsync`. */
  get pool(): string {
    return this.options.pool;
  }

  /** The Authing user pool id this pool logs users in to. */
  get userPoolId(): string {
    return this.options.userPoolId;
  }

  /** Logs a user in with a ticket from anywhere; `request` is handed to `validateUser` as is. */
  authenticate(ticket: unknown, request?: unknown): Promise<TUser> {
    return this.traced((run) => this.login(ticket, request, run));
  }

  /** @internal The guard's entry: the ticket is read from the request (or a GraphQL resolver's arguments) first. */
  authenticateRequest(request: any, context?: ExecutionContext, graphqlArgs?: unknown): Promise<TUser> {
    return this.traced(async (run) => {
      const extractor = this.options.ticketExtractor;
      const ticket = extractor
        ? await this.appCode(run, () => extractor(request, context))
        : graphqlArgs !== undefined
          ? extractGraphqlTicket(graphqlArgs, request)
          : extractTicket(request);
      return this.login(ticket, request, run);
    });
  }

  /** @internal Passport's entry: a request without any ticket fails softly, so that a composed guard tries on. */
  async authenticatePassport(request: any): Promise<TUser | [false, { message: string }]> {
    if (!this.options.ticketExtractor && presentsNoTicket(request)) return [false, { message: 'No ticket was presented' }];
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

  private async login(ticket: unknown, request: unknown, run: LoginRun): Promise<TUser> {
    const problem = ticketProblem(ticket);
    if (problem) throw LoginFailures.invalidTicket(problem);

    const key = this.options.claimPrefix + ticketDigest(ticket as string);
    // One deadline for the claim and the exchange together: a slow replay store eats into the exchange's time.
    const limit = new Deadline(this.options.timeoutMs);
    let profile: App2WxappProfile;
    try {
      if (this.memoryStore) this.claimInMemory(this.memoryStore, key);
      else await this.claim(key, limit);
      try {
        profile = await this.client.exchange(ticket as string, limit, run.trace);
      } catch (err) {
        // The failure says whether the ticket is still good (a 5xx, a misconfiguration, a refusal that Authing will
        // repeat): then its claim is freed, so that the app may present it again while it lives.
        if (err instanceof App2WxappLoginError && err.freesClaim) await this.release(key);
        throw err;
      }
    } finally {
      limit.clear();
    }

    // From here on Authing has spent the ticket: the claim stays, whatever happens (docs/options.md).
    if (isFlagSet(profile.raw.isDeleted)) throw LoginFailures.deleted();
    if (profile.blocked && !this.options.allowBlockedUsers) throw LoginFailures.blocked();
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
    const pending = store.claim(key, this.options.ticketTtlMs);
    let claimed: boolean;
    try {
      claimed = await raceAbort(pending, limit.signal);
    } catch (err) {
      if (limit.signal.aborted && err === limit.signal.reason) {
        // The claim may still land after we gave up on it: then free it, or the ticket is burnt with no exchange made.
        pending.then((won) => (won ? this.release(key) : undefined), () => undefined);
        this.logger.warn(`Replay store did not answer in time (pool ${this.options.pool}, ticket #${ticketTag(key)})`);
        throw LoginFailures.replayStore();
      }
      if (err instanceof App2WxappLoginError) throw err;
      this.logger.warn(`Replay store unavailable (pool ${this.options.pool}, ticket #${ticketTag(key)}): ${describe(err)}`);
      throw LoginFailures.replayStore();
    }
    if (!claimed) this.refuseReplay(key);
  }

  private claimInMemory(store: MemoryTicketReplayStore, key: string): void {
    // Throws App2WxappReplayStoreError (503) when full.
    if (!store.claimNow(key, this.options.ticketTtlMs)) this.refuseReplay(key);
  }

  private refuseReplay(key: string): never {
    this.logger.warn(`Refused a ticket that was already presented (pool ${this.options.pool}, ticket #${ticketTag(key)})`);
    throw LoginFailures.replayed();
  }

  private async release(key: string): Promise<void> {
    const store = this.options.replayStore;
    if (!store) return;
    try {
      // Bounded on its own: the login's deadline may have passed already (a 504).
      await raceAbort(store.release(key), AbortSignal.timeout(RELEASE_TIMEOUT_MS));
    } catch (err) {
      this.logger.warn(`Could not release ticket #${ticketTag(key)} in the replay store: ${describe(err)}`);
    }
  }
}

function describe(err: unknown): string {
  const e = err as { name?: string; code?: string };
  return [e?.name, e?.code].filter(Boolean).join(' ') || 'unknown error';
}
