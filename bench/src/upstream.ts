import type { AppConfig, AppInfo } from './app.process';
import type { EmulatorConfig, EmulatorInfo } from './emulator.process';
import { Child } from './ipc/child';

/** The emulated user pool shared by every scenario. */
export const POOL = { userPoolId: '5f1e0c9bbench0000000000a1', secret: 'bench-pool-secret-0123456789abcdef' };

/**
 * The emulated Authing app of the app-launch flow (v3): client_secret_post, RS256 id_tokens. The app process serves
 * `POST /app-launch` (a named pool on it) and `POST /baseline-app-launch` when it is given this app. Its own
 * userPoolId: the module refuses two pools on one user pool (the v3 endpoints do not read it).
 */
export const APP = {
  userPoolId: '5f1e0c9bbench0000000000a2',
  appId: 'bench-app-launch-0000000a1',
  appSecret: 'bench-app-secret-0123456789abcdef',
  connection: 'bench-app-launch',
} as const;

export const SIGNIN_PATH = '/api/v3/signin-by-mobile';

export const exchangePath = (userPoolId: string) => `/oauth/app2wxapp/auth/${encodeURIComponent(userPoolId)}`;

export function startEmulator(options: Partial<EmulatorConfig> = {}): Promise<Child<EmulatorInfo>> {
  const config: EmulatorConfig = { ...POOL, ticketTtlMs: 30_000, latencyMs: 0, persons: 1000, ...options };
  return Child.start<EmulatorInfo>('emulator.process', 'emulator', config);
}

/** The app under test, in its own process; `BENCH_CPU_PROF=1` writes a V8 CPU profile per app to bench/.tmp/profiles. */
export function startApp(
  upstreamUrl: string,
  options: Omit<AppConfig, 'upstreamUrl' | 'userPoolId' | 'secret' | 'appLaunch'> & { appLaunch?: boolean },
): Promise<Child<AppInfo>> {
  const execArgv = ['--expose-gc'];
  if (process.env.BENCH_CPU_PROF) execArgv.push('--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR ?? 'bench/.tmp/profiles'}`);
  return Child.start<AppInfo>(
    'app.process',
    `app (${options.adapter})`,
    { ...POOL, upstreamUrl, ...options, appLaunch: options.appLaunch ? APP : undefined },
    execArgv,
  );
}
