import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { HttpService } from '@nestjs/axios';
import { Inject, Injectable, Logger, type OnModuleDestroy, Optional } from '@nestjs/common';
import type { AxiosError, AxiosResponse } from 'axios';
import { BrokenCircuitError, BulkheadRejectedError } from 'cockatiel';
import { APP2WXAPP_LOGGER_CONTEXT, MAX_UPSTREAM_BODY_BYTES } from '../app2wxapp.constants';
import { App2WxappLoginError } from '../failure/app2wxapp-login.error';
import { LoginFailures } from '../failure/login-failures';
import type { ResolvedApp2WxappOptions } from '../options/app2wxapp-options.schema';
import { RESOLVED_OPTIONS } from '../shared/internal.tokens';
import { type Deadline, deadline } from '../shared/deadline.utils';
import { ticketDigest, ticketProblem, ticketTag } from '../shared/ticket.utils';
import { App2WxappTelemetry, type ExchangeTrace, type LoginTrace } from '../telemetry/app2wxapp.telemetry';
import type { App2WxappProfile } from '../profile/app2wxapp-profile.interface';
import { type CircuitSnapshot, ExchangePolicies } from './exchange.policies';
import { type KeepAliveAgent, keepAliveAgent } from './keep-alive.agent';
import { readAnswer } from './upstream-answer.reader';
import { always, identity, isAbort, transportError } from './upstream-transport';

/** The last time Authing refused this pool's own settings, for the health indicator; cleared by a success. */
export interface MisconfigurationReport {
  /** What to fix, as logged: names the option, never its value. */
  readonly detail: string;
  readonly at: Date;
}

/**
 * The low-level exchange: `POST {host}/oauth/app2wxapp/auth/{userPoolId}` for the user's profile, through a
 * bulkhead and a circuit breaker. It has **no replay protection and no blocked check**: log users in with
 * `App2WxappAuthenticator` or `App2WxappGuard`. Every failure is an `App2WxappLoginError`: 401 when Authing refuses
 * the ticket, 500 when it refuses the server's own settings, 502/503/504 when Authing cannot be used.
 */
@Injectable()
// Satisfies LoginExchange<string> (checked where it is used): `implements` would outlive stripInternal in the .d.ts.
export class App2WxappClient implements OnModuleDestroy {
  private readonly logger = new Logger(APP2WXAPP_LOGGER_CONTEXT);
  private readonly policies: ExchangePolicies;
  /** One pool, one set of keep-alive connections, closed when idle before a load balancer would. */
  private readonly keepAlive: KeepAliveAgent;
  /** For the one retry after a stale connection: a new connection, never a reused one. */
  private readonly freshAgent: HttpAgent;
  /** An exchange sent with at least this much of `timeoutMs` left had its fair share: its timeout is Authing's. */
  private readonly fairBudgetMs: number;
  private misconfiguredSince?: MisconfigurationReport;

  constructor(
    private readonly http: HttpService,
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedApp2WxappOptions,
    @Optional() @Inject(App2WxappTelemetry) private readonly telemetry?: App2WxappTelemetry,
  ) {
    this.policies = new ExchangePolicies(options, this.logger);
    const https = new URL(options.host).protocol === 'https:';
    this.keepAlive = keepAliveAgent(https, options.keepAliveIdleMs);
    this.freshAgent = https ? new HttpsAgent({ keepAlive: false }) : new HttpAgent({ keepAlive: false });
    this.fairBudgetMs = options.timeoutMs - options.minExchangeBudgetMs;
  }

  /** The pool this client exchanges tickets for. */
  get pool(): string {
    return this.options.pool;
  }

  /** The circuit breaker's state, and how long until the next probe may pass while it is open. */
  get circuit(): CircuitSnapshot {
    return this.policies.snapshot();
  }

  /** Set while Authing refuses this pool's own settings (the last exchange said so); for the health indicator. */
  get misconfiguration(): MisconfigurationReport | undefined {
    return this.misconfiguredSince;
  }

