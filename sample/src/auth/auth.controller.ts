import { Controller, Get, HttpCode, HttpStatus, Post, UseGuards } from '@nestjs/common';
import { App2WxappGuard, App2WxappUser, buildMiniProgramLaunch } from 'nestjs-app2wxapp';
import type { SampleConfig } from '../config/sample-config.interface';
import { InjectSampleConfig } from '../config/sample-config.module';
import { SessionService } from '../session/session.service';
import type { UpstreamConnection } from '../upstream/upstream-connection.interface';
import { InjectUpstream } from '../upstream/upstream.providers';
import type { AuthenticatedLogin } from './authenticated-login.interface';
import { LoginThrottlerGuard } from './login-throttler.guard';

@Controller('auth/app2wxapp')
export class AuthController {
  constructor(
    private readonly sessions: SessionService,
    @InjectSampleConfig() private readonly config: SampleConfig,
    @InjectUpstream() private readonly upstream: UpstreamConnection,
  ) {}

  /**
   * Which flow this backend runs, and the parameters of the mobile app's `WXLaunchMiniProgramReq`: Authing's login
   * mini program (ticket flow), or your own mini program, with no path (app-launch flow). Never a secret.
   */
  @Get('launch')
  launch() {
    const { miniProgramType, getPhone, originalId } = this.config.launch;
    if (this.upstream.flow === 'app-launch') {
      // null when MINI_PROGRAM_ORIGINAL_ID is unset: the mobile app then has the original id built in.
      return { flow: 'app-launch' as const, userName: originalId ?? null, miniProgramType };
    }
    const { userName, path } = buildMiniProgramLaunch({ userPoolId: this.upstream.userPoolId, getPhone });
    return { flow: 'ticket' as const, userName, path, miniProgramType };
  }

  /**
   * Logs in with what the mini program returned and opens the app's own session. Ticket flow: JSON `{ ticket }` or
   * the raw `{ extMsg }` query string; app-launch flow: JSON `{ code, phoneInfoCode }` or the raw `{ extMsg }` JSON.
   * The rate limit runs first, so a flood never reaches Authing.
   */
  @Post('login')
  @HttpCode(HttpStatus.OK)
  @UseGuards(LoginThrottlerGuard, App2WxappGuard)
  async login(@App2WxappUser() login: AuthenticatedLogin) {
    return { ...(await this.sessions.issue(login.user)), user: login.user, profile: login.profile };
  }
}
