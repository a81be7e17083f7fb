// tokenctl clear-quota: an app's daily API quotas reset through WeChat's clear_quota/v2
// (AdminService.ClearQuota; 10 a month), which lifts wxtoken's 45009/45011 holds on it.
import { ClearQuotaResponseSchema } from "@wxtoken/api";
import { targetName } from "@wxtoken/client";
import type { Command } from "../command.js";
import { requiredFlag, targetFlag } from "../command-line.js";
import { clearedLine } from "../quota-lines.js";

export const clearQuota: Command = {
  summary: "reset an app's daily API quotas, 10 a month; lifts its quota holds (admin)",
  flags: ["app", "reason"],
  async run({ client, flags, output }) {
    const target = targetFlag(flags);
    const response = await client.admin.clearQuota({
      ...target,
      reason: requiredFlag(flags, "reason"),
    });
    output.print(ClearQuotaResponseSchema, response, () => [
      clearedLine(targetName(target), response),
    ]);
  },
};
