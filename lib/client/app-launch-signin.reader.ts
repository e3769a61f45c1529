import type { App2WxappLoginError } from '../failure/app2wxapp-login.error';
import { LoginFailures } from '../failure/login-failures';
import type { ResolvedAppLaunchOptions } from '../options/app2wxapp-options.schema';
import { isRecord } from '../shared/record.utils';
import { redactThenCut } from '../shared/redact.utils';
import type { App2WxappOidcTokens } from '../profile/app2wxapp-profile.interface';
import { userRefusalOf } from './v3-api-codes';
import { parseV3Envelope, type V3Envelope } from './v3-answer.parser';

type Pool = Pick<ResolvedAppLaunchOptions, 'clientAuth'>;

/** A compact JWS: three base64url segments. */
export const JWS_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/** An access or refresh token: a JWT or an opaque token68 string. */
const TOKEN_SHAPE = /^[A-Za-z0-9._~+/=-]{16,}$/;
const MAX_TOKEN_LENGTH = 16_384;
/** Ten years: anything longer is not a token lifetime. */
const MAX_EXPIRES_IN = 10 * 365 * 24 * 3600;

/*
 * How Authing tells the operator's mistakes apart from the user's is not documented for this endpoint. These hints
 * are guesses from its other endpoints and from OIDC (see the table in the README of this flow): a WeChat error on
 * the code is checked first, because its message may also name the connection.
 */
const CODE_HINT =
  /invalid code|code (?:is |has been |been )?(?:invalid|expired|used)|\b(?:40029|40163|40226)\b|code\s*(?:无效|已过期|已被使用|已使用)/i;
const CONNECTION_HINT = /connidentifier|extIdpConn|connection|identifier|身份源|连接/i;
const APP_HINT = /x-authing-app-id|app ?id|application|应用/i;
const CLIENT_AUTH_HINT = /invalid_client|client[_ ](?:id|secret|authentication)|secret|密钥|身份验证/i;

/**
 * Reads the answer to `POST /api/v3/signin-by-mobile`, fail-closed: tokens only from HTTP 200/201 with the body's
 * `statusCode` exactly 200 and an `access_token` and an `id_token` of token shape. Anything else is a refusal of the
 * user (401/403 by `apiCode`), the operator's mistake (500 naming the option) or Authing's failure (502/503).
 *
 * @param secrets what must never reach a message: the codes, the app secret, the Basic credential.
 */
export function readSigninAnswer(status: number, text: unknown, pool: Pool, secrets: readonly (string | undefined)[]): App2WxappOidcTokens {
  if (status >= 500) throw LoginFailures.upstream(`Authing answered HTTP ${status}`, { upstreamStatus: status });
  if (status === 408 || status === 429) {
    throw LoginFailures.upstream(`Authing answered HTTP ${status}; try again shortly`, { upstreamStatus: status, retryAfterSeconds: 1, status: 503 });
  }
  if (status < 200 || (status >= 300 && status < 400)) throw LoginFailures.upstream(`Authing answered HTTP ${status}`, { upstreamStatus: status });

  const answer = parseV3Envelope(text);
  if (status >= 400) throw refusal(answer, status, pool, secrets);
  if (answer === undefined) throw LoginFailures.upstream('Authing answered with a body that is not a JSON object', { upstreamStatus: status });
  if (answer.statusCode === 200) {
    const refused = userRefusalOf(answer.apiCode, status);
    if (refused) throw refused;
    if (status !== 200 && status !== 201) throw LoginFailures.upstream(`Authing answered HTTP ${status} to the sign-in`, { upstreamStatus: status });
    const tokens = tokensOf(answer.data);
    if (typeof tokens === 'string') throw LoginFailures.upstream(`Authing's sign-in answer is unusable: ${tokens}`, { upstreamStatus: status });
    return tokens;
  }
  throw refusal(answer, status, pool, secrets);
}

