import { HttpException, HttpStatus } from '@nestjs/common';

/**
 * Why a login failed: the telemetry outcome (`app2wxapp.outcome`), and the key of the table below. Whose fault it is:
 * - the client's (401/403): `invalid-ticket`, `unknown-pool`, `replayed`, `rejected`, `blocked`, `refused-by-app`;
 * - the operator's (500): `misconfigured`, `internal`;
 * - Authing's or the moment's (502/503/504, the ticket may still be good): `upstream-error`, `timeout`,
 *   `circuit-open`, `overloaded`, `replay-store-error`, `tenant-source-error` (the app's own tenant source).
 */
export type App2WxappFailureKind =
  | 'invalid-ticket'
  | 'unknown-pool'
  | 'replayed'
  | 'rejected'
  | 'blocked'
  | 'refused-by-app'
  | 'misconfigured'
  | 'upstream-error'
  | 'timeout'
  | 'circuit-open'
  | 'overloaded'
  | 'replay-store-error'
  | 'tenant-source-error'
  | 'internal';

/**
 * What a failure tells the circuit breaker about Authing: `counts`, a failure of Authing's (it opens the circuit);
 * `clears`, proof that Authing answers (it ends a run of failures: a refusal, a misconfiguration); `neutral`, nothing
 * about Authing (our own queue, our own deadline, the client's mistake).
 */
export type App2WxappCircuitVerdict = 'counts' | 'clears' | 'neutral';

/** What the pipeline must know about one kind. A new kind of failure is one row here and one factory. */
interface KindSpec {
  readonly status: number;
  /** Whether the ticket's replay claim is released: true when the ticket was not (or cannot have been) spent. */
  readonly freesClaim: boolean;
  readonly circuit: App2WxappCircuitVerdict;
  /** How the package logs it: the operator's mistakes at ERROR, the rest at WARN, the client's own at none. */
  readonly log: 'error' | 'warn' | 'none';
}

const KINDS: Readonly<Record<App2WxappFailureKind, KindSpec>> = {
  'invalid-ticket': { status: 401, freesClaim: true, circuit: 'neutral', log: 'none' },
  'unknown-pool': { status: 401, freesClaim: true, circuit: 'neutral', log: 'none' },
  // The claim is what refused it: it belongs to the first presentation.
  replayed: { status: 401, freesClaim: false, circuit: 'neutral', log: 'warn' },
  // Authing refuses the same ticket again, so its claim is worth nothing: freeing it keeps refused tickets (random
  // ones from an attacker) from filling the store.
  rejected: { status: 401, freesClaim: true, circuit: 'clears', log: 'warn' },
  // Authing spent the ticket on a user who may not get in.
  blocked: { status: 403, freesClaim: false, circuit: 'neutral', log: 'warn' },
  'refused-by-app': { status: 401, freesClaim: false, circuit: 'neutral', log: 'none' },
  // Authing refused our credentials before it looked at the ticket: the ticket is still good once fixed.
  misconfigured: { status: 500, freesClaim: true, circuit: 'clears', log: 'error' },
  'upstream-error': { status: 502, freesClaim: true, circuit: 'counts', log: 'warn' },
  timeout: { status: 504, freesClaim: true, circuit: 'counts', log: 'warn' },
  'circuit-open': { status: 503, freesClaim: true, circuit: 'neutral', log: 'warn' },
  overloaded: { status: 503, freesClaim: true, circuit: 'neutral', log: 'warn' },
  'replay-store-error': { status: 503, freesClaim: true, circuit: 'neutral', log: 'warn' },
  // The app's tenant source (its database) failed or did not answer: no claim was made, Authing was not asked.
  'tenant-source-error': { status: 503, freesClaim: true, circuit: 'neutral', log: 'warn' },
  internal: { status: 500, freesClaim: true, circuit: 'neutral', log: 'error' },
};

const ERROR_NAMES: Record<number, string> = {
  [HttpStatus.UNAUTHORIZED]: 'Unauthorized',
  [HttpStatus.FORBIDDEN]: 'Forbidden',
  [HttpStatus.INTERNAL_SERVER_ERROR]: 'Internal Server Error',
  [HttpStatus.BAD_GATEWAY]: 'Bad Gateway',
  [HttpStatus.SERVICE_UNAVAILABLE]: 'Service Unavailable',
  [HttpStatus.GATEWAY_TIMEOUT]: 'Gateway Timeout',
};

