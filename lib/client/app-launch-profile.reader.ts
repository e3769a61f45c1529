import { LoginFailures } from '../failure/login-failures';
import { isRecord } from '../shared/record.utils';
import { ACTIVATED } from '../profile/app-launch-profile.mapper';
import { userRefusalOf } from './v3-api-codes';
import { parseV3Envelope } from './v3-answer.parser';

/** Authing's user ids are 24 hex characters; other deployments' ids use this alphabet too. */
export const USER_ID_SHAPE = /^[A-Za-z0-9_-]{1,64}$/;

/** v3's documented statuses other than `Activated`: named in the refusal. Anything else is named "unknown". */
const KNOWN_STATUSES = new Set(['Suspended', 'Deactivated', 'Resigned', 'Archived']);

/**
 * Reads the answer to `GET /api/v3/get-profile`, fail-closed: a user only from HTTP 2xx with the body's `statusCode`
 * exactly 200, `data.userId` of the id shape and `data.status` exactly `Activated`. Another status (or none) is a
 * 403 that names it. Authing refusing the access token it has just issued, or any other answer, is Authing's failure
 * (502), except a 404 (the operator's `appHost`).
 */
export function readProfileAnswer(status: number, text: unknown): Record<string, unknown> {
  if (status === 408 || status === 429) {
    throw LoginFailures.upstream(`Authing answered HTTP ${status} to get-profile; try again shortly`, {
      upstreamStatus: status,
      retryAfterSeconds: 1,
      status: 503,
    });
  }
  if (status === 404) return misconfiguredHost(status);
  const answer = status >= 200 && status < 300 ? parseV3Envelope(text) : undefined;
  if (answer === undefined)
    throw LoginFailures.upstream(`Authing answered get-profile with HTTP ${status} and no usable body`, { upstreamStatus: status });
  if (answer.statusCode !== 200) {
    const refused = userRefusalOf(answer.apiCode, status);
    if (refused) throw refused;
    throw LoginFailures.upstream(`Authing refused get-profile with statusCode ${answer.statusCode ?? 'none'}`, { upstreamStatus: status });
  }
  const user = answer.data;
  if (!isRecord(user) || typeof user.userId !== 'string' || !USER_ID_SHAPE.test(user.userId)) {
    throw LoginFailures.upstream("Authing's get-profile answer holds no userId of the documented shape", { upstreamStatus: status });
  }
  if (user.status !== ACTIVATED) {
    const named =
      user.status === undefined ? 'missing' : typeof user.status === 'string' && KNOWN_STATUSES.has(user.status) ? user.status : 'unknown';
    throw LoginFailures.userRefused(`This user's status in Authing is ${named}, not Activated`, undefined, status);
  }
  return user;
}

function misconfiguredHost(status: number): never {
  throw LoginFailures.misconfigured('appHost', 'Authing answered HTTP 404 at the v3 get-profile URL (is appHost the app domain?)', undefined, status);
}
