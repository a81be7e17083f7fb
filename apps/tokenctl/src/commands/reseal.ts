// tokenctl reseal: seals every stored value under the first key of
// store.encryption.key_files (the last step of a key rotation) and says what it did.
import { ResealStoreResponseSchema } from "@wxtoken/api";
import type { Command } from "../command.js";
import { requiredFlag } from "../command-line.js";
import { fieldLines } from "../output.js";

export const reseal: Command = {
  summary: "seal every stored value under the first store.encryption key (admin)",
  flags: ["reason"],
  async run({ client, flags, output }) {
    const response = await client.admin.resealStore({ reason: requiredFlag(flags, "reason") });
    output.print(ResealStoreResponseSchema, response, () => [
      response.changed > 0
        ? `${response.changed} values changed meanwhile: run reseal again`
        : `every value is sealed under key ${response.sealingKey}`,
      ...fieldLines([
        ["resealed", response.resealed.toString()],
        ["current", response.current.toString()],
        ["changed", response.changed.toString()],
        ["sealing_key", response.sealingKey],
      ]),
    ]);
  },
};
