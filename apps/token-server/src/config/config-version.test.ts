// The config version ListApps reports: the same for the same config on any replica, new when
// a secret or a caller changes, and a refused reload flagged until the next applied one.
import { describe, expect, it } from "vitest";
import { ConfigVersion } from "./config-version.js";
import { parseConfig } from "./load.js";

const config = (
  secret: string,
  callerApps: string[] = ["*"],
  replica: Record<string, unknown> = {},
) =>
  parseConfig(
    {
      ...replica,
      apps: [{ app_id: "wxversion00000001", secret: "${env:SECRET}" }],
      callers: [
        { name: "admin", key_sha256: "a".repeat(64), apps: callerApps, permissions: ["admin"] },
      ],
    },
    { SECRET: secret },
  );

describe("ConfigVersion", () => {
  it("names the config in force by a short hash that changes with it and reveals no secret", () => {
    const version = new ConfigVersion(config("secret-one"), 1_000);
    expect(version.version).toMatch(/^[0-9a-f]{12}$/);
    expect(version.version).toBe(new ConfigVersion(config("secret-one")).version);
    expect(new ConfigVersion(config("secret-two")).version).not.toBe(version.version);
    expect(new ConfigVersion(config("secret-one", ["wxversion00000001"])).version).not.toBe(
      version.version,
    );
    expect(version.loadedAt).toBe(1_000);
    // What each replica sets for itself is not part of it.
    const own = {
      replica_id: "replica-2",
      listen: { grpc: "127.0.0.1:50052", http: "127.0.0.1:8082" },
    };
    expect(new ConfigVersion(config("secret-one", ["*"], own)).version).toBe(version.version);
  });

  it("flags a refused reload until the next applied one", () => {
    const version = new ConfigVersion(config("secret-one"), 1_000);
    const first = version.version;
    version.reloadRefused();
    expect(version.lastReloadRefused).toBe(true);
    expect(version.version).toBe(first);
    version.applied(config("secret-two"), 2_000);
    expect(version.lastReloadRefused).toBe(false);
    expect(version.version).not.toBe(first);
    expect(version.loadedAt).toBe(2_000);
  });
});
