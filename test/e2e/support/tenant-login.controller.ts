import { Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { App2WxappGuard, App2WxappUser } from 'nestjs-app2wxapp';

/**
 * Tenant login routes, one per way the guard can be told the tenant: a route parameter (`POST /tenants/:tenant/login`),
 * a header, a resolver answering a promise, and one answering a bare thenable (the last three read `x-tenant`).
 */
@Controller('tenants')
export class TenantLoginController {
  @Post(':tenant/login')
  @HttpCode(200)
  @UseGuards(App2WxappGuard.forTenant((request) => request.params.tenant))
  login(@App2WxappUser() user: unknown) {
    return { user };
  }

  @Post('by-header')
  @HttpCode(200)
  @UseGuards(App2WxappGuard.forTenant((request) => request.headers['x-tenant']))
  byHeader(@App2WxappUser() user: unknown) {
    return { user };
  }

  // A resolver that looks the tenant up asynchronously (a promise), and one that answers a bare thenable.
  @Post('by-lookup')
  @HttpCode(200)
  @UseGuards(App2WxappGuard.forTenant(async (request) => (await Promise.resolve(request.headers['x-tenant'])) as string | undefined))
  byLookup(@App2WxappUser() user: unknown) {
    return { user };
  }

  @Post('by-thenable')
  @HttpCode(200)
  @UseGuards(
    App2WxappGuard.forTenant(
      (request) =>
        ({ then: (resolve: (name: unknown) => void) => setImmediate(() => resolve(request.headers['x-tenant'])) }) as unknown as Promise<string>,
    ),
  )
  byThenable(@App2WxappUser() user: unknown) {
    return { user };
  }
}
