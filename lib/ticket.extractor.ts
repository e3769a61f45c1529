import { UnauthorizedException } from '@nestjs/common';
import { TICKET_HEADER } from './app2wxapp.constants';
import { parseExtMsg } from './mini-program.utils';
import { isRecord, safeMessage } from './upstream-answer.parser';

/**
 * The default place of the ticket: JSON body `ticket`, else header `x-app2wxapp-ticket`, else body `extMsg` (the
 * mini program's raw answer). The query string is never read: tickets do not belong in access logs.
 */
export function extractTicket(request: any): unknown {
  const body: unknown = request?.body;
  if (isRecord(body) && body.ticket !== undefined) return body.ticket;

  const header = request?.headers?.[TICKET_HEADER];
  if (header !== undefined) return header;

  if (isRecord(body) && body.extMsg !== undefined) {
    if (typeof body.extMsg !== 'string' || body.extMsg.length > 8192) {
      throw new UnauthorizedException('extMsg must be the string that the mini program returned');
    }
    const ext = parseExtMsg(body.extMsg);
    if (ext.code !== 200) {
      throw new UnauthorizedException(`The mini program reported: ${safeMessage(ext.message) ?? 'no message'} (code ${ext.code})`);
    }
    if (ext.ticket === undefined) throw new UnauthorizedException('extMsg carries no ticket');
    return ext.ticket;
  }
  return undefined;
}
