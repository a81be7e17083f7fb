// The README's tokenctl examples, run as written against a real token-server: only the
// demo's app id and ports are swapped for the test stack's.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { e2e, fileFixture, repoRoot } from "@wxtoken/testkit";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { runTokenctl, startStack, startTokenctl } from "./testing/tokenctl-process.js";

const stack = fileFixture({ beforeAll, afterEach, afterAll }, (teardown) =>
  startStack({ teardown }),
);
const { teardown } = stack;

const DEMO_APP_ID = "wxdemo0000000001";

/** Each `node apps/tokenctl/dist/main.js ...` line of the README, as its arguments. */
function readmeExamples(): string[][] {
  const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
  return [...readme.matchAll(/^node apps\/tokenctl\/dist\/main\.js (.*)$/gm)].map(([, line]) =>
    // Shell words: '...' quoted or bare, up to a comment.
    [...(line ?? "").replace(/\s#.*$/, "").matchAll(/'([^']*)'|(\S+)/g)].map(
      ([, quoted, bare]) => quoted ?? bare ?? "",
    ),
  );
}

/** The example's arguments for the test stack: its app, its ports. */
function forStack(args: string[]): string[] {
  const swapped = args.map((arg) =>
    arg
      .replace(DEMO_APP_ID, e2e.appId)
      .replace("http://127.0.0.1:50051", stack.value.grpcUrl)
      .replace("grpc://127.0.0.1:50051", stack.value.grpcUrl.replace("http://", "grpc://"))
      .replace("http://127.0.0.1:8080", stack.value.httpUrl),
  );
  return swapped.includes("--server") ? swapped : [...swapped, "--server", stack.value.httpUrl];
}

const examples = readmeExamples();

it("the README shows tokenctl's commands", () => {
  expect(examples.map(([command]) => command)).toEqual(
    expect.arrayContaining(["get", "watch", "refresh", "sign", "send-template", "apps"]),
  );
});

it.each(examples.filter(([command]) => command !== "watch"))(
  "tokenctl %s ... as the README shows it succeeds",
  async (...args) => {
    const run = await runTokenctl(forStack(args), teardown);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(run.stdout).not.toBe("");
  },
);

it.each(examples.filter(([command]) => command === "watch"))(
  "tokenctl %s ... as the README shows it prints the credential, then stops on Ctrl-C",
  async (...args) => {
    const watch = startTokenctl(forStack(args), teardown);
    await watch.waitForOutput(/^app_id \S+ {2}kind access_token {2}generation \d+ /m);
    watch.signal("SIGINT");
    expect(await watch.exited).toEqual({ code: 0, signal: null });
  },
);
