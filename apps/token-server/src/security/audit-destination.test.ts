// The audit destinations: stdout lines go through the service log's stream whatever its
// level, file lines are JSON with their time and can be searched for an HMAC.
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { openAuditDestination } from "./audit-destination.js";

describe("openAuditDestination", () => {
  it("writes stdout lines through the log's stream even at level error", () => {
    const lines: string[] = [];
    const log = pino({ level: "error" }, { write: (line: string) => lines.push(line) });
    const destination = openAuditDestination("stdout", log);
    destination.sink({ audit: "admin.force_refresh", caller: "ops" }, new Date());
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({
      audit: "admin.force_refresh",
      msg: "audit",
    });
  });

  it("appends JSON lines with their time to a 0600 file and counts those holding an HMAC", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "wxtoken-audit-")), "audit.log");
    const destination = openAuditDestination(file, pino({ level: "silent" }));
    destination.sink({ audit: "a", value_hmac: "hmac-sha256:ab" }, new Date(1_000));
    destination.sink({ audit: "b" }, new Date(2_000));
    destination.sink({ audit: "c", value_hmac: "hmac-sha256:ab" }, new Date(3_000));
    destination.close();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8").split("\n")[0]).toBe(
      '{"time":"1970-01-01T00:00:01.000Z","audit":"a","value_hmac":"hmac-sha256:ab"}',
    );
    expect(await destination.search("hmac-sha256:ab")).toEqual({
      entries: 2,
      firstAt: "1970-01-01T00:00:01.000Z",
      lastAt: "1970-01-01T00:00:03.000Z",
    });
  });
});
