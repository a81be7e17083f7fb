// tokenctl audit-check and reseal against a real token-server that seals its store and
// writes its audit trail to a file: a token it issued hashes to audit entries, a value it
// never issued to none, and reseal seals everything under the first key.
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { e2e, Teardown } from "@wxtoken/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { runTokenctl, startStack } from "./testing/tokenctl-process.js";

const teardown = new Teardown();
afterAll(() => teardown.run(), 30_000);

const dir = mkdtempSync(join(tmpdir(), "wxtoken-tokenctl-hardening-"));
const file = (name: string) => {
  const path = join(dir, name);
  writeFileSync(path, randomBytes(32).toString("base64"), { mode: 0o600 });
  return path;
};

describe("tokenctl audit-check and reseal", () => {
  it("finds an issued token in the audit trail and reseals the store", async () => {
    const stack = await startStack({
      teardown,
      storePath: join(dir, "store"),
      config: {
        store: {
          kind: "embedded",
          path: join(dir, "store"),
          encryption: { key_files: [file("new.key")] },
        },
        audit: { destination: join(dir, "audit.log"), key_file: file("audit.key") },
      },
    });
    const tokenctl = async (...args: string[]) => {
      const run = await runTokenctl([...args, "--server", stack.httpUrl], teardown);
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      return run.stdout;
    };
    const got = JSON.parse(
      await tokenctl("get", "--app", e2e.appId, "--kind", "access_token", "--json"),
    ) as { credential: { value: string } };
    expect(got.credential.value).not.toBe("");

    const found = await tokenctl("audit-check", "--value", got.credential.value);
    expect(found).toMatch(
      /^[1-9]\d* audit (entry holds|entries hold) this value\nhmac +hmac-sha256:[0-9a-f]{64}\nfirst_at /,
    );
    // A value may begin with "-" (tokens do): taken as the value, with or without "=".
    for (const value of ["never-issued", "-never-issued", "--never-issued"]) {
      expect(await tokenctl("audit-check", "--value", value)).toMatch(
        /^0 audit entries hold this value\n/,
      );
      expect(await tokenctl("audit-check", `--value=${value}`)).toMatch(
        /^0 audit entries hold this value\n/,
      );
    }
    expect(await tokenctl("reseal", "--reason", "drill")).toMatch(
      /^every value is sealed under key [0-9a-f]{8}\nresealed +0\ncurrent +[1-9]/,
    );
  });
});
