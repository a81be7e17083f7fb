// A real token-server with sealing and an audit file, tried as an attacker and an
// operator would: the LMDB file and the audit file hold no token, the audit HMAC matches,
// a wrong or missing key file ends the start with one line naming
// store.encryption.key_files, and a key rotation (new key first, ResealStore, old key
// removed) keeps the token without a call to WeChat.
import { createHmac, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CredentialKind } from "@wxtoken/api";
import { e2eSimApps, launchTokenServerProcess, Teardown } from "@wxtoken/testkit";
import { startSimulator } from "@wxtoken/wechat-sim";
import { afterAll, describe, expect, it } from "vitest";
import {
  ADMIN_KEY,
  APP_ID,
  adminOf,
  bearer,
  startTokenServerProcess,
  tokensOf,
} from "./testing/stack.js";

const teardown = new Teardown();
afterAll(() => teardown.run(), 30_000);

const dir = mkdtempSync(join(tmpdir(), "wxtoken-hardening-"));
const storePath = join(dir, "store");
const auditFile = join(dir, "audit.log");
const auditKey = randomBytes(32);
writeFileSync(join(dir, "audit.key"), auditKey.toString("hex"), { mode: 0o600 });
const keyFile = (name: string) => {
  const path = join(dir, name);
  writeFileSync(path, randomBytes(32).toString("base64"), { mode: 0o600 });
  return path;
};
const [keyA, keyB, keyC] = [keyFile("a.key"), keyFile("b.key"), keyFile("c.key")];
const headers = bearer(ADMIN_KEY);

const configWith = (keyFiles: string[]) => ({
  store: { kind: "embedded", path: storePath, encryption: { key_files: keyFiles } },
  audit: { destination: auditFile, key_file: join(dir, "audit.key") },
});

async function currentToken(server: Parameters<typeof tokensOf>[0]) {
  const { credential } = await tokensOf(server).getToken(
    { appId: APP_ID, kind: CredentialKind.ACCESS_TOKEN },
    { headers },
  );
  return credential?.value ?? "";
}

describe("a sealed, audited token-server", () => {
  it("keeps tokens out of its files and its output, and rotates its key", async () => {
    const sim = await startSimulator({ apps: e2eSimApps });
    teardown.add(() => sim.close());
    const start = (keyFiles: string[]) =>
      startTokenServerProcess(sim.url, { teardown, storePath, config: configWith(keyFiles) });

    const first = await start([keyA]);
    const token = await currentToken(first);
    expect(token).not.toBe("");
    const probeKey = `probe-${randomBytes(8).toString("hex")}`;
    await expect(
      tokensOf(first).getToken(
        { appId: APP_ID, kind: CredentialKind.ACCESS_TOKEN },
        { headers: bearer(probeKey) },
      ),
    ).rejects.toThrow(/not known/);
    await first.process.stop();
    expect(readFileSync(join(storePath, "data.mdb")).includes(Buffer.from(token))).toBe(false);
    const audit = readFileSync(auditFile, "utf8");
    expect(audit).not.toContain(token);
    const hmac = `hmac-sha256:${createHmac("sha256", auditKey).update(token).digest("hex")}`;
    expect(audit).toContain(`"audit":"refresh.proactive"`);
    expect(audit).toContain(`"value_hmac":"${hmac}"`);
    expect(first.process.output()).not.toContain(token);
    expect(audit).not.toContain(probeKey);
    expect(audit).toMatch(
      /"audit":"auth\.failed".*"key_fingerprint":"[0-9a-f]{8}","outcome":"unauthenticated"/,
    );

    for (const [keyFiles, pattern] of [
      [
        [keyC],
        /^store\.encryption\.key_files .*sealed under a key no key file holds \(\d+ under key [0-9a-f]{8}\)/,
      ],
      [
        [join(dir, "missing.key")],
        /^store\.encryption\.key_files \S+missing\.key: cannot read the key file \(no such file or directory\)$/,
      ],
    ] as const) {
      const failed = launchTokenServerProcess(sim.url, {
        teardown,
        storePath,
        config: configWith([...keyFiles]),
      }).process;
      expect((await failed.exited).code).toBe(1);
      const lines = failed.errorOutput().trimEnd().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(pattern);
    }

    const upstreamCalls = JSON.stringify(sim.stats().calls);
    const rotating = await start([keyB, keyA]);
    expect(await currentToken(rotating)).toBe(token);
    const resealed = await adminOf(rotating).resealStore({ reason: "rotation" }, { headers });
    expect(resealed.resealed).toBeGreaterThan(0);
    expect(resealed.changed).toBe(0);
    const checked = await adminOf(rotating).checkAuditValue({ value: token }, { headers });
    expect(checked).toMatchObject({ hmac, searched: true });
    expect(checked.entries).toBeGreaterThan(0);
    await rotating.process.stop();

    const rotated = await start([keyB]);
    expect(await currentToken(rotated)).toBe(token);
    expect(JSON.stringify(sim.stats().calls)).toBe(upstreamCalls);
    await rotated.process.stop();
  }, 60_000);
});
