// What `npm start` needs and does before the demo runs: the README names the Node version
// of the engines field; it installs without pnpm's "approve-builds" box (every dependency
// with an install script is approved or ignored in package.json); and it builds every
// program the README runs next (the build line of scripts/start-demo.sh, as a turbo dry
// run, covers each `node <package>/dist/main.js`).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot, spawnProcess, Teardown } from "@wxtoken/testkit";
import { afterEach, expect, it } from "vitest";

const teardown = new Teardown();
afterEach(() => teardown.run());

/** The workspace packages whose dist/main.js the README runs. */
function programsInReadme(): string[] {
  const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
  const dirs = new Set([...readme.matchAll(/node (\S+)\/dist\/main\.js/g)].map(([, dir]) => dir));
  return [...dirs].map(
    (dir) =>
      (
        JSON.parse(readFileSync(join(repoRoot, dir ?? "", "package.json"), "utf8")) as {
          name: string;
        }
      ).name,
  );
}

/** The packages the demo script's turbo build line would build. */
async function packagesTheDemoBuilds(): Promise<string[]> {
  const script = readFileSync(join(repoRoot, "scripts", "start-demo.sh"), "utf8");
  const buildLine = script.split("\n").find((line) => line.includes("turbo run build"));
  expect(buildLine).toBeDefined();
  const dryRun = spawnProcess("bash", ["-c", `${buildLine} --dry=json`], {
    cwd: repoRoot,
    teardown,
    name: "turbo --dry",
  });
  expect((await dryRun.exited).code).toBe(0);
  const output = dryRun.output();
  const plan = JSON.parse(output.slice(output.indexOf("{"), output.lastIndexOf("}") + 1)) as {
    tasks: { package: string; task: string }[];
  };
  return plan.tasks.filter((task) => task.task === "build").map((task) => task.package);
}

it("npm start builds every program the README runs", async () => {
  const programs = programsInReadme();
  expect(programs).toEqual(expect.arrayContaining(["@wxtoken/token-server", "@wxtoken/tokenctl"]));
  expect(await packagesTheDemoBuilds()).toEqual(expect.arrayContaining(programs));
});

/** Installed packages with an install script or a native build: what pnpm asks to approve. */
function packagesWithInstallScripts(): string[] {
  const store = join(repoRoot, "node_modules", ".pnpm");
  const names = readdirSync(store)
    .filter((entry) => entry.includes("@", 1))
    .map((entry) => ({ entry, name: entry.slice(0, entry.indexOf("@", 1)).replace("+", "/") }));
  return names
    .filter(({ entry, name }) => {
      const dir = join(store, entry, "node_modules", name);
      const manifest = join(dir, "package.json");
      if (!existsSync(manifest)) {
        return false;
      }
      const { scripts = {} } = JSON.parse(readFileSync(manifest, "utf8")) as {
        scripts?: Record<string, string>;
      };
      return (
        ["preinstall", "install", "postinstall"].some((hook) => hook in scripts) ||
        existsSync(join(dir, "binding.gyp"))
      );
    })
    .map(({ name }) => name);
}

it("installs without asking to approve builds: each install script is approved or ignored", () => {
  const { pnpm } = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
    pnpm: { onlyBuiltDependencies: string[]; ignoredBuiltDependencies: string[] };
  };
  const decided = new Set([...pnpm.onlyBuiltDependencies, ...pnpm.ignoredBuiltDependencies]);
  const withScripts = packagesWithInstallScripts();
  expect(withScripts).toContain("lmdb");
  expect(withScripts.filter((name) => !decided.has(name))).toEqual([]);
});

it("the README asks for the Node version the engines field requires", () => {
  const { engines } = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
    engines: { node: string };
  };
  const minimum = engines.node.replace(/^>=\s*/, "");
  expect(readFileSync(join(repoRoot, "README.md"), "utf8")).toMatch(
    new RegExp(`with Node ≥ ${minimum.replaceAll(".", "\\.")} and npm`),
  );
});
