import type { Type } from '@nestjs/common';
import { App2WxappClient } from '../client/app2wxapp.client';
import { APP2WXAPP_STRATEGY, DEFAULT_POOL } from '../app2wxapp.constants';
import { App2WxappAuthenticator } from '../login/app2wxapp.authenticator';
import { APP2WXAPP_MODULE_OPTIONS } from './app2wxapp-module.constants';

// As @nestjs/typeorm's getDataSourceToken: the default pool's token is the class, so injecting by class still works.

/** The injection token of a pool's `App2WxappAuthenticator`. */
export function getApp2WxappAuthenticatorToken(name: string = DEFAULT_POOL): Type<App2WxappAuthenticator> | string {
  return name === DEFAULT_POOL ? App2WxappAuthenticator : `App2WxappAuthenticator:${name}`;
}

/** The injection token of a pool's `App2WxappClient`. */
export function getApp2WxappClientToken(name: string = DEFAULT_POOL): Type<App2WxappClient> | string {
  return name === DEFAULT_POOL ? App2WxappClient : `App2WxappClient:${name}`;
}

/** The injection token of the options a pool was given, as given. */
export function getApp2WxappOptionsToken(name: string = DEFAULT_POOL): string | symbol {
  return name === DEFAULT_POOL ? APP2WXAPP_MODULE_OPTIONS : `App2WxappModuleOptions:${name}`;
}

/** The name a pool's Passport strategy is registered under: `app2wxapp`, or `app2wxapp:<name>`. */
export function getApp2WxappStrategyName(name: string = DEFAULT_POOL): string {
  return name === DEFAULT_POOL ? APP2WXAPP_STRATEGY : `${APP2WXAPP_STRATEGY}:${name}`;
}
