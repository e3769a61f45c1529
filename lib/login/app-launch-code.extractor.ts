import { LoginFailures } from '../failure/login-failures';
import { type AppLaunchCodes, appLaunchCodesProblem } from '../shared/app-launch-code.utils';
import { isRecord } from '../shared/record.utils';

/** The mini program's `extMsg` is a small JSON object; anything longer is not it. */
const MAX_EXT_MSG_LENGTH = 4096;

/**
 * The default place of the WeChat codes of an app-launch login: the JSON body's `code` and `phoneInfoCode`, else the
 * body's `extMsg` (the mini program's raw answer, `{"code":"…","phoneInfoCode":"…"}`). Headers and the query string
 * are never read: codes do not belong in access logs. Missing or malformed codes fail with a 401 before any call.
 */
export function extractAppLaunchCodes(request: any): AppLaunchCodes {
  const body: unknown = request?.body;
  if (!isRecord(body)) throw LoginFailures.invalidCode('No WeChat codes were presented');
  return codesOf(body);
}

/** True when none of the default places holds anything, not even an `extMsg` that would be refused. */
export function presentsNoCodes(request: any): boolean {
  const body: unknown = request?.body;
  return !isRecord(body) || (body.code === undefined && body.phoneInfoCode === undefined && body.extMsg === undefined);
}

/** In a GraphQL resolver: its `code` and `phoneInfoCode` arguments, else its `extMsg` argument. */
export function extractGraphqlAppLaunchCodes(args: unknown): AppLaunchCodes {
  if (!isRecord(args)) throw LoginFailures.invalidCode('No WeChat codes were presented');
  const present = (v: unknown) => v !== undefined && v !== null;
  if (present(args.code) || present(args.phoneInfoCode)) return checked({ code: args.code, phoneInfoCode: args.phoneInfoCode });
  if (present(args.extMsg)) return codesOfExtMsg(args.extMsg);
  throw LoginFailures.invalidCode('No WeChat codes were presented');
}

/**
 * What an app's `codeExtractor` returned, read like the default places: `{ code, phoneInfoCode }`, an object with
 * `extMsg`, or the raw `extMsg` string.
 */
export function readAppLaunchCodes(value: unknown): AppLaunchCodes {
  if (typeof value === 'string') return codesOfExtMsg(value);
  if (!isRecord(value)) throw LoginFailures.invalidCode('No WeChat codes were presented');
  return codesOf(value);
}

function codesOf(fields: Record<string, unknown>): AppLaunchCodes {
  if (fields.code !== undefined || fields.phoneInfoCode !== undefined) {
    return checked({ code: fields.code, phoneInfoCode: fields.phoneInfoCode });
  }
  if (fields.extMsg !== undefined) return codesOfExtMsg(fields.extMsg);
  throw LoginFailures.invalidCode('No WeChat codes were presented');
}

function codesOfExtMsg(extMsg: unknown): AppLaunchCodes {
  if (typeof extMsg !== 'string' || extMsg.length > MAX_EXT_MSG_LENGTH) {
    throw LoginFailures.invalidCode('extMsg must be the JSON string that the mini program returned');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(extMsg);
  } catch {
    throw LoginFailures.invalidCode('extMsg is not the JSON that the mini program returns');
  }
  if (!isRecord(parsed)) throw LoginFailures.invalidCode('extMsg is not the JSON object that the mini program returns');
  return checked({ code: parsed.code, phoneInfoCode: parsed.phoneInfoCode });
}

/** A fresh object holding only the two checked strings: nothing else of the request travels on. */
function checked(candidate: { code: unknown; phoneInfoCode: unknown }): AppLaunchCodes {
  const problem = appLaunchCodesProblem(candidate);
  if (problem) throw LoginFailures.invalidCode(problem);
  return { code: candidate.code as string, phoneInfoCode: candidate.phoneInfoCode as string };
}
