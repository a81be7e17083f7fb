// The installable SDK: packs @wxtoken/api, @wxtoken/client and @wxtoken/tokenctl with
// `pnpm pack`, checks what each tarball holds, installs the tarballs with npm into a fresh
// project outside the workspace (the rest from the npm registry), and runs the README's SDK
// snippet there against a real token-server and the WeChat simulator.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { e2e, e2eSimApps, repoRoot, type Stack, startStack, Teardown } from "@wxtoken/testkit";
import { type Simulator, startSimulator } from "@wxtoken/wechat-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runnableSnippet, snippetAfter } from "./readme-snippet.js";
import { cleanEnv, runCommand } from "./run-command.js";
import { pack, type Tarball } from "./tarball.js";

const SDK_HEADING = "### TypeScript SDK (`@wxtoken/client`)";
const PACKAGES = {
  "@wxtoken/api": join(repoRoot, "packages", "api"),
  "@wxtoken/client": join(repoRoot, "packages", "client"),
  "@wxtoken/tokenctl": join(repoRoot, "apps", "tokenctl"),
} as const;
type PackageName = keyof typeof PACKAGES;
const NAMES = Object.keys(PACKAGES) as PackageName[];
/** npm's cache for these installs, kept between runs (node_modules is not committed). */
const NPM_CACHE = join(repoRoot, "packages", "packed-sdk", "node_modules", ".cache", "npm");
const TEMPLATE = {
  touser: "oUser0000000000000000000001A",
  template_id: "tpl-1",
  data: { first: { value: "hi" } },
};

const teardown = new Teardown();
const tarballs = new Map<PackageName, Tarball>();
let work: string;
let consumer: string;
let stack: Stack<Simulator>;

const workspaceVersion = (name: PackageName): string =>
  (JSON.parse(readFileSync(join(PACKAGES[name], "package.json"), "utf8")) as { version: string })
    .version;

const tarball = (name: PackageName): Tarball => {
  const found = tarballs.get(name);
  if (found === undefined) {
    throw new Error(`${name} was not packed`);
  }
  return found;
};

const node = (args: string[], env: Record<string, string> = {}) =>
  runCommand(process.execPath, args, { cwd: consumer, env: cleanEnv(env) });

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "wxtoken-packed-sdk-"));
  teardown.add(() => rmSync(work, { recursive: true, force: true }));
  const destination = join(work, "tarballs");
  mkdirSync(destination);
  for (const name of NAMES) {
    tarballs.set(name, await pack(PACKAGES[name], destination));
  }
  consumer = join(work, "consumer");
  mkdirSync(consumer);
  const dependencies = Object.fromEntries(
    NAMES.map((name) => [name, `file:${tarball(name).path}`]),
  );
  writeFileSync(
    join(consumer, "package.json"),
    JSON.stringify({ name: "sdk-consumer", private: true, type: "module", dependencies }),
  );
  mkdirSync(NPM_CACHE, { recursive: true });
  await runCommand(
    "npm",
    ["install", "--prefer-offline", "--no-audit", "--no-fund", "--cache", NPM_CACHE],
    { cwd: consumer, env: cleanEnv() },
  );
  stack = await startStack({
    teardown,
    startUpstream: () => startSimulator({ apps: e2eSimApps }),
  });
});
afterAll(() => teardown.run());

