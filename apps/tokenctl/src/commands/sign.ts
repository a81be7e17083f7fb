// tokenctl sign: a JS-SDK wx.config signature for a page, computed by the server.
import { SignJsSdkResponseSchema } from "@wxtoken/api";
import type { Command } from "../command.js";
import { requiredFlag } from "../command-line.js";
import { fieldLines } from "../output.js";

export const sign: Command = {
  flags: ["app", "url"],
  async run({ client, flags, output }) {
    const response = await client.tokens.signJsSdk({
      appId: requiredFlag(flags, "app"),
      url: requiredFlag(flags, "url"),
    });
    output.print(SignJsSdkResponseSchema, response, () =>
      fieldLines([
        ["app_id", response.appId],
        ["url", response.url],
        ["timestamp", response.timestamp.toString()],
        ["nonce_str", response.nonceStr],
        ["signature", response.signature],
      ]),
    );
  },
};
