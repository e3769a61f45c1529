import { TICKET_HEADER } from '../app2wxapp.constants';
import { LoginFailures } from '../failure/login-failures';
import { redactThenCut } from '../shared/redact.utils';
import { isRecord, printable } from '../shared/record.utils';
import { parseExtMsg } from '../mobile/mini-program.utils';

const MAX_EXT_MSG_LENGTH = 8192;

/**
 * The default place of the ticket: JSON body `ticket`, else header `x-app2wxapp-ticket`, else body `extMsg` (the
 * mini program's raw answer). The query string is never read: tickets do not belong in access logs.
 */
export function extractTicket(request: any): unknown {
  const body: unknown = request?.body;
  if (isRecord(body) && body.ticket !== undefined) return body.ticket;
  const header = request?.headers?.[TICKET_HEADER];
  if (header !== undefined) return header;
  if (isRecord(body) && body.extMsg !== undefined) return ticketOfExtMsg(body.extMsg);
  return undefined;
}

/** True when none of the default places holds anything: not even an extMsg that `extractTicket` would refuse. */
export function presentsNoTicket(request: any): boolean {
  const body: unknown = request?.body;
  const fields = isRecord(body) ? body : {};
  return fields.ticket === undefined && request?.headers?.[TICKET_HEADER] === undefined && fields.extMsg === undefined;
}

/** In a GraphQL resolver: its `ticket` argument, else its `extMsg` argument, else the header of the HTTP request. */
export function extractGraphqlTicket(args: unknown, request: any): unknown {
  if (isRecord(args) && args.ticket !== undefined && args.ticket !== null) return args.ticket;
  if (isRecord(args) && args.extMsg !== undefined && args.extMsg !== null) return ticketOfExtMsg(args.extMsg);
  return request?.headers?.[TICKET_HEADER];
}

function ticketOfExtMsg(extMsg: unknown): string {
  if (typeof extMsg !== 'string' || extMsg.length > MAX_EXT_MSG_LENGTH) {
    throw LoginFailures.invalidTicket('extMsg must be the string that the mini program returned');
  }
  const ext = parseExtMsg(extMsg);
  if (ext.code !== 200) {
    const message = printable(ext.message);
    const reason = message ? redactThenCut(message, [ext.ticket]) : 'no message';
    throw LoginFailures.invalidTicket(`The mini program reported: ${reason} (code ${ext.code})`);
  }
  if (ext.ticket === undefined) throw LoginFailures.invalidTicket('extMsg carries no ticket');
  return ext.ticket;
}
