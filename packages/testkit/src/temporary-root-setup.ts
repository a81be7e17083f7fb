// A vitest setup file (a project's test.setupFiles): each test file's temporary files under
// one directory of its own, removed once the file's tests have run. TMPDIR names it
// meanwhile; os.tmpdir() reads it on every call and the servers, etcd members and browsers
// a test starts inherit it, so what a test or a helper makes under tmpdir() (stores,
// configs, certificates, audit logs) goes with it, where a test removes none of its own.
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

const outerTmpdir = process.env.TMPDIR;
const root = mkdtempSync(join(tmpdir(), "wxtoken-test-"));
// Entered, not listed, by the unprivileged user some tests run a server as (each directory
// made inside stays private to its maker, as under /tmp).
chmodSync(root, 0o711);
process.env.TMPDIR = root;

// Registered first, so it runs after every other afterAll of the file.
afterAll(() => {
  if (outerTmpdir === undefined) {
    delete process.env.TMPDIR;
  } else {
    process.env.TMPDIR = outerTmpdir;
  }
  // A process stopped a moment ago may still be closing its files: retried, not failed.
  rmSync(root, { recursive: true, force: true, maxRetries: 5 });
});
