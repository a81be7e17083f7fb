// tokenctl refresh: reports a value WeChat rejected (by default the current one) and prints
// the credential that replaces it.
import { RefreshTokenResponseSchema } from "@wxtoken/api";
import type { Command } from "../command.js";
import { targetFlag } from "../command-line.js";
import { credentialFields } from "../credential-fields.js";
import { kindFlag } from "../credential-kind.js";
import { fieldLines } from "../output.js";

export const refresh: Command = {
  summary:
    "report a value as rejected by WeChat (default: the current one); describe its replacement (get prints values)",
  flags: ["app", "kind", "stale"],
  async run({ client, flags, output }) {
    const request = { ...targetFlag(flags), kind: kindFlag(flags.kind) };
    const staleValue =
      flags.stale ?? (await client.tokens.getToken(request)).credential?.value ?? "";
    const response = await client.tokens.refreshToken({ ...request, staleValue });
    output.print(RefreshTokenResponseSchema, response, () => [
      response.refreshed
        ? "refreshed: WeChat issued a new value"
        : "not refreshed: the value was already replaced; this is the current one",
      ...fieldLines(credentialFields(response.credential)),
    ]);
  },
};
