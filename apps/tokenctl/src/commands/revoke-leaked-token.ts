// tokenctl revoke-leaked-token: WeChat's procedure for a leaked access_token
// (AdminService.RevokeLeakedToken): two forced refreshes refresh.force_min_interval_s apart,
// after which every token issued before is invalid. Prints each step as the server reports
// it (--json: one object per line); values are not shown.
import { durationMs } from "@bufbuild/protobuf/wkt";
import {
  type RevokeLeakedTokenResponse,
  RevokeLeakedTokenResponseSchema,
  RevokeLeakedTokenResponse_Step as Step,
} from "@wxtoken/api";
import type { Command } from "../command.js";
import { requiredFlag } from "../command-line.js";

function stepLine({ step, credential, wait }: RevokeLeakedTokenResponse): string {
  const generation = credential?.generation.toString() ?? "-";
  switch (step) {
    case Step.FIRST_REFRESH:
      return `first forced refresh done: generation ${generation}`;
    case Step.WAITING:
      return `waiting ${wait === undefined ? 0 : Math.ceil(durationMs(wait) / 1000)} s: WeChat's minimum spacing of forced refreshes`;
    case Step.DONE:
      return `done: generation ${generation}; every token issued before it is invalid at WeChat`;
    default:
      // A step a newer server reports.
      return `step ${step}`;
  }
}

export const revokeLeakedToken: Command = {
  summary:
    "invalidate every token an app was issued: two forced refreshes, spaced as WeChat requires; stable mode (admin)",
  flags: ["app", "reason"],
  async run({ client, flags, output }) {
    const progress = client.admin.revokeLeakedToken({
      appId: requiredFlag(flags, "app"),
      reason: requiredFlag(flags, "reason"),
    });
    for await (const response of progress) {
      output.print(RevokeLeakedTokenResponseSchema, response, () => [stepLine(response)]);
    }
  },
};
