import type { AxiosError } from 'axios';
import type { App2WxappLoginError } from '../failure/app2wxapp-login.error';
import { LoginFailures } from '../failure/login-failures';

/**
 * What every upstream call of a client shares (the ticket exchange, the v3 sign-in, get-profile, the JWKS): axios
 * options that keep the body as text and every status as an answer, and the mapping of a transport failure to a
 * safe `App2WxappLoginError`.
 */

export function identity(data: unknown): unknown {
  return data;
}

export function always(): boolean {
  return true;
}

/** Maps a transport failure to a safe error. An AxiosError carries `config.data`, the secret: never pass it on. */
export function transportError(err: AxiosError, expired: boolean, timeoutMs: number, fair: boolean): App2WxappLoginError {
  if (expired || isAbort(err)) return LoginFailures.timeout(timeoutMs, fair);
  const code = err?.code ?? '';
  if (code === 'ECONNREFUSED') {
    return LoginFailures.upstream('Authing is unreachable (connection refused)', { status: 503, retryAfterSeconds: 1, retrySafe: true });
  }
  if (isStaleConnection(err)) {
    return LoginFailures.upstream('The connection to Authing was closed before it answered', { retrySafe: true });
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return LoginFailures.upstream("Authing's host name does not resolve", { status: 503, retryAfterSeconds: 1 });
  }
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') return LoginFailures.timeout(timeoutMs, fair);
  if (err?.response && /aborted/i.test(err.message ?? '')) {
    return LoginFailures.upstream('The connection to Authing failed while it answered');
  }
  if (code === 'ERR_BAD_RESPONSE' || code === 'ERR_FR_MAX_CONTENT_LENGTH_EXCEEDED' || /maxContentLength/.test(err?.message ?? '')) {
    return LoginFailures.upstream("Authing's answer is too large or malformed");
  }
  if (/CERT|SSL|TLS/i.test(code)) return LoginFailures.upstream("Authing's TLS certificate could not be verified");
  return LoginFailures.upstream(`The connection to Authing failed (${code || 'no answer'})`);
}

/**
 * A keep-alive connection that the upstream (or a load balancer) closed while it sat idle: the request was written
 * onto a reused socket and the connection reset before any byte of an answer came back. Node's docs name this case
 * (`request.reusedSocket`). Authing never read a request that it answered nothing to on a closing connection, so one
 * retry on a new connection cannot use a ticket twice.
 */
export function isStaleConnection(err: AxiosError): boolean {
  const request = err?.request as { reusedSocket?: boolean; res?: unknown } | undefined;
  return (err?.code === 'ECONNRESET' || err?.code === 'EPIPE') && request?.reusedSocket === true && !request.res && !err.response;
}

export function isAbort(err: unknown): boolean {
  const e = err as { name?: string; code?: string };
  return e?.name === 'TimeoutError' || e?.name === 'AbortError' || e?.name === 'CanceledError' || e?.code === 'ERR_CANCELED';
}
