// Preloaded (node --import) into a token-server by shared-code-shapes.js: starts the bare
// reference server at $REFERENCE_SERVER (bare-grpc-server.js or bare-connect-server.js) in
// the token-server's own process, beside wxtoken's libraries, heap and shared code. Loaded
// there, the reference answers as it does alone and prints its ports the same way; what
// it loses against itself alone is what running in wxtoken's process costs any server,
// apart from wxtoken's own per-call code.
import { pathToFileURL } from "node:url";

const server = process.env.REFERENCE_SERVER;
if (server === undefined) {
  throw new Error("reference-in-process-preload: REFERENCE_SERVER is not set");
}
await import(pathToFileURL(server).href);