  /**
   * @param options.signal an outer signal; the exchange ends at that signal or after `timeoutMs`, whichever first.
   */
  async exchangeTicket(ticket: string, options: { signal?: AbortSignal } = {}): Promise<App2WxappProfile> {
    const problem = ticketProblem(ticket);
    if (problem) throw LoginFailures.invalidTicket(problem);
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
      this.misconfiguredSince = undefined;
      this.report(undefined, started, trace);
      return profile;
    } catch (err) {
      const error = this.normalise(err);
      this.report(error, started, trace);
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
    const budget = limit.remainingMs();
    if (budget < this.options.minExchangeBudgetMs) throw LoginFailures.noTimeLeft();
    const fair = budget >= this.fairBudgetMs;
    try {
      return await this.post(ticket, limit, this.keepAlive.agent, fair, trace);
    } catch (err) {
      if (!(err instanceof App2WxappLoginError && err.retrySafe) || limit.expired) throw err;
      return this.post(ticket, limit, this.freshAgent, fair, trace);
    }
  }

  /**
   * axios's `timeout` (a wall-clock timer until the answer's headers, then the socket's idle timeout) is set to the
   * time left, and the deadline's request signal ends an answer that trickles in past it: the real AbortSignal when
   * the deadline has one (an outer signal, a queue wait or an asynchronous replay store made it), else a timer.
   */
  private async post(ticket: string, limit: Deadline, agent: HttpAgent, fair: boolean, trace?: ExchangeTrace): Promise<App2WxappProfile> {
    const { secret, exchangeUrl, timeoutMs } = this.options;
    const timeout = Math.max(1, Math.ceil(limit.remainingMs()));
    let response: AxiosResponse<string>;
    try {
      // request(), not post(): post() merges these options into a second config first. Only the options that matter
      // here, since axios merges each key with its defaults on every request (measured in bench/src/analysis.ts):
      // axios sets the JSON content type for an object body, and reads the answer as text with an identity transform.
      response = await this.http.axiosRef.request<string>({
        method: 'POST',
        url: exchangeUrl,
        data: secret === undefined ? { ticket } : { secret, ticket },
        signal: limit.requestSignal,
        timeout,
        httpAgent: agent,
        httpsAgent: agent,
        transformResponse: identity,
        validateStatus: always,
        maxRedirects: 0,
        maxContentLength: MAX_UPSTREAM_BODY_BYTES,
      });
    } catch (err) {
      throw transportError(err as AxiosError, limit.expired, timeoutMs, fair);
    }
    trace?.status(response.status);
    return readAnswer(response.status, response.data, ticket, this.options);
  }

  private normalise(err: unknown): App2WxappLoginError {
    if (err instanceof App2WxappLoginError) return err;
    if (err instanceof BrokenCircuitError) {
      return LoginFailures.circuitOpen(Math.max(1, Math.ceil(this.policies.snapshot().retryInMs / 1000)));
    }
    if (err instanceof BulkheadRejectedError) return LoginFailures.overloaded();
    // An abort that the transport did not see (the queue's race): the exchange was not sent by us in time.
    if (isAbort(err)) return LoginFailures.timeout(this.options.timeoutMs, false);
    // Anything else is a bug of ours; its message may quote request data, so it is not passed on.
    this.logger.error(`Unexpected error during the ticket exchange: ${(err as Error)?.name ?? typeof err}`);
    return LoginFailures.upstream('The ticket exchange failed unexpectedly');
  }

  private logFailure(error: App2WxappLoginError, ticket: string, durationMs: number): void {
    const where = `pool ${this.options.pool}, ticket #${ticketTag(ticketDigest(ticket))}`;
    const code = error.upstreamCode !== undefined ? `, code ${error.upstreamCode}` : '';
    const http = error.upstreamStatus !== undefined ? `, HTTP ${error.upstreamStatus}` : '';
    const upstream = `${error.kind}${code}${http}, ${Math.round(durationMs)} ms`;
    if (error.kind === 'misconfigured') {
      this.misconfiguredSince = { detail: error.operatorDetail ?? "Authing refused this pool's settings", at: new Date() };
      this.logger.error(`Login is misconfigured (${where}): ${this.misconfiguredSince.detail} (${upstream})`);
      return;
    }
    this.logger.warn(`Ticket exchange failed (${where}): ${error.getStatus()} ${upstream}`);
  }

  private report(error: App2WxappLoginError | undefined, started: number, trace: ExchangeTrace | undefined): void {
    const durationMs = performance.now() - started;
    const outcome = error ? error.kind : 'success';
    trace?.end(outcome, durationMs, error);
    if (!this.options.onExchange) return;
    try {
      this.options.onExchange({ outcome, status: error ? error.getStatus() : 200, durationMs });
    } catch (err) {
      this.logger.error(`onExchange threw ${(err as Error)?.name ?? 'an error'}; ignored`);
    }
  }
}