function tokensOf(data: unknown): App2WxappOidcTokens | string {
  if (!isRecord(data)) return 'it holds no data';
  const accessToken = data.access_token;
  const idToken = data.id_token;
  if (!isToken(accessToken, TOKEN_SHAPE)) return 'it holds no access_token of token shape';
  if (!isToken(idToken, JWS_SHAPE)) return 'it holds no id_token of JWT shape';
  const refreshToken = isToken(data.refresh_token, TOKEN_SHAPE) ? data.refresh_token : undefined;
  // The contract's field is `expire_in`; OIDC's is `expires_in`. Neither decides whether the user gets in.
  const expiresIn = lifetime(data.expire_in) ?? lifetime(data.expires_in);
  const tokens: App2WxappOidcTokens = { accessToken, idToken };
  if (refreshToken !== undefined) tokens.refreshToken = refreshToken;
  if (expiresIn !== undefined) tokens.expiresIn = expiresIn;
  return tokens;
}

function isToken(value: unknown, shape: RegExp): value is string {
  return typeof value === 'string' && value.length <= MAX_TOKEN_LENGTH && shape.test(value);
}

function lifetime(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= MAX_EXPIRES_IN ? value : undefined;
}

/** Authing did not sign the user in: by `apiCode`, else by status and message, whose refusal is it. */
function refusal(answer: V3Envelope | undefined, status: number, pool: Pool, secrets: readonly (string | undefined)[]): App2WxappLoginError {
  const apiCode = answer?.apiCode;
  const byCode = userRefusalOf(apiCode, status);
  if (byCode) return byCode;

  // The body's statusCode speaks for an HTTP 200 answer; an HTTP error status speaks for itself.
  const effective = status >= 400 ? status : (answer?.statusCode ?? status);
  const message = answer?.message ?? '';
  const misconfigured = (option: 'appId' | 'appSecret' | 'appHost' | 'connection' | 'clientAuth', detail: string) =>
    LoginFailures.misconfigured(
      option,
      `${detail} (HTTP ${status}${answer?.statusCode !== undefined ? `, statusCode ${answer.statusCode}` : ''}${apiCode !== undefined ? `, apiCode ${apiCode}` : ''})`,
      apiCode,
      status,
    );

  if (answer === undefined && status >= 400) {
    if (status === 404) return misconfigured('appHost', 'Authing answered HTTP 404 at the v3 sign-in URL (is appHost the app domain?)');
    if (status === 401 || status === 403) return clientAuthFailure(pool, misconfigured);
  }
  if (effective >= 500) {
    return LoginFailures.upstream(`Authing refused the sign-in with statusCode ${effective}`, { upstreamStatus: status });
  }
  if (CODE_HINT.test(message)) return LoginFailures.codeRejected(redactThenCut(message, secrets), apiCode, status);
  if (answer?.error === 'invalid_client') return clientAuthFailure(pool, misconfigured);
  if (effective === 401 || effective === 403 || effective === 404 || effective === 400) {
    if (CONNECTION_HINT.test(message))
      return misconfigured('connection', 'Authing does not know the connection identifier, or it is not enabled for this app');
    if (CLIENT_AUTH_HINT.test(message) || effective === 401) return clientAuthFailure(pool, misconfigured);
    if (APP_HINT.test(message)) return misconfigured('appId', 'Authing does not know the app id, or refused it');
    if (effective === 404) return misconfigured('appHost', 'Authing answered 404 to the v3 sign-in (is appHost the app domain?)');
    if (effective === 403) return clientAuthFailure(pool, misconfigured);
  }
  if (effective >= 400 || (answer?.statusCode !== undefined && answer.statusCode !== 200)) {
    // The rest of the refusals: by elimination, the WeChat codes (invalid, used, expired).
    return LoginFailures.codeRejected(message ? redactThenCut(message, secrets) : undefined, apiCode, status);
  }
  return LoginFailures.upstream("Authing's sign-in answer has no statusCode 200 and no error", { upstreamStatus: status });
}

function clientAuthFailure(
  pool: Pool,
  misconfigured: (option: 'appSecret' | 'clientAuth', detail: string) => App2WxappLoginError,
): App2WxappLoginError {
  if (pool.clientAuth === 'none') {
    return misconfigured(
      'clientAuth',
      'Authing refused the sign-in without client authentication: the app requires client_secret_post or client_secret_basic',
    );
  }
  return misconfigured(
    'appSecret',
    `Authing refused the app's client authentication (a wrong appSecret, or the app is not set to ${pool.clientAuth}: check clientAuth too)`,
  );
}
