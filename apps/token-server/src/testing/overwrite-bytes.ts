// Damages a file in place for the store tests: `bytes` written over it at `position`.
import { closeSync, openSync, writeSync } from "node:fs";

export function overwriteBytes(file: string, position: number, bytes: Buffer): void {
  const fd = openSync(file, "r+");
  try {
    writeSync(fd, bytes, 0, bytes.length, position);
  } finally {
    closeSync(fd);
  }
}
