import type { Type } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-custom';
import { APP2WXAPP_STRATEGY } from '../app2wxapp.constants';
import type { App2WxappAuthenticator } from './app2wxapp.authenticator';

interface DelegatingStrategy {
  validate(request: unknown): Promise<unknown>;
}

// Typed explicitly: inferred, the Nest 12 `.d.ts` output carries a `resolution-mode` import.
function delegatingStrategy(name: string): Type<DelegatingStrategy> {
  return class extends PassportStrategy(Strategy, name) {
    constructor(private readonly authenticator: App2WxappAuthenticator<unknown>) {
      super();
    }

    validate(request: unknown): Promise<unknown> {
      return this.authenticator.authenticatePassport(request);
    }
  };
}

/**
 * The Passport strategy of the default pool (`AuthGuard('app2wxapp')`), for apps that compose Passport guards such
 * as `AuthGuard(['jwt', 'app2wxapp'])`. It delegates to the pool's `App2WxappAuthenticator`, so it answers the same
 * statuses; a request that presents no ticket at all fails softly, so that the next strategy of a composition runs.
 * Passport's registry is process-wide: the strategy registered last under a name serves every app of the process.
 */
export class App2WxappStrategy extends delegatingStrategy(APP2WXAPP_STRATEGY) {}

const named = new Map<string, Type<DelegatingStrategy>>();

/** The strategy class registered under `name` (`app2wxapp:<pool>` for a named pool). */
export function strategyClassFor(name: string): Type<DelegatingStrategy> {
  if (name === APP2WXAPP_STRATEGY) return App2WxappStrategy;
  let strategy = named.get(name);
  if (!strategy) named.set(name, (strategy = delegatingStrategy(name)));
  return strategy;
}
