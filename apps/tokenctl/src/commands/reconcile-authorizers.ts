// tokenctl reconcile-authorizers: wxtoken's authorizers brought in line with WeChat's list
// (api_get_authorizer_list), and what changed (ReconcileAuthorizers).
import { ReconcileAuthorizersResponseSchema } from "@wxtoken/api";
import type { Command } from "../command.js";
import { requiredFlag } from "../command-line.js";
import { fieldLines } from "../output.js";

export const reconcileAuthorizers: Command = {
  summary: "reconcile a platform's authorizers with WeChat's list (open_platform.admin)",
  flags: ["component"],
  async run({ client, flags, output }) {
    const response = await client.openPlatform.reconcileAuthorizers({
      componentAppId: requiredFlag(flags, "component"),
    });
    output.print(ReconcileAuthorizersResponseSchema, response, () =>
      fieldLines([
        ["total", response.total.toString()],
        ["added", response.added.toString()],
        ["updated", response.updated.toString()],
        ["gone", response.gone.toString()],
      ]),
    );
  },
};
