import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { UsersRepository } from '../users/users.repository';
import { SessionService } from './session.service';

const BEARER = /^Bearer +([A-Za-z0-9._~+/=-]+) *$/i;

/** Requires `Authorization: Bearer <accessToken>` and puts the stored user, re-read from the database, on the request. */
@Injectable()
export class SessionGuard implements CanActivate {
  constructor(
    private readonly sessions: SessionService,
    private readonly users: UsersRepository,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest();
    const match = BEARER.exec(request.headers?.authorization ?? '');
    if (!match) throw new UnauthorizedException('Send the access token as "Authorization: Bearer <accessToken>"');

    let subject: string;
    try {
      subject = (await this.sessions.verify(match[1])).sub;
    } catch (error) {
      const expired = (error as { name?: string })?.name === 'TokenExpiredError';
      throw new UnauthorizedException(expired ? 'The access token has expired' : 'The access token is invalid');
    }
    const user = typeof subject === 'string' ? await this.users.findById(subject) : undefined;
    if (!user) throw new UnauthorizedException('The user of this access token no longer exists');
    request.user = user;
    return true;
  }
}
