import type { App2WxappLoginError } from '../failure/app2wxapp-login.error';
import { LoginFailures } from '../failure/login-failures';
import type { ResolvedApp2WxappOptions } from '../options/app2wxapp-options.schema';
import { redactThenCut } from '../shared/redact.utils';
import type { App2WxappProfile } from '../profile/app2wxapp-profile.interface';
import { mapProfile } from '../profile/app2wxapp-profile.mapper';
import { parseUpstreamAnswer, type UpstreamAnswer } from './upstream-answer.parser';

type Pool = Pick<ResolvedApp2WxappOptions, 'userPoolId' | 'secret'>;

/** Authing's codes for the server's own settings (its legacy error table): the operator's mistake, not the user's. */
const SECRET_WRONG = 2003;
const POOL_NOT_FOUND = 2224;

/**
 * Turns Authing's HTTP answer into a profile, or into the failure the login answers with. Fail-closed: only a 2xx
 * answer can hold a user; a 4xx is a refusal (or the operator's mistake) whatever its body looks like.
 */
export function readAnswer(status: number, text: unknown, ticket: string, pool: Pool): App2WxappProfile {
  if (status >= 500) throw LoginFailures.upstream(`Authing answered HTTP ${status}`, { upstreamStatus: status });
  if (status === 408 || status === 429) {
    throw LoginFailures.upstream(`Authing answered HTTP ${status}; try again shortly`, { upstreamStatus: status, retryAfterSeconds: 1, status: 503 });
  }
  if (status < 200 || (status >= 300 && status < 400)) throw LoginFailures.upstream(`Authing answered HTTP ${status}`, { upstreamStatus: status });

  const answer = parse(text);
  if (status >= 400) throw refusal(answer, status, ticket, pool);
  if (answer === undefined) throw LoginFailures.upstream('Authing answered with a body that is not JSON', { upstreamStatus: status });
  if (answer.kind === 'user') return mapProfile(answer.user, pool.userPoolId);
  if (answer.kind === 'refused') throw refusal(answer, status, ticket, pool);
  throw LoginFailures.upstream(`Authing's answer is unusable: ${answer.reason}`, { upstreamStatus: status });
}

function parse(text: unknown): UpstreamAnswer | undefined {
  try {
    return parseUpstreamAnswer(JSON.parse(typeof text === 'string' ? text : ''));
  } catch {
    return undefined;
  }
}

/** A refusal: Authing's code says whether it refused the ticket or the server's own settings. */
function refusal(answer: UpstreamAnswer | undefined, status: number, ticket: string, pool: Pool): App2WxappLoginError {
  const code = answer?.kind === 'refused' ? answer.code : undefined;
  if (code === SECRET_WRONG) {
    const detail =
      pool.secret === undefined
        ? 'Authing requires the user pool secret (the pool is set to exchange without one)'
        : 'Authing says the user pool secret is wrong';
    return LoginFailures.misconfigured('secret', `${detail} (code ${code})`, code, status);
  }
  if (code === POOL_NOT_FOUND) return LoginFailures.misconfigured('userPoolId', `Authing knows no such user pool (code ${code})`, code, status);
  // No such route: the host carries a path, or it is not Authing's API host.
  if (status === 404) return LoginFailures.misconfigured('host', 'Authing answered HTTP 404 at the exchange URL', code, status);
  const reason = answer?.kind === 'refused' && answer.message ? redactThenCut(answer.message, [ticket, pool.secret]) : undefined;
  return LoginFailures.rejected(reason, code, status);
}
