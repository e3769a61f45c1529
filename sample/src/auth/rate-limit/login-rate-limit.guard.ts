import { type CanActivate, type ExecutionContext, HttpException, HttpStatus, Injectable } from '@nestjs/common';
import type { SampleConfig } from '../../config/sample-config.interface';
import { InjectSampleConfig } from '../../config/sample-config.module';
import { FixedWindowLimiter } from './fixed-window.limiter';

const ONE_MINUTE_MS = 60_000;

interface HeaderResponse {
  setHeader(name: string, value: string | number): unknown;
}

/**
 * LOGIN_RATE_LIMIT_PER_MINUTE logins per client IP (Express `req.ip`: set TRUST_PROXY behind a reverse proxy), then
 * 429 with `Retry-After`. It runs before the login guard, so a flood never reaches Authing.
 *
 * Not `@nestjs/throttler`: its latest release (6.x) is CommonJS and requires `@nestjs/common`, which is ESM-only from
 * NestJS 12 on. Node loads that through require(esm), but Jest cannot, and the sample's tests run on both majors.
 */
@Injectable()
export class LoginRateLimitGuard implements CanActivate {
  private readonly limiter: FixedWindowLimiter;

  constructor(@InjectSampleConfig() config: SampleConfig) {
    this.limiter = new FixedWindowLimiter(config.loginRateLimitPerMinute, ONE_MINUTE_MS);
  }

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const request = http.getRequest<{ ip?: string; socket?: { remoteAddress?: string } }>();
    const response = http.getResponse<HeaderResponse>();
    const decision = this.limiter.hit(request.ip ?? request.socket?.remoteAddress ?? 'unknown');
    response.setHeader('X-RateLimit-Limit', decision.limit);
    response.setHeader('X-RateLimit-Remaining', decision.remaining);
    response.setHeader('X-RateLimit-Reset', decision.resetInSeconds);
    if (decision.allowed) return true;
    response.setHeader('Retry-After', decision.resetInSeconds);
    throw new HttpException(
      `Too many login attempts from this address: try again in ${decision.resetInSeconds} s`,
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
