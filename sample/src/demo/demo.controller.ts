import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { DEMO_PAGE, type DemoPage } from './demo-page';

interface HeaderResponse {
  setHeader(name: string, value: string): unknown;
}

/** Serves the demo page, which plays the mobile app. */
@Controller()
export class DemoController {
  constructor(@Inject(DEMO_PAGE) private readonly page: DemoPage) {}

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  @Header('X-Content-Type-Options', 'nosniff')
  index(@Res({ passthrough: true }) response: HeaderResponse): string {
    response.setHeader('Content-Security-Policy', this.page.contentSecurityPolicy);
    return this.page.html;
  }
}
