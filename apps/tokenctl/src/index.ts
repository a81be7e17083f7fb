// @wxtoken/tokenctl: the wxtoken command-line client, also callable from code.
export { ExitCode, runTokenctl } from "./tokenctl.js";
export { USAGE } from "./usage.js";
