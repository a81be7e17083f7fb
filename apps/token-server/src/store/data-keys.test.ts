// Key files: hex or base64 keys, the first seals, and a missing or bad file is a one-line
// StartupError naming store.encryption.key_files that never quotes the file's content.
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readDataKeys } from "./data-keys.js";

const dir = mkdtempSync(join(tmpdir(), "wxtoken-keys-"));
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content, { mode: 0o600 });
  return path;
};

describe("readDataKeys", () => {
  it("reads hex and base64 keys; the first seals and every one opens", () => {
    const hex = file("a.key", `${randomBytes(32).toString("hex")}\n`);
    const base64 = file("b.key", randomBytes(32).toString("base64"));
    const keys = readDataKeys([base64, hex]);
    expect(keys.byName.size).toBe(2);
    expect(keys.sealing).toBe([...keys.byName.values()][0]);
    expect(keys.sealing.name).toMatch(/^[0-9a-f]{8}$/);
  });

  it("names the config key and the file when a key file is missing", () => {
    const missing = join(dir, "missing.key");
    expect(() => readDataKeys([missing])).toThrow(
      `store.encryption.key_files ${missing}: cannot read the key file (no such file or directory)`,
    );
  });

  it("refuses a file that holds no 32-byte key without quoting it", () => {
    const short = file("short.key", "hunter2-is-not-a-key");
    expect(() => readDataKeys([short])).toThrow(
      /^store\.encryption\.key_files .*holds no data key/,
    );
    expect(() => readDataKeys([short])).not.toThrow(/hunter2/);
  });
});
