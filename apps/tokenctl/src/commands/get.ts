// tokenctl get: an app's current credential, its value included (printing it is the point).
import { GetTokenResponseSchema } from "@wxtoken/api";
import type { Command } from "../command.js";
import { targetFlag } from "../command-line.js";
import { credentialFields } from "../credential-fields.js";
import { kindFlag } from "../credential-kind.js";
import { fieldLines } from "../output.js";

export const get: Command = {
  summary: "print the current credential, value included",
  flags: ["app", "kind"],
  async run({ client, flags, output }) {
    const request = { ...targetFlag(flags), kind: kindFlag(flags.kind) };
    const response = await client.tokens.getToken(request);
    output.print(GetTokenResponseSchema, response, () =>
      fieldLines([
        ...credentialFields(response.credential),
        ["value", response.credential?.value ?? "-"],
      ]),
    );
  },
};
