import type { Deadline } from '../shared/deadline.utils';
import type { LoginTrace } from '../telemetry/app2wxapp.telemetry';
import type { App2WxappProfile } from '../profile/app2wxapp-profile.interface';

/**
 * What the authenticator calls to turn a presented credential into Authing's user, whatever the flow: a ticket
 * (`App2WxappClient`, `flow: 'ticket'`) or the WeChat codes of an app-launched mini program (`AppLaunchClient`,
 * `flow: 'app-launch'`). Every failure is an `App2WxappLoginError`; the work ends by `limit`, the login's one deadline.
 */
export interface LoginExchange<TCredential> {
  /** The pool this exchange serves. */
  readonly pool: string;
  exchange(credential: TCredential, limit: Deadline, login?: LoginTrace): Promise<App2WxappProfile>;
}
