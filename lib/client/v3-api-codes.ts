import type { App2WxappLoginError } from '../failure/app2wxapp-login.error';
import { LoginFailures, type UpstreamInteraction } from '../failure/login-failures';

/**
 * Authing's v3 `apiCode`s that refuse the user rather than the request (its error table, and GA/GI's `Const`), as
 * the failure the login answers with. The messages are ours: no upstream text reaches the client through this table.
 */
const USER_REFUSED: Readonly<Record<number, string>> = {
  2005: 'This user is locked in Authing',
  2120008: 'This user is disabled in Authing, or is not a member of this tenant',
  2130010: 'This user may not enter this tenant',
  1576: 'This user has no permission to log in to this app',
  2031: 'This app does not let new users register in Authing',
};

const INTERACTION: Readonly<Record<number, UpstreamInteraction>> = {
  1636: 'mfa',
  1639: 'password-reset',
  1640: 'bind-existing-account',
  1641: 'bind-or-create-account',
  1642: 'complete-profile',
  2921: 'choose-account',
};

const USER_NOT_FOUND = 2004;

/** The failure for a user-level `apiCode`, or `undefined` when the code is not one of them. */
export function userRefusalOf(apiCode: number | undefined, httpStatus: number): App2WxappLoginError | undefined {
  if (apiCode === undefined) return undefined;
  const refused = USER_REFUSED[apiCode];
  if (refused) return LoginFailures.userRefused(refused, apiCode, httpStatus);
  const interaction = INTERACTION[apiCode];
  if (interaction) return LoginFailures.interactionRequired(interaction, apiCode, httpStatus);
  if (apiCode === USER_NOT_FOUND) return LoginFailures.refusedUpstream('Authing found no user for these WeChat codes', apiCode, httpStatus);
  return undefined;
}
