import { HttpException, HttpStatus, UnauthorizedException } from '@nestjs/common';

/**
 * Authing refused the ticket (a `code` other than 200 in the answer, or an HTTP 4xx): the ticket is unknown, expired,
 * already used, or the pool rejected our credentials. Answered as 401 with the reason.
 */
export class App2WxappTicketRejectedError extends UnauthorizedException {
  constructor(
    message: string,
    /** Authing's `code` (for example 2206, 2207, 2224) or the HTTP status when the body had none. */
    readonly upstreamCode?: number,
    readonly upstreamStatus?: number,
  ) {
    super(message);
    this.name = 'App2WxappTicketRejectedError';
  }
}

export type App2WxappUpstreamFailure =
  | 'unreachable'
  | 'timeout'
  | 'http-status'
  | 'invalid-body'
  | 'no-user'
  | 'circuit-open'
  | 'overloaded'
  | 'no-time-left';

/**
 * Authing could not be used: unreachable, too slow, HTTP 5xx, a body that is not the documented JSON, or a success
 * without a user. Answered as 502, 503 or 504 — never 401, because the ticket may still be good.
 */
export class App2WxappUpstreamError extends HttpException {
  constructor(
    message: string,
    readonly failure: App2WxappUpstreamFailure,
    status: HttpStatus.BAD_GATEWAY | HttpStatus.SERVICE_UNAVAILABLE | HttpStatus.GATEWAY_TIMEOUT,
    readonly upstreamStatus?: number,
    /** Seconds after which a retry makes sense; sent as `Retry-After` by the guard. */
    readonly retryAfterSeconds?: number,
  ) {
    super(HttpException.createBody(message, errorName(status), status), status);
    this.name = 'App2WxappUpstreamError';
  }
}

function errorName(status: number): string {
  if (status === HttpStatus.GATEWAY_TIMEOUT) return 'Gateway Timeout';
  if (status === HttpStatus.SERVICE_UNAVAILABLE) return 'Service Unavailable';
  return 'Bad Gateway';
}
