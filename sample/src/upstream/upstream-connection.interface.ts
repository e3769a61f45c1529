import type { App2WxappEmulator } from 'nestjs-app2wxapp/testing';

export const UPSTREAM = Symbol('UPSTREAM');

/** Where ticket exchanges go: the real Authing, or the emulator started in this process. */
export interface UpstreamConnection {
  readonly mode: 'authing' | 'emulator';
  readonly userPoolId: string;
  readonly secret?: string;
  /** Base URL of the exchange API. */
  readonly host: string;
  /** Set in emulator mode only. */
  readonly emulator?: App2WxappEmulator;
}
