import { isRecord, printable } from '../shared/record.utils';

/** Authing's v3 envelope `{ statusCode, message, apiCode?, requestId?, data }`, as far as it could be read. */
export interface V3Envelope {
  /** The body's `statusCode`, when it is an integer (not the HTTP status). */
  readonly statusCode?: number;
  /** `apiCode`, a number or a numeric string in Authing's examples. */
  readonly apiCode?: number;
  /** `message` (or an OIDC `error_description`), printable, not yet redacted nor cut. */
  readonly message?: string;
  /** An OIDC-style `error` (`invalid_client`…), which a client-authentication failure may answer with. */
  readonly error?: string;
  readonly data: unknown;
}

/** Parses a v3 body; `undefined` when it is not a JSON object. Never throws. */
export function parseV3Envelope(text: unknown): V3Envelope | undefined {
  let body: unknown;
  try {
    body = JSON.parse(typeof text === 'string' ? text : '');
  } catch {
    return undefined;
  }
  if (!isRecord(body)) return undefined;
  return {
    statusCode: typeof body.statusCode === 'number' && Number.isInteger(body.statusCode) ? body.statusCode : undefined,
    apiCode: toCode(body.apiCode),
    message: printable(body.message) ?? printable(body.error_description),
    error: printable(body.error),
    data: body.data,
  };
}

function toCode(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\d{1,9}$/.test(value.trim())) return Number(value.trim());
  return undefined;
}
