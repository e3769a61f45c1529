import { App2WxappModule, type App2WxappModuleOptions } from 'nestjs-app2wxapp';
import { App2WxappEmulator } from 'nestjs-app2wxapp/testing';

/** Two Authing user pools of one app: the default one (Authing) and a named one (GenAuth), each with its own secret. */
export const POOL_A = { userPoolId: 'pools-authing-a', secret: 'authing-secret-a-4c1d' } as const;
export const POOL_B = { name: 'genauth', userPoolId: 'pools-genauth-b', secret: 'genauth-secret-b-9e7f' } as const;

export interface TwoEmulators {
  a: App2WxappEmulator;
  b: App2WxappEmulator;
  reset(): void;
  close(): Promise<void>;
}

export async function startTwoEmulators(): Promise<TwoEmulators> {
  const a = await App2WxappEmulator.start({ userPoolId: POOL_A.userPoolId, secret: POOL_A.secret });
  const b = await App2WxappEmulator.start({ userPoolId: POOL_B.userPoolId, secret: POOL_B.secret });
  return {
    a,
    b,
    reset: () => (a.reset(), b.reset()),
    close: async () => void (await Promise.all([a.close(), b.close()])),
  };
}

type Extra = Partial<App2WxappModuleOptions<any>>;

/** `forRoot()` for the default pool and `forRoot({ name: 'genauth' })`, pointed at the two emulators. */
export function twoPoolModules(emulators: TwoEmulators, extraA: Extra = {}, extraB: Extra = {}) {
  return [
    App2WxappModule.forRoot({ userPoolId: POOL_A.userPoolId, secret: POOL_A.secret, host: emulators.a.url, ...extraA }),
    App2WxappModule.forRoot({ ...POOL_B, host: emulators.b.url, ...extraB }),
  ];
}
