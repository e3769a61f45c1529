import {
  ForbiddenException,
  HttpException,
  Inject,
  Injectable,
  InternalServerErrorException,
  Logger,
  type OnModuleDestroy,
  UnauthorizedException,
} from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-custom';
import { App2WxappClient } from './app2wxapp.client';
import { APP2WXAPP_LOGGER_CONTEXT, APP2WXAPP_STRATEGY, RESOLVED_OPTIONS } from './app2wxapp.constants';
import { App2WxappReplayStoreError, App2WxappUpstreamError } from './app2wxapp.errors';
import type { ResolvedApp2WxappOptions } from './app2wxapp-options.schema';
import { deadline, raceAbort } from './abort.utils';
import { extractTicket } from './ticket.extractor';
import { ticketDigest, ticketProblem, ticketTag } from './ticket.utils';

const RELEASE_TIMEOUT_MS = 1000;

/** An error thrown by the app's own hooks: passed on untouched, it is the app's to report. */
class HookError {
  constructor(readonly error: unknown) {}
}

/**
 * Validates a presented ticket: extract, check its shape, claim it in the replay store, exchange it with Authing,
 * refuse blocked or deleted users, then hand the profile to the app's `validateUser` hook.
 */
@Injectable()
export class App2WxappStrategy extends PassportStrategy(Strategy, APP2WXAPP_STRATEGY) implements OnModuleDestroy {
  /** Passport keeps strategies in one process-wide registry: the last one registered serves every app. */
  private static live = 0;
  private readonly logger = new Logger(APP2WXAPP_LOGGER_CONTEXT);

  constructor(
    private readonly client: App2WxappClient,
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedApp2WxappOptions,
  ) {
    super();
    if (App2WxappStrategy.live++ > 0) {
      this.logger.warn('App2WxappModule is configured twice in one process; Passport uses the latest configuration for every app');
    }
  }

  onModuleDestroy(): void {
    App2WxappStrategy.live--;
  }

  async validate(request: any): Promise<unknown> {
    try {
      return await this.exchange(request);
    } catch (err) {
      if (err instanceof HookError) throw err.error;
      if (err instanceof HttpException) throw err;
      // A bug of ours: its message may quote request data, so only its type is logged.
      this.logger.error(`Internal error while validating a ticket: ${(err as Error)?.name ?? typeof err}`);
      throw new InternalServerErrorException('Login failed because of an internal error');
    }
  }

  private async exchange(request: any): Promise<unknown> {
    const ticket = this.options.ticketExtractor
      ? await this.hook(() => this.options.ticketExtractor!(request))
      : extractTicket(request);
    const problem = ticketProblem(ticket);
    if (problem) throw new UnauthorizedException(problem);

    const key = ticketDigest(ticket as string);
    // One deadline for the claim and the exchange together: a slow replay store eats into the exchange's time.
    const limit = deadline(this.options.timeoutMs);
    let profile;
    try {
      await this.claim(key, limit.signal);
      try {
        profile = await this.client.exchangeTicket(ticket as string, { signal: limit.signal });
      } catch (err) {
        // Transient: the ticket may still be good, so the app may present it again while it lives.
        if (err instanceof App2WxappUpstreamError) await this.release(key);
        throw err;
      }
    } finally {
      limit.clear();
    }

    if (profile.raw.isDeleted === true) throw new ForbiddenException('This user has been deleted in Authing');
    if (profile.blocked && !this.options.allowBlockedUsers) throw new ForbiddenException('This user is blocked in Authing');
    if (!this.options.validateUser) return profile;

    let user: unknown;
    try {
      user = await this.hook(() => this.options.validateUser!(profile, request));
    } catch (err) {
      // The app failed, not the user: keep the ticket usable (a 4xx is the app's verdict on the user).
      if (err instanceof HookError && !(err.error instanceof HttpException && err.error.getStatus() < 500)) await this.release(key);
      throw err;
    }
    if (user === null || user === undefined || user === false) {
      throw new UnauthorizedException('This user may not log in to this app');
    }
    return user;
  }

  private async hook<T>(fn: () => T | Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new HookError(err);
    }
  }

  private async claim(key: string, deadline: AbortSignal): Promise<void> {
    const store = this.options.replayStore;
    if (!store) return;
    let claimed: boolean;
    try {
      claimed = await raceAbort(store.claim(key, this.options.ticketTtlMs), deadline);
    } catch (err) {
      if (err instanceof App2WxappReplayStoreError) throw err;
      this.logger.warn(`Replay store unavailable (ticket #${ticketTag(key)}): ${describe(err)}`);
      throw new App2WxappReplayStoreError('Login is unavailable: the ticket replay store does not answer', 1);
    }
    if (!claimed) {
      this.logger.warn(`Refused a ticket that was already presented (ticket #${ticketTag(key)})`);
      throw new UnauthorizedException('This ticket has already been used');
    }
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
