import {
  App2WxappLoginError,
  App2WxappMisconfigurationError,
  App2WxappReplayStoreError,
  App2WxappTicketRejectedError,
  App2WxappUpstreamError,
} from './app2wxapp-login.error';

/** The option an operator must fix, named in the ERROR log line (never its value). */
export type MisconfiguredOption =
  'secret' | 'userPoolId' | 'host' | 'appId' | 'appSecret' | 'appHost' | 'connection' | 'clientAuth' | 'scope' | 'idTokenAlg' | 'issuer';

/**
 * What Authing asks the user to do before it lets them in (v3 `apiCode`s), which a login from an app launched
 * mini program cannot do: the user must complete it in a flow that can (Authing's hosted login, the console).
 */
export type UpstreamInteraction =
  'mfa' | 'password-reset' | 'bind-existing-account' | 'bind-or-create-account' | 'complete-profile' | 'choose-account';

const INTERACTIONS: Readonly<Record<UpstreamInteraction, string>> = {
  mfa: 'multi-factor authentication (MFA)',
  'password-reset': 'a password reset on first login',
  'bind-existing-account': 'binding this WeChat identity to an existing account',
  'bind-or-create-account': 'binding this WeChat identity to an existing account or creating one',
  'complete-profile': 'completing the user information',
  'choose-account': 'choosing one of several accounts',
};

/**
 * Every failure of a login, built in one place: the messages the client sees are written here once. Each returns an
 * `App2WxappLoginError` whose fields the pipeline reads (see its `KINDS` table).
 */
