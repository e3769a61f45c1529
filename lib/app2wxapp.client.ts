import { HttpService } from '@nestjs/axios';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { AxiosError, AxiosResponse } from 'axios';
import {
  BrokenCircuitError,
  type BulkheadPolicy,
  BulkheadRejectedError,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  type RetryPolicy,
  bulkhead,
  circuitBreaker,
  handleWhen,
  retry,
} from 'cockatiel';
import { APP2WXAPP_LOGGER_CONTEXT, MAX_UPSTREAM_BODY_BYTES, RESOLVED_OPTIONS } from './app2wxapp.constants';
import { App2WxappTicketRejectedError, App2WxappUpstreamError } from './app2wxapp.errors';
import type { App2WxappExchangeEvent } from './app2wxapp-options.interface';
import type { ResolvedApp2WxappOptions } from './app2wxapp-options.schema';
import type { App2WxappProfile } from './app2wxapp-profile.interface';
import { mapProfile } from './app2wxapp-profile.mapper';
import { deadline, raceAbort } from './abort.utils';
import { parseUpstreamAnswer } from './upstream-answer.parser';
import { ticketDigest, ticketProblem, ticketTag } from './ticket.utils';

/** Errors of requests that provably never left this process: the only ones that may be retried. */
const neverSent = new WeakSet<object>();

/**
 * Exchanges a ticket with Authing for the user's profile (`POST {host}/oauth/app2wxapp/auth/{userPoolId}`).
 * Usable without the guard, e.g. from a GraphQL resolver. Throws `App2WxappTicketRejectedError` (401) when Authing
 * says no and `App2WxappUpstreamError` (502/503/504) when Authing cannot be used.
 */
@Injectable()
export class App2WxappClient implements OnModuleDestroy {
  private readonly logger = new Logger(APP2WXAPP_LOGGER_CONTEXT);
  private readonly limiter: BulkheadPolicy;
  private readonly breaker?: CircuitBreakerPolicy;
  private readonly retryUnsent: RetryPolicy;
  private circuitOpenedAt = 0;

  constructor(
    private readonly http: HttpService,
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedApp2WxappOptions,
  ) {
    this.limiter = bulkhead(options.maxConcurrentExchanges, options.maxQueuedExchanges);
    this.breaker = this.createBreaker();
    this.retryUnsent = retry(
      handleWhen((err) => neverSent.has(err)),
      { maxAttempts: 1 },
    );
  }

  /**
   * @param options.signal an outer deadline (the guard's, which also covers the replay claim); the exchange ends at
   *   that signal or after `timeoutMs`, whichever comes first.
   */
  async exchangeTicket(ticket: string, options: { signal?: AbortSignal } = {}): Promise<App2WxappProfile> {
    const problem = ticketProblem(ticket);
    if (problem) throw new App2WxappTicketRejectedError(problem);

    const started = performance.now();
    const limit = deadline(this.options.timeoutMs, options.signal);
    const { signal } = limit;
    try {
      const profile = await raceAbort(
        this.limiter.execute(({ signal: s }) => this.throughBreaker(ticket, s), signal),
        signal,
      );
      this.report({ outcome: 'success', status: 200, durationMs: performance.now() - started });
      return profile;
    } catch (err) {
      const error = this.normalise(err);
      const durationMs = performance.now() - started;
      this.report({ outcome: outcomeOf(error), status: error.getStatus(), durationMs });
      this.logFailure(error, ticket, durationMs);
      throw error;
    } finally {
      limit.clear();
    }
  }

  onModuleDestroy(): void {
    const { httpAgent, httpsAgent } = this.http.axiosRef.defaults;
    httpAgent?.destroy?.();
    httpsAgent?.destroy?.();
  }

