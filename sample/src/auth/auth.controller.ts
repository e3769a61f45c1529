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

  /** The parameters of the mobile app's `WXLaunchMiniProgramReq`, which opens Authing's login mini program. */
  @Get('launch')
  launch() {
    const { userName, path } = buildMiniProgramLaunch({
      userPoolId: this.upstream.userPoolId,
      getPhone: this.config.launch.getPhone,
    });
    return { userName, path, miniProgramType: this.config.launch.miniProgramType };
  }

  /**
   * Exchanges the ticket (JSON `{ ticket }`, or the mini program's raw `{ extMsg }`) and opens the app's own session.
   * The rate limit runs first, so a flood never reaches Authing.
   */
  @Post('login')
  @HttpCode(HttpStatus.OK)
  @UseGuards(LoginThrottlerGuard, App2WxappGuard)
  async login(@App2WxappUser() login: AuthenticatedLogin) {
    return { ...(await this.sessions.issue(login.user)), user: login.user, profile: login.profile };
  }
}
