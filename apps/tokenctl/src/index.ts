// @wxtoken/tokenctl: the wxtoken command-line client, also callable from code.
export { helpText } from "./program.js";
export { ExitCode, runTokenctl } from "./tokenctl.js";
