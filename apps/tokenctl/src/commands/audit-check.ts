// tokenctl audit-check: whether a value (a leaked token, say) hashes to an entry of the
// audit trail, and when; `--value -` reads it from stdin, out of ps and shell history.
import { text } from "node:stream/consumers";
import { CheckAuditValueResponseSchema } from "@wxtoken/api";
import type { Command } from "../command.js";
import { requiredFlag } from "../command-line.js";
import { fieldLines, time } from "../output.js";

export const auditCheck: Command = {
  summary: "does a value (a token found somewhere) hash to an audit entry (admin)",
  flags: ["value"],
  async run({ client, flags, output }) {
    const given = requiredFlag(flags, "value");
    const value = given === "-" ? (await text(process.stdin)).trim() : given;
    const response = await client.admin.checkAuditValue({ value });
    output.print(CheckAuditValueResponseSchema, response, () => [
      response.searched
        ? `${response.entries} audit ${response.entries === 1 ? "entry holds" : "entries hold"} this value`
        : "the audit trail goes to stdout: search its copies for the hmac",
      ...fieldLines([
        ["hmac", response.hmac],
        ...(response.entries > 0
          ? ([
              ["first_at", time(response.firstAt)],
              ["last_at", time(response.lastAt)],
            ] as [string, string][])
          : []),
      ]),
    ]);
  },
};
