import { Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { App2WxappGuard, App2WxappUser } from 'nestjs-app2wxapp';

/** The pool's name in the bench app: a named app-launch pool beside the default ticket pool. */
export const APP_LAUNCH_POOL = 'app-launch';

/** The module's app-launch route, as docs/app-launch.md shows it: the guard of the named pool. */
@Controller()
export class AppLaunchController {
  @Post('app-launch')
  @HttpCode(200)
  @UseGuards(App2WxappGuard.forPool(APP_LAUNCH_POOL))
  login(@App2WxappUser() user: unknown) {
    return { user };
  }
}
