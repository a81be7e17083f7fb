// TLS for tokenctl from --ca-file, --cert-file and --key-file: the server's CA, and a
// client certificate for mTLS; a file that cannot be read is a usage error naming the flag.
import { readFileSync } from "node:fs";
import type { ClientTls } from "@wxtoken/client";
import type { Flags } from "./command-line.js";
import { UsageError } from "./usage.js";

function readFlagFile(flag: "ca-file" | "cert-file" | "key-file", path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UsageError(`--${flag} ${path}: cannot read it (${reason})`);
  }
}

/** The TLS options of the flags, or undefined when none is given. */
export function clientTls(flags: Flags): ClientTls | undefined {
  const { "ca-file": caFile, "cert-file": certFile, "key-file": keyFile } = flags;
  if (caFile === undefined && certFile === undefined && keyFile === undefined) {
    return undefined;
  }
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new UsageError("--cert-file and --key-file go together");
  }
  return {
    ...(caFile !== undefined && { ca: readFlagFile("ca-file", caFile) }),
    ...(certFile !== undefined && { cert: readFlagFile("cert-file", certFile) }),
    ...(keyFile !== undefined && { key: readFlagFile("key-file", keyFile) }),
  };
}
