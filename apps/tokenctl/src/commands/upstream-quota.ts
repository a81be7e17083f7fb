// tokenctl upstream-quota: WeChat's count of today's calls to one API of an app
// (AdminService.GetUpstreamQuota, openapi/quota/get).
import { GetUpstreamQuotaResponseSchema } from "@wxtoken/api";
import type { Command } from "../command.js";
import { requiredFlag, targetFlag } from "../command-line.js";
import { quotaLines } from "../quota-lines.js";

export const upstreamQuota: Command = {
  summary: "today's calls to an API of an app, as WeChat counts them (admin)",
  flags: ["app", "cgi-path"],
  async run({ client, flags, output }) {
    const response = await client.admin.getUpstreamQuota({
      ...targetFlag(flags),
      cgiPath: requiredFlag(flags, "cgi-path"),
    });
    output.print(GetUpstreamQuotaResponseSchema, response, () => quotaLines(response));
  },
};
