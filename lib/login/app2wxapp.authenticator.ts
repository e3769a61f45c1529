import {
  type ExecutionContext,
  ForbiddenException,
  HttpException,
  Inject,
  Injectable,
  InternalServerErrorException,
  Logger,
  UnauthorizedException,
} from '@nestjs/common';
import { APP2WXAPP_LOGGER_CONTEXT } from '../app2wxapp.constants';
import { App2WxappClient } from '../client/app2wxapp.client';
import { App2WxappUpstreamError } from '../client/app2wxapp-upstream.errors';
import type { App2WxappProfile } from '../client/app2wxapp-profile.interface';
import { isFlagSet } from '../client/app2wxapp-profile.mapper';
import { Deadline, raceAbort } from '../client/deadline.utils';
import type { App2WxappLoginInfo } from '../options/app2wxapp-options.interface';
import { RESOLVED_OPTIONS, type ResolvedApp2WxappOptions } from '../options/app2wxapp-options.schema';
import { MemoryTicketReplayStore } from '../replay/memory-ticket-replay.store';
import { App2WxappReplayStoreError } from '../replay/replay-store.errors';
import { App2WxappTelemetry, type LoginTrace } from '../telemetry/app2wxapp.telemetry';
import { POOL_CLIENT } from './login.constants';
import { setRetryAfter } from './login-context.utils';
import { outcomeOf, tagged } from './login-outcome';
import { extractGraphqlTicket, extractTicket, presentsNoTicket } from './ticket.extractor';
import { ticketDigest, ticketProblem, ticketTag } from './ticket.utils';

const RELEASE_TIMEOUT_MS = 1000;

/** An error thrown by the app's own hooks: passed on untouched, it is the app's to report. */
class HookError {
  constructor(readonly error: unknown) {}
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
    return this.traced((trace) => this.login(ticket, request, trace));
  }

  /** @internal The guard's entry: the ticket is read from the request (or a GraphQL resolver's arguments) first. */
  authenticateRequest(request: any, context?: ExecutionContext, graphqlArgs?: unknown): Promise<TUser> {
    return this.traced(async (trace) => {
      const extractor = this.options.ticketExtractor;
      const ticket = extractor
        ? await this.hook(() => extractor(request, context))
        : graphqlArgs !== undefined
          ? extractGraphqlTicket(graphqlArgs, request)
          : extractTicket(request);
      return this.login(ticket, request, trace);
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
  private async traced(body: (trace: LoginTrace | undefined) => Promise<TUser>): Promise<TUser> {
    const trace = this.telemetry.startLogin(this.options);
    try {
      const user = await this.telemetry.runInLogin(trace, () => body(trace));
      this.telemetry.endLogin(trace, 'success', 200);
      return user;
    } catch (err) {
      throw this.failed(err, trace);
    }
  }

  private async login(ticket: unknown, request: unknown, trace: LoginTrace | undefined): Promise<TUser> {
    const problem = ticketProblem(ticket);
    if (problem) throw tagged(new UnauthorizedException(problem), 'invalid-ticket');

    const key = this.options.claimPrefix + ticketDigest(ticket as string);
    // One deadline for the claim and the exchange together: a slow replay store eats into the exchange's time.
    const limit = new Deadline(this.options.timeoutMs);
    let profile: App2WxappProfile;
    try {
      if (this.memoryStore) this.claimInMemory(this.memoryStore, key);
      else await this.claim(key, limit);
      try {
        profile = await this.client.exchange(ticket as string, limit, trace);
      } catch (err) {
        // Transient: the ticket may still be good, so the app may present it again while it lives.
        if (err instanceof App2WxappUpstreamError) await this.release(key);
        throw err;
      }
    } finally {
      limit.clear();
    }

    if (isFlagSet(profile.raw.isDeleted)) throw tagged(new ForbiddenException('This user has been deleted in Authing'), 'blocked');
    if (profile.blocked && !this.options.allowBlockedUsers) throw tagged(new ForbiddenException('This user is blocked in Authing'), 'blocked');
    const validateUser = this.options.validateUser;
    if (!validateUser) return profile as TUser;

    let user: unknown;
    try {
      user = await this.hook(() => validateUser(profile, request, this.info));
    } catch (err) {
      // The app failed, not the user: keep the ticket usable (a 4xx is the app's verdict on the user).
      if (!(err instanceof HookError && err.error instanceof HttpException && err.error.getStatus() < 500)) await this.release(key);
      throw err;
    }
    if (user === null || user === undefined || user === false) {
      throw tagged(new UnauthorizedException('This user may not log in to this app'), 'refused-by-app');
    }
    return user as TUser;
  }

  private failed(err: unknown, trace: LoginTrace | undefined): unknown {
    if (err instanceof HookError) {
      const error = err.error;
      const status = error instanceof HttpException ? error.getStatus() : 500;
      this.telemetry.endLogin(trace, error instanceof HttpException ? 'refused-by-app' : 'internal', status);
      return error;
    }
    if (!(err instanceof HttpException)) {
      // A bug of ours: its message may quote request data, so only its type is logged.
      this.logger.error(`Internal error during a login of pool ${this.options.pool}: ${(err as Error)?.name ?? typeof err}`);
      this.telemetry.endLogin(trace, 'internal', 500);
      return new InternalServerErrorException('Login failed because of an internal error');
    }
    const { outcome, status } = outcomeOf(err);
    this.telemetry.endLogin(trace, outcome, status);
    return err;
  }

  private async hook<T>(fn: () => T | Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new HookError(err);
    }
  }

  private async claim(key: string, limit: Deadline): Promise<void> {
    const store = this.options.replayStore;
    if (!store) return;
    let claimed: boolean;
    try {
      claimed = await raceAbort(store.claim(key, this.options.ticketTtlMs), limit.signal);
    } catch (err) {
      if (err instanceof App2WxappReplayStoreError) throw err;
      this.logger.warn(`Replay store unavailable (pool ${this.options.pool}, ticket #${ticketTag(key)}): ${describe(err)}`);
      throw new App2WxappReplayStoreError('Login is unavailable: the ticket replay store does not answer', 1);
    }
    if (!claimed) this.refuseReplay(key);
  }

  private claimInMemory(store: MemoryTicketReplayStore, key: string): void {
    // Throws App2WxappReplayStoreError (503) when full.
    if (!store.claimNow(key, this.options.ticketTtlMs)) this.refuseReplay(key);
  }

  private refuseReplay(key: string): never {
    this.logger.warn(`Refused a ticket that was already presented (pool ${this.options.pool}, ticket #${ticketTag(key)})`);
    throw tagged(new UnauthorizedException('This ticket has already been used'), 'replayed');
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
