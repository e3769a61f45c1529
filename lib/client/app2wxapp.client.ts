import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { HttpService } from '@nestjs/axios';
import { Inject, Injectable, Logger, type OnModuleDestroy, Optional } from '@nestjs/common';
import type { AxiosError, AxiosResponse } from 'axios';
import { BrokenCircuitError, BulkheadRejectedError } from 'cockatiel';
import { APP2WXAPP_LOGGER_CONTEXT, MAX_UPSTREAM_BODY_BYTES } from '../app2wxapp.constants';
import type { App2WxappExchangeEvent } from '../options/app2wxapp-options.interface';
import { RESOLVED_OPTIONS, type ResolvedApp2WxappOptions } from '../options/app2wxapp-options.schema';
import { App2WxappTelemetry, type ExchangeTrace, type LoginTrace } from '../telemetry/app2wxapp.telemetry';
import { ticketDigest, ticketProblem, ticketTag } from '../login/ticket.utils';
import { App2WxappTicketRejectedError, App2WxappUpstreamError } from './app2wxapp-upstream.errors';
import type { App2WxappProfile } from './app2wxapp-profile.interface';
import { type CircuitSnapshot, ExchangePolicies, noTimeLeft } from './exchange.policies';
import { type Deadline, deadline } from './deadline.utils';
import { type KeepAliveAgent, keepAliveAgent } from './keep-alive.agent';
import { readAnswer } from './upstream-answer.reader';

/** Errors after which one immediate retry is safe: the request provably never reached Authing. */
const retrySafe = new WeakSet<object>();

/**
 * The low-level exchange: `POST {host}/oauth/app2wxapp/auth/{userPoolId}` for the user's profile, through a
 * bulkhead and a circuit breaker. It has **no replay protection and no blocked check**: log users in with
 * `App2WxappAuthenticator` or `App2WxappGuard`. Throws `App2WxappTicketRejectedError` (401) when Authing says no,
 * and `App2WxappUpstreamError` (502/503/504) when Authing cannot be used.
 */
@Injectable()
export class App2WxappClient implements OnModuleDestroy {
  private readonly logger = new Logger(APP2WXAPP_LOGGER_CONTEXT);
  private readonly policies: ExchangePolicies;
  /** One pool, one set of keep-alive connections, closed when idle before a load balancer would. */
  private readonly keepAlive: KeepAliveAgent;
  /** For the one retry after a stale connection: a new connection, never a reused one. */
  private readonly freshAgent: HttpAgent;
  private readonly headers = { 'content-type': 'application/json', accept: 'application/json' };

  constructor(
    private readonly http: HttpService,
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedApp2WxappOptions,
    @Optional() @Inject(App2WxappTelemetry) private readonly telemetry?: App2WxappTelemetry,
  ) {
    this.policies = new ExchangePolicies(options, this.logger);
    const https = new URL(options.host).protocol === 'https:';
    this.keepAlive = keepAliveAgent(https, options.keepAliveIdleMs);
    this.freshAgent = https ? new HttpsAgent({ keepAlive: false }) : new HttpAgent({ keepAlive: false });
  }

  /** The pool this client exchanges tickets for. */
  get pool(): string {
    return this.options.pool;
  }

  /** The circuit breaker's state, and how long until the next probe may pass while it is open. */
  get circuit(): CircuitSnapshot {
    return this.policies.snapshot();
  }

  /**
   * @param options.signal an outer signal; the exchange ends at that signal or after `timeoutMs`, whichever first.
   */
  async exchangeTicket(ticket: string, options: { signal?: AbortSignal } = {}): Promise<App2WxappProfile> {
    const problem = ticketProblem(ticket);
    if (problem) throw new App2WxappTicketRejectedError(problem);
    const limit = deadline(this.options.timeoutMs, options.signal);
    try {
      return await this.exchange(ticket, limit);
    } finally {
      limit.clear();
    }
  }