  /** Bulkhead → breaker → retry-if-unsent → POST. */
  private async throughBreaker(ticket: string, signal: AbortSignal): Promise<App2WxappProfile> {
    const attempt = (s: AbortSignal) => this.retryUnsent.execute(({ signal: r }) => this.post(ticket, r), s);
    const breaker = this.breaker;
    if (!breaker) return attempt(signal);
    // cockatiel makes callers wait for the half-open probe, however long it hangs; they fail fast instead.
    if (breaker.state === CircuitState.HalfOpen) throw new BrokenCircuitError();
    // A refusal proves Authing answers: the breaker sees it as a success, which ends a run of failures.
    const outcome = await breaker.execute(async ({ signal: s }) => {
      try {
        return { profile: await attempt(s) };
      } catch (err) {
        if (err instanceof App2WxappTicketRejectedError) return { refused: err };
        throw err;
      }
    }, signal);
    if ('refused' in outcome) throw outcome.refused;
    return outcome.profile;
  }

  private createBreaker(): CircuitBreakerPolicy | undefined {
    const settings = this.options.circuitBreaker;
    if (!settings) return undefined;
    const breaker = circuitBreaker(
      handleWhen((err) => err instanceof App2WxappUpstreamError),
      { halfOpenAfter: settings.cooldownMs, breaker: new ConsecutiveBreaker(settings.threshold) },
    );
    breaker.onBreak(() => {
      this.circuitOpenedAt = Date.now();
      this.logger.warn(`Circuit opened after ${settings.threshold} upstream failures; retrying in ${settings.cooldownMs} ms`);
    });
    breaker.onReset(() => this.logger.log('Circuit closed: Authing answers again'));
    return breaker;
  }

  private async post(ticket: string, signal: AbortSignal): Promise<App2WxappProfile> {
    const { secret, exchangeUrl, timeoutMs } = this.options;
    let response: AxiosResponse<string>;
    try {
      response = await this.http.axiosRef.post<string>(exchangeUrl, secret === undefined ? { ticket } : { secret, ticket }, {
        signal,
        timeout: timeoutMs,
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        responseType: 'text',
        transformResponse: [(data: unknown) => data],
        validateStatus: () => true,
        maxRedirects: 0,
        maxContentLength: MAX_UPSTREAM_BODY_BYTES,
        maxBodyLength: MAX_UPSTREAM_BODY_BYTES,
      });
    } catch (err) {
      throw transportError(err as AxiosError, signal);
    }
    return this.read(response.status, response.data, ticket);
  }

  private read(status: number, text: unknown, ticket: string): App2WxappProfile {
    if (status >= 500) {
      throw new App2WxappUpstreamError(`Authing answered HTTP ${status}`, 'http-status', 502, status);
    }
    if (status === 408 || status === 429) {
      throw new App2WxappUpstreamError(`Authing answered HTTP ${status}; try again shortly`, 'http-status', 503, status, 1);
    }
    if (status < 200 || (status >= 300 && status < 400)) {
      throw new App2WxappUpstreamError(`Authing answered HTTP ${status}`, 'http-status', 502, status);
    }
    let body: unknown;
    try {
      body = JSON.parse(typeof text === 'string' ? text : '');
    } catch {
      if (status >= 400) throw new App2WxappTicketRejectedError(`Authing refused the ticket (HTTP ${status})`, undefined, status);
      throw new App2WxappUpstreamError('Authing answered with a body that is not JSON', 'invalid-body', 502, status);
    }
    const answer = parseUpstreamAnswer(body);
    if (answer.kind === 'user') return mapProfile(answer.user, this.options.userPoolId);
    if (answer.kind === 'refused' || status >= 400) {
      const code = answer.kind === 'refused' ? answer.code : undefined;
      const reason = answer.kind === 'refused' && answer.message ? redact(answer.message, ticket, this.options.secret) : undefined;
      const detail = [code !== undefined ? `code ${code}` : undefined, status >= 400 ? `HTTP ${status}` : undefined].filter(Boolean).join(', ');
      throw new App2WxappTicketRejectedError(`Authing refused the ticket: ${reason ?? 'no reason given'} (${detail})`, code, status);
    }
    throw new App2WxappUpstreamError(`Authing's answer is unusable: ${answer.reason}`, answer.reason.includes('user') ? 'no-user' : 'invalid-body', 502, status);
  }

