import { Inject } from '@nestjs/common';
import { getApp2WxappAuthenticatorToken, getApp2WxappClientToken, getApp2WxappOptionsToken } from './app2wxapp.tokens';

type InjectDecorator = ParameterDecorator & PropertyDecorator;

/** Injects a pool's `App2WxappAuthenticator`: the default pool without a name. */
export const InjectApp2WxappAuthenticator = (name?: string): InjectDecorator => Inject(getApp2WxappAuthenticatorToken(name));

/** Injects a pool's `App2WxappClient` (the low-level exchange): the default pool without a name. */
export const InjectApp2WxappClient = (name?: string): InjectDecorator => Inject(getApp2WxappClientToken(name));

/** Injects the options given to `App2WxappModule.forRoot()` / `forRootAsync()` for a pool, as given. */
export const InjectApp2WxappOptions = (name?: string): InjectDecorator => Inject(getApp2WxappOptionsToken(name));
