import { HttpService } from '@nestjs/axios';
import { BadGatewayException, Body, Controller, ForbiddenException, HttpCode, Inject, Post, UnauthorizedException } from '@nestjs/common';

export const BASELINE_UPSTREAM = Symbol('BASELINE_UPSTREAM');

export interface BaselineUpstream {
  /** `{host}/oauth/app2wxapp/auth/{userPoolId}` */
  exchangeUrl: string;
  secret: string;
}

/**
 * What a careful developer writes without the package: post the ticket with the same HttpService and keep-alive
 * agent, bound the wait, check `code`, decode `data`, refuse blocked or deleted users, return Authing's user without
 * its token. It has no replay store, no circuit breaker, no concurrency limit and no metrics hook.
 * It calls `axiosRef` directly rather than through an Observable, to keep the baseline as cheap as it can be.
 */
@Controller()
export class BaselineController {
  constructor(
    private readonly http: HttpService,
    @Inject(BASELINE_UPSTREAM) private readonly upstream: BaselineUpstream,
  ) {}

  @Post('baseline')
  @HttpCode(200)
  async login(@Body() body: { ticket?: unknown } | undefined) {
    const ticket = body?.ticket;
    if (typeof ticket !== 'string' || ticket.length === 0 || ticket.length > 4096) {
      throw new UnauthorizedException('A ticket is required');
    }
    let answer: { code?: unknown; message?: unknown; data?: unknown } | undefined;
    try {
      const response = await this.http.axiosRef.post(this.upstream.exchangeUrl, { secret: this.upstream.secret, ticket }, { timeout: 5000 });
      answer = response.data;
    } catch (err) {
      if (process.env.BENCH_DEBUG) console.error(`baseline: exchange failed (${(err as { code?: string })?.code ?? 'no code'})`);
      throw new BadGatewayException('Authing could not be reached');
    }
    if (Number(answer?.code) !== 200) {
      throw new UnauthorizedException(typeof answer?.message === 'string' ? answer.message : 'Authing refused the ticket');
    }
    let user: Record<string, any>;
    try {
      user = typeof answer?.data === 'string' ? JSON.parse(answer.data) : answer?.data;
    } catch {
      throw new BadGatewayException("Authing's answer is not JSON");
    }
    if (typeof user?._id !== 'string') throw new BadGatewayException("Authing's answer holds no user");
    if (user.blocked === true || user.isDeleted === true) throw new ForbiddenException('This user may not log in');
    const { token: _token, ...rest } = user;
    return { user: rest };
  }
}
