import { Controller, Get, Req, UseGuards } from '@nestjs/common';
import { SessionGuard } from '../session/session.guard';
import type { StoredUser } from '../users/stored-user.interface';

@Controller('me')
export class MeController {
  /** The stored user of the access token, as the database holds it now. */
  @Get()
  @UseGuards(SessionGuard)
  me(@Req() request: { user: StoredUser }): StoredUser {
    return request.user;
  }
}
