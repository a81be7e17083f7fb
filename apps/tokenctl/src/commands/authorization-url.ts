// tokenctl authorization-url: a pre-auth code and the two pages (PC, mobile) where an
// account's administrator authorizes the third-party platform (CreateAuthorizationUrl).
import { CreateAuthorizationUrlResponseSchema } from "@wxtoken/api";
import type { Command } from "../command.js";
import { requiredFlag } from "../command-line.js";
import { fieldLines, time } from "../output.js";
import { UsageError } from "../usage.js";

/** --auth-type by name: WeChat's auth_type (0: WeChat's default, both). */
const AUTH_TYPES: Record<string, number> = { official: 1, mini: 2, both: 3 };

function authType(name: string | undefined): number {
  if (name === undefined) {
    return 0;
  }
  const type = Object.hasOwn(AUTH_TYPES, name) ? AUTH_TYPES[name] : undefined;
  if (type === undefined) {
    throw new UsageError(`--auth-type must be one of ${Object.keys(AUTH_TYPES).join(", ")}`);
  }
  return type;
}

export const authorizationUrl: Command = {
  summary: "the pages where an account authorizes a third-party platform (open_platform.admin)",
  flags: ["component", "redirect-uri", "auth-type", "biz-app"],
  async run({ client, flags, output }) {
    const response = await client.openPlatform.createAuthorizationUrl({
      componentAppId: requiredFlag(flags, "component"),
      redirectUri: requiredFlag(flags, "redirect-uri"),
      authType: authType(flags["auth-type"]),
      bizAppId: flags["biz-app"] ?? "",
    });
    output.print(CreateAuthorizationUrlResponseSchema, response, () =>
      fieldLines([
        ["pc_url", response.pcUrl],
        ["mobile_url", response.mobileUrl],
        ["expires_at", time(response.expiresAt)],
      ]),
    );
  },
};
