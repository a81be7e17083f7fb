// @wxtoken/wechat-sim: a faithful WeChat server API simulator for tests, the demo and local
// development, and the client of its admin API.
export { SimulatorAdmin } from "./admin-client.js";
export type { SimFault } from "./faults.js";
export type { SimApp, SimulatorOptions, SimWecomCorp, SimWecomSecret } from "./options.js";
export type { Simulator } from "./simulator.js";
export { startSimulator } from "./simulator.js";
export type { DeliveredMessage, SimStats } from "./stats.js";
