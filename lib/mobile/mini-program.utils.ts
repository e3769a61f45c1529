import { AUTHING_MINI_PROGRAM_PATH, AUTHING_MINI_PROGRAM_USERNAME } from '../app2wxapp.constants';

export interface ExtMsg {
  /** 200 on success; 400 when the user cancelled; 0 when the string carried no numeric code. */
  code: number;
  message: string;
  ticket?: string;
}

/**
 * Parses the `extMsg` query string that Authing's mini program hands back to the app, e.g.
 * `code=200&message=授权成功&ticket=eyJ...`. Unlike the official samples it splits each pair on its first `=` only and
 * URL-decodes keys and values; `+` stays `+`, because tickets may contain it.
 */
export function parseExtMsg(extMsg: string): ExtMsg {
  if (typeof extMsg !== 'string') throw new TypeError('parseExtMsg: extMsg must be a string');
  const fields = new Map<string, string>();
  for (const pair of extMsg.replace(/^\?/, '').split('&')) {
    if (!pair) continue;
    const at = pair.indexOf('=');
    const key = decode(at === -1 ? pair : pair.slice(0, at));
    if (!fields.has(key)) fields.set(key, at === -1 ? '' : decode(pair.slice(at + 1)));
  }
  const code = Number(fields.get('code'));
  const ticket = fields.get('ticket');
  return {
    code: Number.isInteger(code) ? code : 0,
    message: fields.get('message') ?? '',
    ...(ticket ? { ticket } : {}),
  };
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part; // a lone `%` is data, not an escape
  }
}

export interface MiniProgramLaunchOptions {
  userPoolId: string;
  /** Ask the user for their phone number too. Default false. */
  getPhone?: boolean;
}

export interface MiniProgramLaunch {
  /** `WXLaunchMiniProgramReq.userName`: Authing's mini program. */
  userName: typeof AUTHING_MINI_PROGRAM_USERNAME;
  /** `WXLaunchMiniProgramReq.path`. */
  path: string;
}

/** The parameters of the WeChat OpenSDK's `WXLaunchMiniProgramReq` that open Authing's login mini program. */
export function buildMiniProgramLaunch(options: MiniProgramLaunchOptions): MiniProgramLaunch {
  const userPoolId = options?.userPoolId;
  if (typeof userPoolId !== 'string' || userPoolId.trim() === '') {
    throw new TypeError('buildMiniProgramLaunch: userPoolId must be a non-empty string');
  }
  const query = [`userPoolId=${encodeURIComponent(userPoolId)}`];
  if (options.getPhone) query.push('getPhone=1');
  query.push('fromApp=1', 'useSelfWxapp=0');
  return { userName: AUTHING_MINI_PROGRAM_USERNAME, path: `${AUTHING_MINI_PROGRAM_PATH}?${query.join('&')}` };
}
