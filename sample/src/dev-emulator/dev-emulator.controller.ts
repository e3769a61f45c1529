import { Body, Controller, Post, UsePipes } from '@nestjs/common';
import { parseExtMsg } from 'nestjs-app2wxapp';
import type { AppLaunchUpstream, UpstreamConnection } from '../upstream/upstream-connection.interface';
import { InjectUpstream } from '../upstream/upstream.providers';
import { ClassValidationPipe } from './class-validation.pipe';
import { IssueTicketDto } from './issue-ticket.dto';

/**
 * Ticket flow: plays Authing's mini program for the demo page, minting the ticket that WeChat would hand to the
 * mobile app. Registered in emulator mode and the ticket flow only; with a real Authing this route does not exist.
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

/**
 * App-launch flow: plays your own mini program for the demo page, minting the `wx.login` code and the
 * `getPhoneNumber` code it would return, and the `extMsg` JSON that carries them. Registered in emulator mode and the
 * app-launch flow only.
 */
@Controller('dev/emulator')
export class DevEmulatorCodesController {
  constructor(@InjectUpstream() private readonly upstream: UpstreamConnection) {}

  @Post('codes')
  @UsePipes(ClassValidationPipe)
  issueCodes(@Body() person: IssueTicketDto): { code: string; phoneInfoCode: string; extMsg: string } {
    const upstream = this.upstream as AppLaunchUpstream;
    const { code, phoneInfoCode, extMsg } = upstream.emulator!.issueCodes(
      { nickname: person.nickname, phone: person.phone, unionid: person.unionid },
      { appId: upstream.appId },
    );
    return { code, phoneInfoCode, extMsg };
  }
}
