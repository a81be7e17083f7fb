// Bundles the server into dist/main.js, over tsc's, after `tsc` has checked and emitted
// dist/, with what it loads on demand in dist/bundle/: a few files to load at start where
// the ES modules were ~500 (node resolved, read and linked each of them at every start).
// Bundled: this package's code, the workspace packages and the ES-module libraries of the
// read path. Every other dependency stays a package, resolved from node_modules at run
// time: grpc-js (shared with etcd3), etcd3 (reads its .proto beside its code), pino (its
// transports run from their own files), lmdb (native), OpenTelemetry, undici and the XML
// libraries (loaded on first use). So each of those must be a dependency of this package,
// @wxtoken/wechat's included; the build fails naming any import that is not.
import { readFileSync } from "node:fs";
import { build } from "esbuild";

const BUNDLED = new Set([
  "@wxtoken/api",
  "@wxtoken/wechat",
  "@bufbuild/protobuf",
  "@connectrpc/connect",
  "@connectrpc/connect-node",
  "cockatiel",
  "js-yaml",
  "prom-client",
  "zod",
]);

const own = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const wechat = JSON.parse(
  readFileSync(new URL("../../../packages/wechat/package.json", import.meta.url), "utf8"),
);
const external = Object.keys(own.dependencies).filter((name) => !BUNDLED.has(name));
const missing = Object.keys(wechat.dependencies).filter(
  (name) => !BUNDLED.has(name) && !external.includes(name),
);
if (missing.length > 0) {
  throw new Error(
    `bundle: @wxtoken/wechat loads ${missing.join(", ")} at run time: add them to the dependencies of @wxtoken/token-server`,
  );
}

await build({
  entryPoints: [new URL("../src/main.ts", import.meta.url).pathname],
  outdir: new URL("../dist/", import.meta.url).pathname,
  allowOverwrite: true,
  bundle: true,
  // What the server imports on demand (a store's modules, tracing) stays a separate file,
  // loaded with the packages it needs only when it is.
  splitting: true,
  chunkNames: "bundle/[name]-[hash]",
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: "linked",
  // The CommonJS libraries bundled (prom-client) require node's modules.
  banner: {
    js: 'import { createRequire as bundleRequire } from "node:module"; const require = bundleRequire(import.meta.url);',
  },
  // Each external and its subpaths (`@opentelemetry/api`, `etcd3`, `pino/file` ...).
  external: external.flatMap((name) => [name, `${name}/*`]),
  logLevel: "warning",
});