  /** @internal The authenticator's entry: `limit` is the login's deadline, which also covered the replay claim. */
  async exchange(ticket: string, limit: Deadline, login?: LoginTrace): Promise<App2WxappProfile> {
    const started = performance.now();
    const trace = login && this.telemetry?.startExchange(login, this.options);
    try {
      const run = () => this.policies.execute(() => this.send(ticket, limit, trace), limit);
      const profile = await (trace ? trace.run(run) : run());
      this.report('success', 200, started, trace);
      return profile;
    } catch (err) {
      const error = this.normalise(err);
      this.report(outcomeOf(error), error.getStatus(), started, trace, error);
      this.logFailure(error, ticket, performance.now() - started);
      throw error;
    }
  }

  onModuleDestroy(): void {
    this.keepAlive.destroy();
    this.freshAgent.destroy();
  }

  /** Sends the exchange, and once more on a new connection if a reused one turned out to be closing. */
  private async send(ticket: string, limit: Deadline, trace?: ExchangeTrace): Promise<App2WxappProfile> {
    // Waiting for a slot may have eaten the budget: better 503 now than a ticket used up for a 504.
    if (limit.remainingMs() < this.options.minExchangeBudgetMs) {
      throw noTimeLeft();
    }
    try {
      return await this.post(ticket, limit, this.keepAlive.agent, trace);
    } catch (err) {
      if (!retrySafe.has(err as object) || limit.expired) throw err;
      return this.post(ticket, limit, this.freshAgent, trace);
    }
  }

  /**
   * axios's `timeout` (a wall-clock timer until the answer's headers, then the socket's idle timeout) is set to the
   * time left, and the deadline's request signal ends an answer that trickles in past it: the real AbortSignal when
   * the deadline has one (an outer signal, a queue wait or an asynchronous replay store made it), else a timer.
   */
  private async post(ticket: string, limit: Deadline, agent: HttpAgent, trace?: ExchangeTrace): Promise<App2WxappProfile> {
    const { secret, exchangeUrl, timeoutMs } = this.options;
    const timeout = Math.max(1, Math.ceil(limit.remainingMs()));
    let response: AxiosResponse<string>;
    try {
      response = await this.http.axiosRef.post<string>(exchangeUrl, secret === undefined ? { ticket } : { secret, ticket }, {
        signal: limit.requestSignal,
        timeout,
        headers: this.headers,
        httpAgent: agent,
        httpsAgent: agent,
        responseType: 'text',
        transformResponse: identity,
        validateStatus: always,
        maxRedirects: 0,
        maxContentLength: MAX_UPSTREAM_BODY_BYTES,
        maxBodyLength: MAX_UPSTREAM_BODY_BYTES,
      });
    } catch (err) {
      throw transportError(err as AxiosError, limit.expired, timeoutMs);
    }
    trace?.status(response.status);
    return readAnswer(response.status, response.data, ticket, this.options);
  }

