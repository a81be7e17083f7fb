// tokenctl clear-component-quota: a third-party platform's daily API quota reset, or one
// authorizer's, with the platform's credentials (ClearComponentQuota; 10 a month each).
import { ClearComponentQuotaResponseSchema } from "@wxtoken/api";
import type { Command } from "../command.js";
import { requiredFlag } from "../command-line.js";
import { clearedLine } from "../quota-lines.js";

export const clearComponentQuota: Command = {
  summary: "reset a platform's (or an authorizer's) daily quota, 10 a month (open_platform.admin)",
  flags: ["component", "authorizer", "reason"],
  async run({ client, flags, output }) {
    const componentAppId = requiredFlag(flags, "component");
    const authorizerAppId = flags.authorizer ?? "";
    const response = await client.openPlatform.clearComponentQuota({
      componentAppId,
      authorizerAppId,
      reason: requiredFlag(flags, "reason"),
    });
    output.print(ClearComponentQuotaResponseSchema, response, () => [
      clearedLine(authorizerAppId === "" ? componentAppId : authorizerAppId, response),
    ]);
  },
};
