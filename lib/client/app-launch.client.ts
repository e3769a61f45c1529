import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { HttpService } from '@nestjs/axios';
import { Inject, Injectable, Logger, type OnModuleDestroy, Optional } from '@nestjs/common';
import type { AxiosError, AxiosResponse } from 'axios';
import { BrokenCircuitError, BulkheadRejectedError } from 'cockatiel';
import { APP2WXAPP_LOGGER_CONTEXT, APP_LAUNCH_CONNECTION, MAX_UPSTREAM_BODY_BYTES } from '../app2wxapp.constants';
import { App2WxappLoginError } from '../failure/app2wxapp-login.error';
import { LoginFailures } from '../failure/login-failures';
import type { ResolvedAppLaunchOptions } from '../options/app2wxapp-options.schema';
import { type AppLaunchCodes, appLaunchCodeDigest, appLaunchCodesProblem } from '../shared/app-launch-code.utils';
import { type Deadline, deadline } from '../shared/deadline.utils';
import { RESOLVED_OPTIONS } from '../shared/internal.tokens';
import { ticketTag } from '../shared/ticket.utils';
import { App2WxappTelemetry, type ExchangeTrace, type LoginTrace } from '../telemetry/app2wxapp.telemetry';
import type { App2WxappOidcTokens, App2WxappProfile } from '../profile/app2wxapp-profile.interface';
import { mapAppLaunchProfile } from '../profile/app-launch-profile.mapper';
import { readProfileAnswer } from './app-launch-profile.reader';
import { readSigninAnswer } from './app-launch-signin.reader';
import type { MisconfigurationReport } from './app2wxapp.client';
import { type CircuitSnapshot, ExchangePolicies } from './exchange.policies';
import { IdTokenVerifier } from './id-token.verifier';
import { type KeepAliveAgent, keepAliveAgent } from './keep-alive.agent';
import { always, identity, isAbort, transportError } from './upstream-transport';

interface UpstreamCall {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  data?: unknown;
}

/**
 * The low-level app-launch login (`flow: 'app-launch'`): `POST {appHost}/api/v3/signin-by-mobile` with the WeChat
 * codes, then the user as `verify` says (get-profile with the access token, the id_token verified locally, or both),
 * all through one bulkhead slot and one circuit-breaker verdict, and within the login's one deadline. It has **no
 * replay protection**: log users in through the authenticator. Every failure is an `App2WxappLoginError`.
 */
@Injectable()
// Satisfies LoginExchange<AppLaunchCodes> (checked where it is used): `implements` would outlive stripInternal in the .d.ts.
export class AppLaunchClient implements OnModuleDestroy {
  private readonly logger = new Logger(APP2WXAPP_LOGGER_CONTEXT);
  private readonly policies: ExchangePolicies;
  private readonly keepAlive: KeepAliveAgent;
  private readonly freshAgent: HttpAgent;
  private readonly fairBudgetMs: number;
  private readonly verifier?: IdTokenVerifier;
  /** `Basic base64(appId:appSecret)` for `client_secret_basic`: also redacted from anything shown. */
  private readonly basicCredential?: string;
  private readonly appHeaders: Record<string, string>;
  private misconfiguredSince?: MisconfigurationReport;

  constructor(
    private readonly http: HttpService,
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedAppLaunchOptions,
    @Optional() @Inject(App2WxappTelemetry) private readonly telemetry?: App2WxappTelemetry,
  ) {
    this.policies = new ExchangePolicies(options, this.logger);
    const https = new URL(options.appHost).protocol === 'https:';
    this.keepAlive = keepAliveAgent(https, options.keepAliveIdleMs);
    this.freshAgent = https ? new HttpsAgent({ keepAlive: false }) : new HttpAgent({ keepAlive: false });
    this.fairBudgetMs = options.timeoutMs - options.minExchangeBudgetMs;
    this.appHeaders = { accept: 'application/json', 'x-authing-app-id': options.appId, 'x-authing-userpool-id': options.userPoolId };
    if (options.clientAuth === 'client_secret_basic') {
      this.basicCredential = Buffer.from(`${options.appId}:${options.appSecret}`).toString('base64');
    }
    if (options.verify !== 'profile') {
      this.verifier = new IdTokenVerifier(options, (url, limit) => this.fetchJwks(url, limit));
    }
  }

