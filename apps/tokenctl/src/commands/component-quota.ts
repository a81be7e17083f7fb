// tokenctl component-quota: WeChat's count of today's calls to one API for a third-party
// platform (asked with its component token) or one of its authorizers (GetComponentQuota).
import { GetComponentQuotaResponseSchema } from "@wxtoken/api";
import type { Command } from "../command.js";
import { requiredFlag } from "../command-line.js";
import { quotaLines } from "../quota-lines.js";

export const componentQuota: Command = {
  summary:
    "today's calls to an API of a platform or an authorizer, as WeChat counts them (open_platform.admin)",
  flags: ["component", "authorizer", "cgi-path"],
  async run({ client, flags, output }) {
    const response = await client.openPlatform.getComponentQuota({
      componentAppId: requiredFlag(flags, "component"),
      authorizerAppId: flags.authorizer ?? "",
      cgiPath: requiredFlag(flags, "cgi-path"),
    });
    output.print(GetComponentQuotaResponseSchema, response, () => quotaLines(response));
  },
};
