// @wxtoken/wechat-sim: a faithful WeChat server API simulator for tests, the demo and local
// development, and the client of its admin API.
export { SimulatorAdmin } from "./admin-client.js";
export type { SimFault } from "./faults.js";
export type { PushResult } from "./open-platform/callback-pusher.js";
export type {
  AuthorizeRequest,
  AuthorizeResult,
  OpenPlatformControl,
} from "./open-platform/open-platforms.js";
export type { SimOpenPlatform } from "./open-platform/platform-options.js";
export type { SimApp, SimCall, SimulatorOptions, SimWecomCorp, SimWecomSecret } from "./options.js";
export type { Simulator } from "./simulator.js";
export { startSimulator } from "./simulator.js";
export type { CallbackPush, DeliveredMessage, SimStats } from "./stats.js";