/** Details a factory may add to a kind's defaults. */
export interface App2WxappFailureDetails {
  /** Seconds after which a retry makes sense; sent as `Retry-After`. */
  retryAfterSeconds?: number;
  /** The HTTP status Authing answered, when it answered. */
  upstreamStatus?: number;
  /** Authing's `code` (legacy API) or `apiCode` (v3), when it gave one. */
  upstreamCode?: number;
  /** The request provably never reached Authing: one immediate retry on a new connection is safe. */
  retrySafe?: boolean;
  /** Overrides the kind's circuit verdict (a timeout of an exchange that our own queue starved is `neutral`). */
  circuit?: App2WxappCircuitVerdict;
  /** For the operator's log line, never for the client: which option to fix, what went wrong. */
  operatorDetail?: string;
  /**
   * Authing has spent the credential already (an app-launch login failed after the sign-in used the WeChat code):
   * its claim is kept whatever the kind, since presenting it again can only fail.
   */
  spent?: boolean;
  /** For a misconfiguration: the option the operator must fix (its name, never its value). */
  option?: string;
}

/**
 * Every way a login fails, as one type: the HTTP status and message the client sees, and everything the pipeline
 * needs to know — the telemetry outcome (`kind`), `Retry-After`, whether the ticket's claim is freed, what it tells
 * the circuit breaker, whether one immediate retry is safe, and how it is logged. The authenticator, the client, the
 * circuit breaker, telemetry and the guard read these fields; none keeps a table of its own. The subclasses are names
 * for `instanceof` in apps; the pipeline never asks for them.
 *
 * Build one through `LoginFailures`. The message is the client's: it never carries a secret, a ticket, a token or a
 * raw upstream body. `operatorDetail` is for the log line only.
 */
export class App2WxappLoginError extends HttpException {
  readonly kind: App2WxappFailureKind;
  readonly retryAfterSeconds?: number;
  readonly freesClaim: boolean;
  readonly circuit: App2WxappCircuitVerdict;
  readonly retrySafe: boolean;
  readonly upstreamStatus?: number;
  readonly upstreamCode?: number;
  readonly log: 'error' | 'warn' | 'none';
  readonly operatorDetail?: string;
  /** For a misconfiguration: the option the operator must fix (`secret`, `appSecret`, `appHost`…), never its value. */
  readonly option?: string;

  constructor(kind: App2WxappFailureKind, message: string, details: App2WxappFailureDetails = {}, status?: number) {
    const spec = KINDS[kind];
    const code = status ?? spec.status;
    super(HttpException.createBody(message, ERROR_NAMES[code] ?? 'Error', code), code);
    this.name = new.target.name;
    this.kind = kind;
    this.freesClaim = spec.freesClaim && details.spent !== true;
    this.circuit = details.circuit ?? spec.circuit;
    this.log = spec.log;
    this.retrySafe = details.retrySafe ?? false;
    this.retryAfterSeconds = details.retryAfterSeconds;
    this.upstreamStatus = details.upstreamStatus;
    this.upstreamCode = details.upstreamCode;
    this.operatorDetail = details.operatorDetail;
    this.option = details.option;
  }
}

/** Authing refused the ticket (unknown, expired or already used there): 401 with Authing's reason, redacted. */
export class App2WxappTicketRejectedError extends App2WxappLoginError {}

/** Authing could not be used: unreachable, too slow, HTTP 5xx, an unusable answer, an open circuit, a full queue. */
export class App2WxappUpstreamError extends App2WxappLoginError {}

/** The replay store could not answer (Redis down, the memory store full): fails closed with 503. */
export class App2WxappReplayStoreError extends App2WxappLoginError {
  constructor(message: string, retryAfterSeconds?: number) {
    super('replay-store-error', message, { retryAfterSeconds });
  }
}

/** The operator's mistake (a wrong secret, user pool id or host), as Authing reports it: 500, logged at ERROR. */
export class App2WxappMisconfigurationError extends App2WxappLoginError {}
