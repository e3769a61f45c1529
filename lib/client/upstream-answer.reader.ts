import type { ResolvedApp2WxappOptions } from '../options/app2wxapp-options.schema';
import { App2WxappTicketRejectedError, App2WxappUpstreamError } from './app2wxapp-upstream.errors';
import type { App2WxappProfile } from './app2wxapp-profile.interface';
import { mapProfile } from './app2wxapp-profile.mapper';
import { redactThenCut } from './redact.utils';
import { parseUpstreamAnswer } from './upstream-answer.parser';

type Pool = Pick<ResolvedApp2WxappOptions, 'userPoolId' | 'secret'>;

/** Turns Authing's HTTP answer into a profile, or into the error the guard answers with. */
export function readAnswer(status: number, text: unknown, ticket: string, pool: Pool): App2WxappProfile {
  if (status >= 500) {
    throw new App2WxappUpstreamError(`Authing answered HTTP ${status}`, 'http-status', 502, status);
  }
  if (status === 408 || status === 429) {
    throw new App2WxappUpstreamError(`Authing answered HTTP ${status}; try again shortly`, 'http-status', 503, status, 1);
  }
  if (status < 200 || (status >= 300 && status < 400)) {
    throw new App2WxappUpstreamError(`Authing answered HTTP ${status}`, 'http-status', 502, status);
  }
  let body: unknown;
  try {
    body = JSON.parse(typeof text === 'string' ? text : '');
  } catch {
    if (status >= 400) throw new App2WxappTicketRejectedError(`Authing refused the ticket (HTTP ${status})`, undefined, status);
    throw new App2WxappUpstreamError('Authing answered with a body that is not JSON', 'invalid-body', 502, status);
  }
  const answer = parseUpstreamAnswer(body);
  if (answer.kind === 'user') return mapProfile(answer.user, pool.userPoolId);
  if (answer.kind === 'refused' || status >= 400) {
    const code = answer.kind === 'refused' ? answer.code : undefined;
    const reason = answer.kind === 'refused' && answer.message ? redactThenCut(answer.message, [ticket, pool.secret]) : undefined;
    const detail = [code !== undefined ? `code ${code}` : undefined, status >= 400 ? `HTTP ${status}` : undefined].filter(Boolean).join(', ');
    throw new App2WxappTicketRejectedError(`Authing refused the ticket: ${reason ?? 'no reason given'} (${detail})`, code, status);
  }
  const failure = answer.reason.includes('user') ? 'no-user' : 'invalid-body';
  throw new App2WxappUpstreamError(`Authing's answer is unusable: ${answer.reason}`, failure, 502, status);
}
