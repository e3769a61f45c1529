import { isRecord, printable } from '../shared/record.utils';

/**
 * Reads Authing's answer to the exchange. All three documented shapes occur: an envelope whose `data` is a JSON
 * string, an envelope whose `data` is an object, and the bare user object. `code` may be a number or a string.
 */
export type UpstreamAnswer =
  { kind: 'user'; user: Record<string, unknown> } | { kind: 'refused'; code: number; message?: string } | { kind: 'invalid'; reason: string };

const USER_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function parseUpstreamAnswer(body: unknown): UpstreamAnswer {
  if (!isRecord(body)) return { kind: 'invalid', reason: 'the body is not a JSON object' };
  if (!('code' in body)) return asUser(body);

  const code = toCode(body.code);
  if (code === undefined) return { kind: 'invalid', reason: 'the envelope has no numeric code' };
  if (code !== 200) return { kind: 'refused', code, message: printable(body.message) };

  let data = body.data;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch {
      return { kind: 'invalid', reason: 'data is not valid JSON' };
    }
  }
  if (!isRecord(data)) return { kind: 'invalid', reason: 'the answer holds no user' };
  return asUser(data);
}

function asUser(user: Record<string, unknown>): UpstreamAnswer {
  // Fail closed: an id that is not the documented shape (24 hex characters; other deployments' ids are of this
  // alphabet too) is not a user.
  if (typeof user._id !== 'string' || !USER_ID.test(user._id)) {
    return { kind: 'invalid', reason: 'the answer holds no user id of the documented shape' };
  }
  return { kind: 'user', user };
}

function toCode(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d{1,9}$/.test(value.trim())) return Number(value.trim());
  return undefined;
}
