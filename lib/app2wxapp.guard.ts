import { type ExecutionContext, HttpException, Injectable, InternalServerErrorException, Logger, type Type } from '@nestjs/common';
import { AuthGuard, type IAuthGuard } from '@nestjs/passport';
import { APP2WXAPP_LOGGER_CONTEXT, APP2WXAPP_STRATEGY } from './app2wxapp.constants';

// Typed explicitly: without it the Nest 12 `.d.ts` output carries a `resolution-mode` import.
const Base: Type<IAuthGuard> = AuthGuard(APP2WXAPP_STRATEGY);

/**
 * Logs a user in with an app2wxapp ticket; the strategy's answer becomes `request.user`. Every failure keeps its
 * status and reason (Passport's bare 401 is not used), and 503s carry `Retry-After`. HTTP contexts only: for
 * GraphQL or other transports, subclass it and override `getRequest`, or call `App2WxappClient` yourself.
 */
@Injectable()
export class App2WxappGuard extends Base {
  private readonly logger = new Logger(APP2WXAPP_LOGGER_CONTEXT);

  override getRequest(context: ExecutionContext): any {
    if (context.getType() !== 'http') {
      throw new InternalServerErrorException(
        `App2WxappGuard supports HTTP requests only (got "${context.getType()}"); override getRequest() to use it elsewhere`,
      );
    }
    return context.switchToHttp().getRequest();
  }

  override handleRequest<TUser = any>(err: any, user: any, _info: any, context: ExecutionContext): TUser {
    if (err instanceof HttpException) {
      setRetryAfter(err, context);
      throw err;
    }
    if (err) throw err;
    if (!user) {
      // The strategy always throws its reason; reaching here means Passport itself failed.
      this.logger.error('The app2wxapp strategy produced no user and no error');
      throw new InternalServerErrorException('Login failed because of an internal error');
    }
    return user;
  }
}

function setRetryAfter(err: HttpException, context: ExecutionContext): void {
  const seconds = (err as { retryAfterSeconds?: number }).retryAfterSeconds;
  if (!seconds || context.getType() !== 'http') return;
  const response = context.switchToHttp().getResponse();
  if (typeof response?.header === 'function') response.header('Retry-After', String(seconds));
  else response?.setHeader?.('Retry-After', String(seconds));
}
