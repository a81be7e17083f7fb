// tokenctl watch: the current credential, then every change, one line each, until Ctrl-C;
// reconnects when the stream breaks. Values are not shown (see get).
import { once } from "node:events";
import { create } from "@bufbuild/protobuf";
import { WatchTokenResponseSchema } from "@wxtoken/api";
import type { Command } from "../command.js";
import { requiredFlag, targetFlag } from "../command-line.js";
import { credentialFields } from "../credential-fields.js";
import { kindFlag } from "../credential-kind.js";
import { note } from "../output.js";

export const watch: Command = {
  summary: "print every change of a credential until Ctrl-C (values not shown)",
  flags: ["app", "kind"],
  async run({ client, flags, output }) {
    targetFlag(flags); // a malformed --app is a usage error before anything is called
    const cache = client.tokenCache(requiredFlag(flags, "app"), kindFlag(flags.kind));
    cache.on("change", (credential) => {
      const response = create(WatchTokenResponseSchema, { credential });
      output.print(WatchTokenResponseSchema, response, () => [
        credentialFields(credential)
          .map(([label, value]) => `${label} ${value}`)
          .join("  "),
      ]);
    });
    cache.on("disconnect", (error) => {
      note(`the stream ended${error === undefined ? "" : ` (${error.message})`}; reconnecting`);
    });
    const stop = new AbortController();
    try {
      const failure = await Promise.race([
        once(process, "SIGINT", { signal: stop.signal }).then(() => undefined),
        once(cache, "fail", { signal: stop.signal }).then(([error]) => error),
      ]);
      if (failure !== undefined) {
        throw failure;
      }
    } finally {
      stop.abort();
    }
  },
};
