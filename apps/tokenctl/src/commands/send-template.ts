// tokenctl send-template: one template message, its keywords from --data KEY=VALUE.
import { SendTemplateMessageResponseSchema } from "@wxtoken/api";
import type { Command } from "../command.js";
import { requiredFlag } from "../command-line.js";
import { UsageError } from "../usage.js";

/** The --data flags as template keywords. */
function templateData(pairs: readonly string[]): Record<string, { value: string }> {
  if (pairs.length === 0) {
    throw new UsageError("--data KEY=VALUE is required (once per keyword)");
  }
  return Object.fromEntries(
    pairs.map((pair) => {
      const equals = pair.indexOf("=");
      if (equals <= 0) {
        throw new UsageError(`--data expects KEY=VALUE, got '${pair}'`);
      }
      return [pair.slice(0, equals), { value: pair.slice(equals + 1) }];
    }),
  );
}

export const sendTemplate: Command = {
  summary: "send a template message",
  flags: ["app", "to", "template", "data", "url", "client-msg-id"],
  async run({ client, flags, output }) {
    const response = await client.messages.sendTemplateMessage({
      appId: requiredFlag(flags, "app"),
      toUser: requiredFlag(flags, "to"),
      templateId: requiredFlag(flags, "template"),
      data: templateData(flags.data ?? []),
      url: flags.url ?? "",
      clientMsgId: flags["client-msg-id"] ?? "",
    });
    output.print(SendTemplateMessageResponseSchema, response, () => [
      response.deduplicated
        ? `not sent again: --client-msg-id repeats an earlier send, msg_id ${response.msgId}`
        : `sent: msg_id ${response.msgId}`,
    ]);
  },
};
