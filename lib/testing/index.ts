export {
  App2WxappEmulator,
  type App2WxappEmulatorOptions,
  type EmulatorFault,
  type EmulatorRequest,
  type EmulatorResponseShape,
} from './app2wxapp.emulator';
export type { EmulatedWechatUser } from './emulated-user.factory';
