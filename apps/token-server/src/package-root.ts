// This package's root directory, for the files shipped beside the code (static/): the
// nearest directory above this module that holds a package.json. The module runs from
// src/ (tests), from tsc's dist/ and from the bundle (dist/main.js or a chunk in
// dist/bundle/), each at its own depth.
import { existsSync } from "node:fs";

function packageRoot(module: URL): URL {
  for (let dir = new URL("./", module); ; dir = new URL("../", dir)) {
    if (existsSync(new URL("package.json", dir))) {
      return dir;
    }
    if (dir.pathname === "/") {
      throw new Error(`no package.json in any directory above ${module.pathname}`);
    }
  }
}

export const PACKAGE_ROOT = packageRoot(new URL(import.meta.url));
