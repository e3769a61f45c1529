import { Body, Controller, Post, UsePipes } from '@nestjs/common';
import { parseExtMsg } from 'nestjs-app2wxapp';
import type { UpstreamConnection } from '../upstream/upstream-connection.interface';
import { InjectUpstream } from '../upstream/upstream.providers';
import { ClassValidationPipe } from './class-validation.pipe';
import { IssueTicketDto } from './issue-ticket.dto';

/**
 * Plays Authing's mini program for the demo page: mints the ticket that WeChat would hand to the mobile app.
 * Registered in emulator mode only; with a real Authing this route does not exist.
 */
@Controller('dev/emulator')
export class DevEmulatorController {
  constructor(@InjectUpstream() private readonly upstream: UpstreamConnection) {}

  @Post('tickets')
  @UsePipes(ClassValidationPipe)
  issueTicket(@Body() person: IssueTicketDto): { ticket: string; extMsg: string } {
    // The phone reaches the app only if the person shares it, as in the real mini program.
    const extMsg = this.upstream.emulator!.issueExtMsg({
      nickname: person.nickname,
      phone: person.phone,
      unionid: person.unionid,
    });
    return { ticket: parseExtMsg(extMsg).ticket!, extMsg };
  }
}
