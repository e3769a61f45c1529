import { Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { App2WxappGuard, App2WxappUser } from 'nestjs-app2wxapp';

/** The module's routes, exactly as the README shows them: the guard, and the Passport-composed guard. */
@Controller()
export class LoginController {
  @Post('login')
  @HttpCode(200)
  @UseGuards(App2WxappGuard)
  login(@App2WxappUser() user: unknown) {
    return { user };
  }

  @Post('login-passport')
  @HttpCode(200)
  @UseGuards(AuthGuard('app2wxapp'))
  loginPassport(@App2WxappUser() user: unknown) {
    return { user };
  }
}
