// tokenctl resolve-message: settles a send whose outcome is unknown, which wxtoken refuses
// to repeat until then (AdminService.ResolveMessage, audited with the reason): it reached
// the user (repeats answer its msg_id), or it may be sent again.
import {
  ResolveMessageRequest_Resolution as Resolution,
  ResolveMessageResponseSchema,
} from "@wxtoken/api";
import type { Command } from "../command.js";
import { requiredFlag } from "../command-line.js";
import { UsageError } from "../usage.js";

const RESOLUTIONS: Readonly<Record<string, Resolution>> = {
  sent: Resolution.SENT,
  resend: Resolution.RESEND,
};

/** --msg-id as WeChat's msgid: digits only. */
function msgIdFlag(value: string | undefined, resolution: Resolution): bigint {
  if (value === undefined) {
    return 0n;
  }
  if (resolution !== Resolution.SENT) {
    throw new UsageError("--msg-id goes with --resolution sent only");
  }
  if (!/^\d{1,19}$/.test(value)) {
    throw new UsageError(`--msg-id must be WeChat's msgid (digits), got '${value}'`);
  }
  return BigInt(value);
}

export const resolveMessage: Command = {
  summary: "settle a send of unknown outcome: sent (repeats answer its msg_id) or resend (admin)",
  flags: ["app", "client-msg-id", "resolution", "msg-id", "reason"],
  async run({ client, flags, output }) {
    const name = requiredFlag(flags, "resolution");
    const resolution = RESOLUTIONS[name];
    if (resolution === undefined) {
      throw new UsageError(`--resolution must be sent or resend, got '${name}'`);
    }
    const clientMsgId = requiredFlag(flags, "client-msg-id");
    const msgId = msgIdFlag(flags["msg-id"], resolution);
    const response = await client.admin.resolveMessage({
      appId: requiredFlag(flags, "app"),
      clientMsgId,
      resolution,
      msgId,
      reason: requiredFlag(flags, "reason"),
    });
    output.print(ResolveMessageResponseSchema, response, () => [
      !response.resolved
        ? `nothing to resolve: no send with client_msg_id ${clientMsgId} is pending or of unknown outcome`
        : resolution === Resolution.SENT
          ? `resolved as sent: repeats of client_msg_id ${clientMsgId} answer msg_id ${msgId} and are not sent`
          : `resolved for a resend: the next send with client_msg_id ${clientMsgId} goes to WeChat`,
    ]);
  },
};
