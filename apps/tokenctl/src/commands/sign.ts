// tokenctl sign: a JS-SDK wx.config (or, for a WeCom app with --agent-config,
// wx.agentConfig) signature for a page, computed by the server.
import { SignJsSdkResponseSchema } from "@wxtoken/api";
import type { Command } from "../command.js";
import { requiredFlag, targetFlag } from "../command-line.js";
import { fieldLines } from "../output.js";

export const sign: Command = {
  summary:
    "sign a page for the JS-SDK (wx.config; a WeCom app's wx.agentConfig with --agent-config)",
  flags: ["app", "url", "agent-config"],
  async run({ client, flags, output }) {
    const response = await client.tokens.signJsSdk({
      ...targetFlag(flags),
      url: requiredFlag(flags, "url"),
      agentConfig: flags["agent-config"] === true,
    });
    output.print(SignJsSdkResponseSchema, response, () =>
      fieldLines([
        ["app_id", response.appId],
        ...(response.owner?.owner.case === "wecom"
          ? [["agent", response.owner.owner.value.app] as [string, string]]
          : []),
        ["url", response.url],
        ["timestamp", response.timestamp.toString()],
        ["nonce_str", response.nonceStr],
        ["signature", response.signature],
      ]),
    );
  },
};
