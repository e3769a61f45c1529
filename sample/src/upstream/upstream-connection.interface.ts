import type { App2WxappEmulator } from 'nestjs-app2wxapp/testing';
import type { ClientAuthMethod, LoginFlow } from '../config/sample-config.interface';

export const UPSTREAM = Symbol('UPSTREAM');

interface UpstreamBase {
  readonly mode: 'authing' | 'emulator';
  readonly flow: LoginFlow;
  readonly userPoolId: string;
  /** Set in emulator mode only. */
  readonly emulator?: App2WxappEmulator;
}

/** The ticket flow: tickets from Authing's mini program, exchanged at `{host}/oauth/app2wxapp/auth/{userPoolId}`. */
export interface TicketUpstream extends UpstreamBase {
  readonly flow: 'ticket';
  /** Absent exactly when the pool exchanges tickets without its secret. */
  readonly secret?: string;
  /** Base URL of the exchange API. */
  readonly host: string;
}

/** The app-launch flow: WeChat codes from your own mini program, signed in at `{appHost}/api/v3/signin-by-mobile`. */
export interface AppLaunchUpstream extends UpstreamBase {
  readonly flow: 'app-launch';
  readonly appId: string;
  /** Absent exactly when `clientAuth` is `none`. */
  readonly appSecret?: string;
  readonly appHost: string;
  readonly connection: string;
  readonly clientAuth: ClientAuthMethod;
}

/** Where logins go: the real Authing, or the emulator started in this process; for one of the two flows. */
export type UpstreamConnection = TicketUpstream | AppLaunchUpstream;
