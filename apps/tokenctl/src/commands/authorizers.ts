// tokenctl authorizers: every account wxtoken knows authorized a third-party platform, with
// its state (ListAuthorizers).
import { ListAuthorizersResponseSchema } from "@wxtoken/api";
import { authorizerLines } from "../authorizer-lines.js";
import type { Command } from "../command.js";
import { requiredFlag } from "../command-line.js";

export const authorizers: Command = {
  summary: "list a third-party platform's authorizers with their state (open_platform.admin)",
  flags: ["component"],
  async run({ client, flags, output }) {
    const response = await client.openPlatform.listAuthorizers({
      componentAppId: requiredFlag(flags, "component"),
    });
    output.print(ListAuthorizersResponseSchema, response, () =>
      response.authorizers.length === 0
        ? ["no authorizers"]
        : response.authorizers.flatMap(authorizerLines),
    );
  },
};