  get pool(): string {
    return this.options.pool;
  }

  get circuit(): CircuitSnapshot {
    return this.policies.snapshot();
  }

  /** Set while Authing refuses this pool's own settings (the last login said so); for the health indicator. */
  get misconfiguration(): MisconfigurationReport | undefined {
    return this.misconfiguredSince;
  }

  /**
   * For direct use: checks the codes' shape (401 without a call), then logs in within `timeoutMs`.
   * @param options.signal an outer signal; the login ends at that signal or after `timeoutMs`, whichever first.
   */
  async exchangeCodes(codes: AppLaunchCodes, options: { signal?: AbortSignal } = {}): Promise<App2WxappProfile> {
    const problem = appLaunchCodesProblem(codes);
    if (problem) throw LoginFailures.invalidCode(problem);
    const limit = deadline(this.options.timeoutMs, options.signal);
    try {
      return await this.exchange({ code: codes.code, phoneInfoCode: codes.phoneInfoCode }, limit);
    } finally {
      limit.clear();
    }
  }

  /** The authenticator's entry: `codes` already checked, `limit` the login's deadline (it covered the replay claim). */
  async exchange(codes: AppLaunchCodes, limit: Deadline, login?: LoginTrace): Promise<App2WxappProfile> {
    const started = performance.now();
    const trace = login && this.telemetry?.startExchange(login, this.options);
    const progress = { signedIn: false };
    try {
      const run = () => this.policies.execute(() => this.login(codes, limit, progress, trace), limit);
      const profile = await (trace ? trace.run(run) : run());
      this.misconfiguredSince = undefined;
      this.report(undefined, started, trace);
      return profile;
    } catch (err) {
      // After the sign-in Authing has spent the WeChat code: whatever fails then keeps the code's claim.
      const error = progress.signedIn ? LoginFailures.spent(this.normalise(err)) : this.normalise(err);
      this.report(error, started, trace);
      this.logFailure(error, codes, performance.now() - started);
      throw error;
    }
  }

  onModuleDestroy(): void {
    this.keepAlive.destroy();
    this.freshAgent.destroy();
  }

  private async login(codes: AppLaunchCodes, limit: Deadline, progress: { signedIn: boolean }, trace?: ExchangeTrace): Promise<App2WxappProfile> {
    // Waiting for a slot may have eaten the budget: better 503 now than codes used up for a 504.
    const budget = limit.remainingMs();
    if (budget < this.options.minExchangeBudgetMs) throw LoginFailures.noTimeLeft();
    const fair = budget >= this.fairBudgetMs;
    const secrets = [codes.code, codes.phoneInfoCode, this.options.appSecret, this.basicCredential];

    const signin = await this.call(this.signinCall(codes), limit, fair);
    trace?.status(signin.status);
    const tokens = readSigninAnswer(signin.status, signin.data, this.options, secrets);
    progress.signedIn = true;

    const { verify, userPoolId } = this.options;
    const claims = this.verifier ? await this.verifier.verify(tokens.idToken, limit) : undefined;
    if (verify === 'id_token') return mapAppLaunchProfile({ claims }, userPoolId, tokens);

    const user = await this.profile(tokens, limit, fair);
    if (claims && claims.sub !== user.userId) throw LoginFailures.upstream("The id_token's sub is not the profile's userId");
    return mapAppLaunchProfile({ user, claims }, userPoolId, tokens);
  }

  private signinCall(codes: AppLaunchCodes): UpstreamCall {
    const { appId, appSecret, clientAuth, connection, scope, signinUrl } = this.options;
    const data: Record<string, unknown> = {
      connection: APP_LAUNCH_CONNECTION,
      extIdpConnidentifier: connection,
      wechatMiniProgramCodeAndPhonePayload: { wxLoginInfo: { code: codes.code }, wxPhoneInfo: { code: codes.phoneInfoCode } },
      options: { scope },
    };
    if (clientAuth === 'client_secret_post') {
      data.client_id = appId;
      data.client_secret = appSecret;
    }
    const headers: Record<string, string> = { ...this.appHeaders, 'content-type': 'application/json' };
    if (this.basicCredential) headers.authorization = `Basic ${this.basicCredential}`;
    return { method: 'POST', url: signinUrl, headers, data };
  }