  private normalise(err: unknown): App2WxappUpstreamError | App2WxappTicketRejectedError {
    if (err instanceof App2WxappUpstreamError || err instanceof App2WxappTicketRejectedError) return err;
    if (err instanceof BrokenCircuitError) {
      const retryAfter = Math.max(1, Math.ceil(this.policies.snapshot().retryInMs / 1000));
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
    const upstream =
      error instanceof App2WxappTicketRejectedError
        ? `code ${error.upstreamCode ?? '-'}, HTTP ${error.upstreamStatus ?? '-'}`
        : `${error.failure}, HTTP ${error.upstreamStatus ?? '-'}`;
    this.logger.warn(
      `Ticket exchange failed (pool ${this.options.pool}, ticket #${ticketTag(ticketDigest(ticket))}): ${error.getStatus()} ${upstream}, ${Math.round(durationMs)} ms`,
    );
  }

  private report(
    outcome: App2WxappExchangeEvent['outcome'],
    status: number,
    started: number,
    trace: ExchangeTrace | undefined,
    error?: App2WxappUpstreamError | App2WxappTicketRejectedError,
  ): void {
    const durationMs = performance.now() - started;
    trace?.end(outcome, durationMs, error);
    if (!this.options.onExchange) return;
    try {
      this.options.onExchange({ outcome, status, durationMs });
    } catch (err) {
      this.logger.error(`onExchange threw ${(err as Error)?.name ?? 'an error'}; ignored`);
    }
  }
}

function identity(data: unknown): unknown {
  return data;
}

function always(): boolean {
  return true;
}

function outcomeOf(error: App2WxappUpstreamError | App2WxappTicketRejectedError): App2WxappExchangeEvent['outcome'] {
  if (error instanceof App2WxappTicketRejectedError) return 'rejected';
  if (error.failure === 'timeout') return 'timeout';
  if (error.failure === 'circuit-open' || error.failure === 'overloaded') return error.failure;
  if (error.failure === 'no-time-left') return 'overloaded';
  return 'upstream-error';
}

/** Maps a transport failure to a safe error. An AxiosError carries `config.data`, the secret: never pass it on. */
function transportError(err: AxiosError, expired: boolean, timeoutMs: number): App2WxappUpstreamError {
  if (expired || isAbort(err)) {
    return new App2WxappUpstreamError(`Authing did not answer within ${timeoutMs} ms`, 'timeout', 504);
  }
  const code = err?.code ?? '';
  if (code === 'ECONNREFUSED') {
    return retryable(new App2WxappUpstreamError('Authing is unreachable (connection refused)', 'unreachable', 503, undefined, 1));
  }
  if (isStaleConnection(err)) {
    return retryable(new App2WxappUpstreamError('The connection to Authing was closed before it answered', 'unreachable', 502));
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new App2WxappUpstreamError("Authing's host name does not resolve", 'unreachable', 503, undefined, 1);
  }
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') {
    return new App2WxappUpstreamError(`Authing did not answer within ${timeoutMs} ms`, 'timeout', 504);
  }
  if (err?.response && /aborted/i.test(err.message ?? '')) {
    return new App2WxappUpstreamError('The connection to Authing failed while it answered', 'unreachable', 502);
  }
  if (code === 'ERR_BAD_RESPONSE' || code === 'ERR_FR_MAX_CONTENT_LENGTH_EXCEEDED' || /maxContentLength/.test(err?.message ?? '')) {
    return new App2WxappUpstreamError("Authing's answer is too large or malformed", 'invalid-body', 502);
  }
  if (/CERT|SSL|TLS/i.test(code)) {
    return new App2WxappUpstreamError("Authing's TLS certificate could not be verified", 'unreachable', 502);
  }
  return new App2WxappUpstreamError(`The connection to Authing failed (${code || 'no answer'})`, 'unreachable', 502);
}

/**
 * A keep-alive connection that the upstream (or a load balancer) closed while it sat idle: the request was written
 * onto a reused socket and the connection reset before any byte of an answer came back. Node's docs name this case
 * (`request.reusedSocket`). Authing never read a request that it answered nothing to on a closing connection, so one
 * retry on a new connection cannot use a ticket twice.
 */
function isStaleConnection(err: AxiosError): boolean {
  const request = err?.request as { reusedSocket?: boolean; res?: unknown } | undefined;
  return (err?.code === 'ECONNRESET' || err?.code === 'EPIPE') && request?.reusedSocket === true && !request.res && !err.response;
}

function retryable<T extends object>(error: T): T {
  retrySafe.add(error);
  return error;
}

function isAbort(err: unknown): boolean {
  const e = err as { name?: string; code?: string };
  return e?.name === 'TimeoutError' || e?.name === 'AbortError' || e?.name === 'CanceledError' || e?.code === 'ERR_CANCELED';
}
