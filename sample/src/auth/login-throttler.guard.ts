import { HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';

/**
 * The login rate limit. ThrottlerGuard already sets `Retry-After`; its exception carries a bare string, which Nest
 * answers as `{ statusCode, message }`. This answers Nest's standard shape, like every other error of the app.
 */
@Injectable()
export class LoginThrottlerGuard extends ThrottlerGuard {
  protected override async throwThrottlingException(): Promise<void> {
    const message = 'Too many login attempts from this address; retry after the Retry-After delay';
    throw new HttpException(HttpException.createBody(message, 'Too Many Requests', HttpStatus.TOO_MANY_REQUESTS), HttpStatus.TOO_MANY_REQUESTS);
  }
}
