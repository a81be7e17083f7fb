// tokenctl complete-authorization: the redirect's auth_code exchanged by wxtoken, the
// authorizer stored and its token served (CompleteAuthorization).
import { CompleteAuthorizationResponseSchema } from "@wxtoken/api";
import { authorizerLines } from "../authorizer-lines.js";
import type { Command } from "../command.js";
import { requiredFlag } from "../command-line.js";

export const completeAuthorization: Command = {
  summary: "complete an authorization from the redirect's auth_code (open_platform.admin)",
  flags: ["component", "auth-code"],
  async run({ client, flags, output }) {
    const response = await client.openPlatform.completeAuthorization({
      componentAppId: requiredFlag(flags, "component"),
      authCode: requiredFlag(flags, "auth-code"),
    });
    const { authorizer } = response;
    output.print(CompleteAuthorizationResponseSchema, response, () =>
      authorizer === undefined ? ["authorized"] : authorizerLines(authorizer),
    );
  },
};
