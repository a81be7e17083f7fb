// The built command line, spawned: it prints its URL and serves, stops on SIGTERM, a bad
// config exits 1 naming the key without printing the secret, and --help prints the usage.
import { fileURLToPath } from "node:url";
import { spawnNode, Teardown } from "@wxtoken/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { tempFile } from "./test-support/temp-files.js";

const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const SECRET = "cli-secret-0123456789abcdef";

describe("wechat-sim command line", () => {
  const teardown = new Teardown();
  afterEach(() => teardown.run());

  it("prints its URL once it listens, serves WeChat calls, and exits 0 on SIGTERM", async () => {
    const config = await tempFile(teardown, "sim.yaml", "token_ttl_s: 6\nrenew_window_s: 2\n");
    const child = spawnNode(
      MAIN,
      ["--port", "0", "--config", config, "--app", `wx1:${SECRET}`, "--token-length", "512"],
      { teardown },
    );
    const [line, url] = await child.waitForOutput(
      /^wechat-sim listening on (http:\/\/127\.0\.0\.1:\d+)\n/,
    );
    const response = await fetch(
      `${url}/cgi-bin/token?grant_type=client_credential&appid=wx1&secret=${SECRET}`,
    );
    const body: unknown = await response.json();
    expect(body).toEqual({ access_token: expect.stringMatching(/^[\w-]{512}$/), expires_in: 6 });
    const exit = await child.stop("SIGTERM");
    expect(exit).toEqual({ code: 0, signal: null });
    expect(child.output()).toBe(line);
  });

  it("exits 1 on a bad config, naming the key and not the secret", async () => {
    const config = await tempFile(
      teardown,
      "bad.yaml",
      `overlap_s: -1\napps:\n  - app_id: wx1\n    secret: ${SECRET}\n`,
    );
    const child = spawnNode(MAIN, ["--config", config], { teardown });
    const exit = await child.exited;
    expect(exit.code).toBe(1);
    expect(child.output()).toMatch(/overlap_s/);
    expect(child.output()).not.toContain(SECRET);
  });

  it.each([["--help"], ["-h"]])("%s prints the usage and exits 0", async (flag) => {
    const child = spawnNode(MAIN, [flag], { teardown });
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(child.output()).toMatch(/^usage: wechat-sim --port N /);
    expect(child.output()).toMatch(/^ {2}--app APPID:SECRET /m);
  });
});
