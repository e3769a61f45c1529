export {
  App2WxappEmulator,
  type App2WxappEmulatorOptions,
  type EmulatedPoolOptions,
  type EmulatorFault,
  type EmulatorFaultTarget,
  type EmulatorRequest,
  type EmulatorResponseShape,
  type PoolSelector,
} from './app2wxapp.emulator';
export {
  AppLaunchEmulator,
  type AppClientAuthMethod,
  type AppLaunchCodes,
  type AppLaunchSigninStep,
  type AppLaunchUserStatus,
  type EmulatedAppOptions,
  type IdTokenSigningAlg,
} from './app-launch.emulator-app';
export type { EmulatedWechatUser } from './emulated-user.factory';
export { runEmulatorCli, type EmulatorCliIo, type RunningEmulatorCli } from './emulator.cli';