describe("the packed SDK", () => {
  it.each(NAMES)("%s packs as a real package", async (name) => {
    const { manifest, manifestText, files, read } = tarball(name);

    expect(manifest.name).toBe(name);
    expect(manifest.version).toBe(workspaceVersion(name));
    expect(manifest.private).toBeUndefined();
    expect(manifest.license).toBe("MIT");
    expect(manifestText).not.toContain("workspace:");
    // .pnpmfile.cjs (beforePacking) drops what only the workspace uses.
    expect(manifest.devDependencies).toBeUndefined();
    expect(manifest.scripts).toBeUndefined();
    for (const dependency of Object.keys(manifest.dependencies ?? {}).filter((d) =>
      d.startsWith("@wxtoken/"),
    )) {
      expect(manifest.dependencies?.[dependency]).toBe(workspaceVersion(dependency as PackageName));
    }
    const entry = manifest.exports?.["."];
    expect(entry?.types).toBe(manifest.types);
    for (const file of [entry?.types, entry?.default, ...Object.values(manifest.bin ?? {})]) {
      expect(files).toContain(file?.replace(/^\.\//, ""));
    }
    expect(files).toEqual(expect.arrayContaining(["README.md", "LICENSE", "CHANGELOG.md"]));
    expect(files.filter((file) => /\.test\.|(^|\/)testing\/|^src\//.test(file))).toEqual([]);
    expect(await read("CHANGELOG.md")).toContain(`## ${manifest.version}`);
  });

  it("installs outside the workspace, resolving by its exports with their types", async () => {
    expect(consumer.startsWith(repoRoot)).toBe(false);
    const loaded = await node([
      "--input-type=module",
      "-e",
      "const sdk = await import('@wxtoken/client'); const api = await import('@wxtoken/api');" +
        "console.log(typeof sdk.createWxTokenClient, typeof api.TokenService);",
    ]);
    expect(loaded.stdout.trim()).toBe("function object");

    writeFileSync(
      join(consumer, "check.ts"),
      [
        'import { createWxTokenClient, type WxTokenClient } from "@wxtoken/client";',
        'import { CredentialKind } from "@wxtoken/api";',
        'const wx: WxTokenClient = createWxTokenClient({ baseUrl: "http://h:1", apiKey: "k", transport: "grpc" });',
        "const token: Promise<string> = wx.getAccessToken('app');",
        "const kind: CredentialKind = CredentialKind.ACCESS_TOKEN;",
        "// @ts-expect-error: the types say transport is grpc or connect",
        'createWxTokenClient({ baseUrl: "http://h:1", apiKey: "k", transport: "carrier-pigeon" });',
        "export { token, kind };",
      ].join("\n"),
    );
    writeFileSync(
      join(consumer, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          module: "NodeNext",
          moduleResolution: "NodeNext",
          target: "ES2023",
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          typeRoots: [join(repoRoot, "node_modules", "@types")],
          types: ["node"],
        },
        files: ["check.ts"],
      }),
    );
    const tsc = join(repoRoot, "node_modules", "typescript", "bin", "tsc");
    await expect(node([tsc, "-p", "tsconfig.json"])).resolves.toBeDefined();

    // The executable npm linked, as a user runs it.
    const help = await runCommand(join(consumer, "node_modules", ".bin", "tokenctl"), ["--help"], {
      cwd: consumer,
      env: cleanEnv(),
    });
    expect(help.stdout).toContain("Usage: tokenctl");
  });

  it("runs the README's SDK snippet against a running token-server", async () => {
    const snippet = snippetAfter(readFileSync(join(repoRoot, "README.md"), "utf8"), SDK_HEADING);
    const packageReadme = readFileSync(join(PACKAGES["@wxtoken/client"], "README.md"), "utf8");
    expect(packageReadme).toContain(snippet);
    writeFileSync(
      join(consumer, "snippet.mjs"),
      runnableSnippet(snippet, {
        appId: e2e.appId,
        grpcUrl: stack.grpcUrl,
        simUrl: stack.sim.url,
        body: TEMPLATE,
      }),
    );

    const run = await node(["snippet.mjs"], { WXTOKEN_KEY: e2e.adminKey });

    const { token, sent } = JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "") as {
      token: string;
      sent: { errcode: number; msgid: number };
    };
    expect(sent.errcode).toBe(0);
    const stats = stack.sim.stats();
    expect(stats.tokensIssuedByApp[e2e.appId]).toBe(1);
    expect(stats.messages.map((message) => [message.msgId, message.accessToken])).toEqual([
      [sent.msgid, token],
    ]);
  });
});
