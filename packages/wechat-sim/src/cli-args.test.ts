// The command line: flags, the config file, and flags overriding it.
import { Teardown } from "@wxtoken/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { cliSettings } from "./cli-args.js";
import { tempFile } from "./test-support/temp-files.js";

describe("cliSettings", () => {
  const teardown = new Teardown();
  afterEach(() => teardown.run());

  it("reads every flag", async () => {
    const settings = await cliSettings([
      "--port",
      "8090",
      "--host",
      "127.0.0.2",
      "--token-ttl",
      "6",
      "--overlap",
      "2",
      "--renew-window",
      "3",
      "--token-length",
      "512",
      "--app",
      "wx1:secret:with:colons",
      "--app",
      "wx2:s2",
    ]);
    expect(settings).toMatchObject({
      port: 8090,
      host: "127.0.0.2",
      tokenTtlS: 6,
      overlapS: 2,
      renewWindowS: 3,
      tokenLength: 512,
      apps: [
        { appId: "wx1", secret: "secret:with:colons" },
        { appId: "wx2", secret: "s2" },
      ],
    });
  });

  it("lets flags override the config file, an --app replacing the app of the same id", async () => {
    const config = await tempFile(
      teardown,
      "sim.yaml",
      "token_ttl_s: 6\noverlap_s: 2\nrenew_window_s: 7\napps:\n  - app_id: wx1\n    secret: old\n    templates: [t]\n  - app_id: wx2\n    secret: s2\n",
    );
    const settings = await cliSettings([
      "--config",
      config,
      "--overlap",
      "1",
      "--renew-window",
      "2",
      "--app",
      "wx1:new",
    ]);
    expect(settings).toMatchObject({
      tokenTtlS: 6,
      overlapS: 1,
      renewWindowS: 2,
      apps: [
        { appId: "wx2", secret: "s2" },
        { appId: "wx1", secret: "new" },
      ],
    });
  });

  it("rejects bad flags, naming them but not the secret", async () => {
    await expect(cliSettings(["--app", "wx1:s", "--port", "http"])).rejects.toThrow(/port: /);
    await expect(cliSettings(["--app", "wx1:s", "--colour", "red"])).rejects.toThrow(/colour/);
    await expect(cliSettings([])).rejects.toThrow(/apps: /);
    await expect(cliSettings(["--app", "wx1:s", "--token-ttl", "300"])).rejects.toThrow(
      /renew_window_s: must be less than the token lifetime/,
    );
    await expect(cliSettings(["--app", "only-a-secret-value"])).rejects.toThrow(/APPID:SECRET/);
    await expect(cliSettings(["--app", "only-a-secret-value"])).rejects.not.toThrow(
      /only-a-secret-value/,
    );
  });
});
