// tokenctl force-refresh: an operator's refresh of an app's access token now
// (AdminService.ForceRefresh: within the force guard, audited with the reason).
import { ForceRefreshResponseSchema } from "@wxtoken/api";
import type { Command } from "../command.js";
import { requiredFlag, targetFlag } from "../command-line.js";
import { credentialFields } from "../credential-fields.js";
import { fieldLines } from "../output.js";

export const forceRefresh: Command = {
  summary:
    "refresh an app's access token now, within the force guard; describe the new one (admin)",
  flags: ["app", "reason"],
  async run({ client, flags, output }) {
    const response = await client.admin.forceRefresh({
      ...targetFlag(flags),
      reason: requiredFlag(flags, "reason"),
    });
    output.print(ForceRefreshResponseSchema, response, () =>
      fieldLines(credentialFields(response.credential)),
    );
  },
};
