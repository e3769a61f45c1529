import { ticketDigest } from './ticket.utils';

/** What the customer's mini program hands back to the app (`extMsg`): the `wx.login` code and the phone-number code. */
export interface AppLaunchCodes {
  /** `wx.login`'s code: single-use, valid 5 minutes. */
  readonly code: string;
  /** `getPhoneNumber`'s code (`wxPhoneInfo.code`): single-use too. */
  readonly phoneInfoCode: string;
}

/**
 * WeChat's codes are 32 characters of `[A-Za-z0-9]` (`wx.login`) and 32 to 64 of hex-like text (`getPhoneNumber`);
 * neither format is documented as fixed, so this admits a little more (8 to 128, with `_` and `-`) and nothing that
 * could break a JSON body, a header or a log line.
 */
export const WECHAT_CODE_PATTERN = /^[A-Za-z0-9_-]+$/;
export const MIN_WECHAT_CODE_LENGTH = 8;
export const MAX_WECHAT_CODE_LENGTH = 128;

/** Why `value` cannot be the named code, or `undefined` when it can. Never quotes the value. */
export function wechatCodeProblem(value: unknown, name: 'code' | 'phoneInfoCode'): string | undefined {
  if (value === undefined || value === null || value === '') return `No ${name} was presented`;
  if (typeof value !== 'string') return `The ${name} must be a string`;
  if (value.length < MIN_WECHAT_CODE_LENGTH) return `The ${name} is shorter than ${MIN_WECHAT_CODE_LENGTH} characters`;
  if (value.length > MAX_WECHAT_CODE_LENGTH) return `The ${name} is longer than ${MAX_WECHAT_CODE_LENGTH} characters`;
  if (!WECHAT_CODE_PATTERN.test(value)) return `The ${name} contains characters a WeChat code cannot contain`;
  return undefined;
}

/** Why `value` is not a pair of WeChat codes, or `undefined`. Never quotes it. */
export function appLaunchCodesProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'No WeChat codes were presented';
  const { code, phoneInfoCode } = value as Record<string, unknown>;
  return wechatCodeProblem(code, 'code') ?? wechatCodeProblem(phoneInfoCode, 'phoneInfoCode');
}

/**
 * The replay claim's key: the SHA-256 of the `wx.login` code, which WeChat lets be used once. The phone code is left
 * out: a replay with a fresh phone code is still the same login code.
 */
export function appLaunchCodeDigest(codes: AppLaunchCodes): string {
  return ticketDigest(codes.code);
}