  private normalise(err: unknown): App2WxappUpstreamError | App2WxappTicketRejectedError {
    if (err instanceof App2WxappUpstreamError || err instanceof App2WxappTicketRejectedError) return err;
    if (err instanceof BrokenCircuitError) {
      const cooldown = this.options.circuitBreaker ? this.options.circuitBreaker.cooldownMs : 0;
      const retryAfter = Math.max(1, Math.ceil((this.circuitOpenedAt + cooldown - Date.now()) / 1000));
      return new App2WxappUpstreamError('Authing is failing; logins are paused briefly', 'circuit-open', 503, undefined, retryAfter);
    }
    if (err instanceof BulkheadRejectedError) {
      return new App2WxappUpstreamError('Too many logins in progress; try again shortly', 'overloaded', 503, undefined, 1);
    }
    if (isAbort(err)) {
      return new App2WxappUpstreamError(`Authing did not answer within ${this.options.timeoutMs} ms`, 'timeout', 504);
    }
    // Anything else is a bug of ours; its message may quote request data, so it is not passed on.
    this.logger.error(`Unexpected error during the ticket exchange: ${(err as Error)?.name ?? typeof err}`);
    return new App2WxappUpstreamError('The ticket exchange failed unexpectedly', 'invalid-body', 502);
  }

  private logFailure(error: App2WxappUpstreamError | App2WxappTicketRejectedError, ticket: string, durationMs: number): void {
    const upstream = error instanceof App2WxappTicketRejectedError
      ? `code ${error.upstreamCode ?? '-'}, HTTP ${error.upstreamStatus ?? '-'}`
      : `${error.failure}, HTTP ${error.upstreamStatus ?? '-'}`;
    this.logger.warn(
      `Ticket exchange failed (ticket #${ticketTag(ticketDigest(ticket))}): ${error.getStatus()} ${upstream}, ${Math.round(durationMs)} ms`,
    );
  }

  private report(event: App2WxappExchangeEvent): void {
    if (!this.options.onExchange) return;
    try {
      this.options.onExchange(event);
    } catch (err) {
      this.logger.error(`onExchange threw ${(err as Error)?.name ?? 'an error'}; ignored`);
    }
  }
}

function outcomeOf(error: App2WxappUpstreamError | App2WxappTicketRejectedError): App2WxappExchangeEvent['outcome'] {
  if (error instanceof App2WxappTicketRejectedError) return 'rejected';
  if (error.failure === 'timeout') return 'timeout';
  if (error.failure === 'circuit-open' || error.failure === 'overloaded') return error.failure;
  return 'upstream-error';
}

/** Maps a transport failure to a safe error. An AxiosError carries `config.data`, the secret: never pass it on. */
function transportError(err: AxiosError, signal: AbortSignal): App2WxappUpstreamError {
  if (signal.aborted || isAbort(err)) {
    return new App2WxappUpstreamError('Authing did not answer in time', 'timeout', 504);
  }
  const code = err?.code ?? '';
  if (code === 'ECONNREFUSED') {
    const error = new App2WxappUpstreamError('Authing is unreachable (connection refused)', 'unreachable', 503, undefined, 1);
    neverSent.add(error);
    return error;
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new App2WxappUpstreamError("Authing's host name does not resolve", 'unreachable', 503, undefined, 1);
  }
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') {
    return new App2WxappUpstreamError('Authing did not answer in time', 'timeout', 504);
  }
  if (code === 'ERR_BAD_RESPONSE' || code === 'ERR_FR_MAX_CONTENT_LENGTH_EXCEEDED' || /maxContentLength/.test(err?.message ?? '')) {
    return new App2WxappUpstreamError("Authing's answer is too large or malformed", 'invalid-body', 502);
  }
  if (/CERT|SSL|TLS/i.test(code)) {
    return new App2WxappUpstreamError("Authing's TLS certificate could not be verified", 'unreachable', 502);
  }
  return new App2WxappUpstreamError(`The connection to Authing failed (${code || 'no answer'})`, 'unreachable', 502);
}

function isAbort(err: unknown): boolean {
  const e = err as { name?: string; code?: string };
  return e?.name === 'TimeoutError' || e?.name === 'AbortError' || e?.name === 'CanceledError' || e?.code === 'ERR_CANCELED';
}

function redact(text: string, ...secrets: (string | undefined)[]): string {
  return secrets.reduce<string>((out, s) => (s ? out.split(s).join('[redacted]') : out), text);
}
