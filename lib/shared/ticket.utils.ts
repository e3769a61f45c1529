import { hash } from 'node:crypto';
import { MAX_TICKET_LENGTH, TICKET_PATTERN } from '../app2wxapp.constants';

/** Why a presented value cannot be a ticket, or `undefined` when it can. Never quotes the value. */
export function ticketProblem(ticket: unknown): string | undefined {
  if (ticket === undefined || ticket === null) return 'No ticket was presented';
  if (typeof ticket !== 'string') return 'The ticket must be a string';
  if (ticket.length === 0) return 'The ticket is empty';
  if (ticket.length > MAX_TICKET_LENGTH) return `The ticket is longer than ${MAX_TICKET_LENGTH} characters`;
  if (!TICKET_PATTERN.test(ticket)) return 'The ticket contains characters a ticket cannot contain';
  return undefined;
}

/**
 * The SHA-256 of a ticket (64 hex characters): what replay stores keep, so that a store's contents cannot be
 * replayed. `crypto.hash` (one call, no Hash object) measured 0.4 µs against 1 µs for `createHash().update().digest()`.
 */
export function ticketDigest(ticket: string): string {
  return hash('sha256', ticket, 'hex');
}

/** A short, non-reversible tag for log lines, from a digest or a replay key (`<pool>:<digest>`). */
export function ticketTag(key: string): string {
  const at = key.lastIndexOf(':') + 1;
  return key.slice(at, at + 12);
}