  private async profile(tokens: App2WxappOidcTokens, limit: Deadline, fair: boolean): Promise<Record<string, unknown>> {
    const headers = { ...this.appHeaders, authorization: `Bearer ${tokens.accessToken}` };
    const answer = await this.call({ method: 'GET', url: this.options.profileUrl, headers }, limit, fair);
    return readProfileAnswer(answer.status, answer.data);
  }

  private async fetchJwks(url: string, limit: Deadline): Promise<{ status: number; text: unknown }> {
    const fair = limit.remainingMs() >= this.fairBudgetMs;
    const answer = await this.call({ method: 'GET', url, headers: { accept: 'application/json' } }, limit, fair);
    return { status: answer.status, text: answer.data };
  }

  /** One upstream call, and once more on a new connection if a reused one turned out to be closing. */
  private async call(call: UpstreamCall, limit: Deadline, fair: boolean): Promise<AxiosResponse<string>> {
    try {
      return await this.send(call, limit, this.keepAlive.agent, fair);
    } catch (err) {
      if (!(err instanceof App2WxappLoginError && err.retrySafe) || limit.expired) throw err;
      return this.send(call, limit, this.freshAgent, fair);
    }
  }

  /** Bounded like the ticket exchange: axios's `timeout` is the time left, and the deadline's signal ends a slow body. */
  private async send(call: UpstreamCall, limit: Deadline, agent: HttpAgent, fair: boolean): Promise<AxiosResponse<string>> {
    try {
      return await this.http.axiosRef.request<string>({
        method: call.method,
        url: call.url,
        data: call.data,
        headers: call.headers,
        signal: limit.requestSignal,
        timeout: Math.max(1, Math.ceil(limit.remainingMs())),
        httpAgent: agent,
        httpsAgent: agent,
        // The answer stays text (identity transform); only the options that matter, as in App2WxappClient.post.
        transformResponse: identity,
        validateStatus: always,
        maxRedirects: 0,
        maxContentLength: MAX_UPSTREAM_BODY_BYTES,
      });
    } catch (err) {
      throw transportError(err as AxiosError, limit.expired, this.options.timeoutMs, fair);
    }
  }

  private normalise(err: unknown): App2WxappLoginError {
    if (err instanceof App2WxappLoginError) return err;
    if (err instanceof BrokenCircuitError) {
      return LoginFailures.circuitOpen(Math.max(1, Math.ceil(this.policies.snapshot().retryInMs / 1000)));
    }
    if (err instanceof BulkheadRejectedError) return LoginFailures.overloaded();
    if (isAbort(err)) return LoginFailures.timeout(this.options.timeoutMs, false);
    // Anything else is a bug of ours; its message may quote request data, so it is not passed on.
    this.logger.error(`Unexpected error during the app-launch login: ${(err as Error)?.name ?? typeof err}`);
    return LoginFailures.upstream('The app-launch login failed unexpectedly');
  }

  private logFailure(error: App2WxappLoginError, codes: AppLaunchCodes, durationMs: number): void {
    const where = `pool ${this.options.pool}, code #${ticketTag(appLaunchCodeDigest(codes))}`;
    const code = error.upstreamCode !== undefined ? `, apiCode ${error.upstreamCode}` : '';
    const http = error.upstreamStatus !== undefined ? `, HTTP ${error.upstreamStatus}` : '';
    const upstream = `${error.kind}${code}${http}, ${Math.round(durationMs)} ms`;
    if (error.kind === 'misconfigured') {
      this.misconfiguredSince = { detail: error.operatorDetail ?? "Authing refused this pool's settings", at: new Date() };
      this.logger.error(`Login is misconfigured (${where}): ${this.misconfiguredSince.detail} (${upstream})`);
      return;
    }
    this.logger.warn(`App-launch login failed (${where}): ${error.getStatus()} ${upstream}`);
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
