// The tarball `pnpm pack` makes of a workspace package, and what is inside it: the packed
// package.json and the list of files.
import { join } from "node:path";
import { cleanEnv, runCommand } from "./run-command.js";

export interface PackedManifest {
  name: string;
  version: string;
  private?: boolean;
  license?: string;
  types?: string;
  bin?: Record<string, string>;
  exports?: Record<string, { types?: string; default?: string }>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  scripts?: Record<string, string>;
}

export interface Tarball {
  readonly path: string;
  readonly manifest: PackedManifest;
  /** The raw text of the packed package.json. */
  readonly manifestText: string;
  /** Paths inside the package, without the leading "package/". */
  readonly files: readonly string[];
  read(file: string): Promise<string>;
}

/** Packs the package in `dir` into `destination` with pnpm and reads the result. */
export async function pack(dir: string, destination: string): Promise<Tarball> {
  const { stdout } = await runCommand("pnpm", ["pack", "--pack-destination", destination], {
    cwd: dir,
    env: cleanEnv(),
  });
  const path = stdout.trim().split("\n").at(-1)?.trim() ?? "";
  if (!path.endsWith(".tgz")) {
    throw new Error(`pnpm pack in ${dir} printed no tarball path: ${stdout}`);
  }
  const read = async (file: string) =>
    (await runCommand("tar", ["-xzOf", path, `package/${file}`], { cwd: destination })).stdout;
  const listing = await runCommand("tar", ["-tzf", path], { cwd: destination });
  const manifestText = await read("package.json");
  return {
    path: join(path),
    manifest: JSON.parse(manifestText) as PackedManifest,
    manifestText,
    files: listing.stdout
      .trim()
      .split("\n")
      .map((line) => line.replace(/^package\//, "")),
    read,
  };
}
