import { Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { App2WxappGuard, App2WxappUser } from 'nestjs-app2wxapp';

/** The module's route, exactly as the README shows it. */
@Controller()
export class LoginController {
  @Post('login')
  @HttpCode(200)
  @UseGuards(App2WxappGuard)
  login(@App2WxappUser() user: unknown) {
    return { user };
  }
}