export const LoginFailures = {
  /** The presented value cannot be a ticket or a code; `problem` never quotes it. */
  invalidTicket: (problem: string) => new App2WxappLoginError('invalid-ticket', problem),

  /** The request names no pool or tenant this app knows; the name is not echoed and no upstream is called. */
  unknownPool: () => new App2WxappLoginError('unknown-pool', 'This request names no user pool that this app knows'),

  /** The request names no tenant that the tenant source knows (or none at all); the name is not echoed. */
  unknownTenant: () => new App2WxappLoginError('unknown-pool', 'This request names no tenant that this app knows'),

  /**
   * A tenant's options (from the app's tenant source) are invalid, or clash with another pool: the operator's
   * mistake, that tenant's alone. The client learns the tenant and the options to fix, never their values.
   */
  tenantMisconfigured: (tenant: string, options: readonly string[], operatorDetail: string) =>
    new App2WxappMisconfigurationError(
      'misconfigured',
      `Login is unavailable: the settings of tenant "${tenant}" are invalid (${options.map((o) => `option "${o}"`).join(', ')}); the operator has been told`,
      { operatorDetail },
    ),

  /** The app's tenant source failed or did not answer in time while loading a tenant that is not loaded yet. */
  tenantSourceDown: (retryAfterSeconds = 1) =>
    new App2WxappLoginError('tenant-source-error', 'Login is unavailable: the tenant directory does not answer; try again shortly', {
      retryAfterSeconds,
    }),

  replayed: (what = 'ticket') => new App2WxappLoginError('replayed', `This ${what} has already been used`),

  /** Authing refused the ticket; `reason` is Authing's message, already redacted and cut. */
  rejected: (reason: string | undefined, upstreamCode?: number, upstreamStatus?: number) => {
    const detail = [
      upstreamCode !== undefined ? `code ${upstreamCode}` : undefined,
      upstreamStatus && upstreamStatus >= 400 ? `HTTP ${upstreamStatus}` : undefined,
    ]
      .filter(Boolean)
      .join(', ');
    return new App2WxappTicketRejectedError('rejected', `Authing refused the ticket: ${reason ?? 'no reason given'}${detail ? ` (${detail})` : ''}`, {
      upstreamCode,
      upstreamStatus,
    });
  },

  /** Authing refused the login for a reason the user must resolve (an interaction, a missing permission). */
  refusedUpstream: (message: string, upstreamCode?: number, upstreamStatus?: number) =>
    new App2WxappTicketRejectedError('rejected', message, { upstreamCode, upstreamStatus }),

  blocked: (message = 'This user is blocked in Authing') => new App2WxappLoginError('blocked', message),

  /**
   * Authing refused the user (locked, disabled, no permission for this app, a status other than Activated): 403.
   * The code was spent on a user who may not get in, so its claim stays. `reason` is ours, never upstream text.
   */
  userRefused: (reason: string, upstreamCode?: number, upstreamStatus?: number) =>
    new App2WxappLoginError('blocked', reason, { upstreamCode, upstreamStatus }),

  /** The user must first complete an interaction that this login cannot perform: 401 saying which. */
  interactionRequired: (interaction: UpstreamInteraction, upstreamCode?: number, upstreamStatus?: number) =>
    new App2WxappTicketRejectedError(
      'rejected',
      `Authing requires ${INTERACTIONS[interaction]} before this user can log in, which a login from the app cannot do: ` +
        `complete it in Authing's hosted login, then try again (interaction: ${interaction})`,
      { upstreamCode, upstreamStatus },
    ),

  /** The presented WeChat codes cannot be codes (missing, malformed, oversized); `problem` never quotes them. */
  invalidCode: (problem: string) => new App2WxappLoginError('invalid-ticket', problem),

  /** Authing refused the WeChat code (invalid, used or expired); `reason` is Authing's message, redacted and cut. */
  codeRejected: (reason: string | undefined, upstreamCode?: number, upstreamStatus?: number) => {
    const detail = [
      upstreamCode !== undefined ? `code ${upstreamCode}` : undefined,
      upstreamStatus && upstreamStatus >= 400 ? `HTTP ${upstreamStatus}` : undefined,
    ]
      .filter(Boolean)
      .join(', ');
    return new App2WxappTicketRejectedError(
      'rejected',
      `Authing refused the WeChat code: ${reason ?? 'no reason given'}${detail ? ` (${detail})` : ''}`,
      {
        upstreamCode,
        upstreamStatus,
      },
    );
  },
  deleted: () => new App2WxappLoginError('blocked', 'This user has been deleted in Authing'),

  refusedByApp: () => new App2WxappLoginError('refused-by-app', 'This user may not log in to this app'),

  /**
   * Authing refused the server's own settings (a wrong secret, user pool id or host): the operator's mistake. The
   * client learns only that it is not theirs; the log line names the option to fix.
   */
  misconfigured: (option: MisconfiguredOption, operatorDetail: string, upstreamCode?: number, upstreamStatus?: number) =>
    new App2WxappMisconfigurationError(
      'misconfigured',
      "Login is unavailable: this server's Authing settings are wrong (the operator has been told)",
      { upstreamCode, upstreamStatus, operatorDetail: `${operatorDetail}: check the option "${option}"`, option },
    ),

  upstream: (message: string, details: { upstreamStatus?: number; retryAfterSeconds?: number; retrySafe?: boolean; status?: 502 | 503 } = {}) =>
    new App2WxappUpstreamError('upstream-error', message, details, details.status),

  /**
   * Authing did not answer in time. `fair`: the exchange had the pool's whole budget to itself; one that our own
   * queue or replay store starved says nothing about Authing, and does not count against its circuit.
   */
  timeout: (timeoutMs: number, fair: boolean) =>
    new App2WxappUpstreamError('timeout', `Authing did not answer within ${timeoutMs} ms`, { circuit: fair ? 'counts' : 'neutral' }),

  circuitOpen: (retryAfterSeconds: number) =>
    new App2WxappUpstreamError('circuit-open', 'Authing is failing; logins are paused briefly', { retryAfterSeconds }),

  /** Too many exchanges in flight and queued. */
  overloaded: () => new App2WxappUpstreamError('overloaded', 'Too many logins in progress; try again shortly', { retryAfterSeconds: 1 }),

  /** The exchange was not sent: waiting for a slot (or a slow replay store) left too little of the login's time. */
  noTimeLeft: () => new App2WxappUpstreamError('overloaded', 'Login is busy; try again with the same ticket', { retryAfterSeconds: 1 }),

  replayStore: (message = 'Login is unavailable: the ticket replay store does not answer') => new App2WxappReplayStoreError(message, 1),

  /**
   * `error`, raised after Authing spent the credential (the v3 sign-in used the WeChat code, then get-profile, the
   * id_token or the deadline failed): the same status, message and details, but its claim is kept (fail-closed: the
   * code can only fail again, and a new login needs new codes from the mini program).
   */
  spent: (error: App2WxappLoginError): App2WxappLoginError => {
    if (!error.freesClaim || error instanceof App2WxappReplayStoreError) return error;
    const Kind = error.constructor as typeof App2WxappLoginError;
    const { retryAfterSeconds, upstreamStatus, upstreamCode, retrySafe, circuit, operatorDetail, option } = error;
    const details = { retryAfterSeconds, upstreamStatus, upstreamCode, retrySafe, circuit, operatorDetail, option, spent: true };
    return new Kind(error.kind, error.message, details, error.getStatus());
  },

  /** A bug of ours: its message may quote request data, so the client gets none of it. */
  internal: () => new App2WxappLoginError('internal', 'Login failed because of an internal error'),
} as const;
