// Files watched for change: their folders are watched (so an editor's, Kubernetes' or
// cert-manager's atomic replace is seen), events within SETTLE_MS make one change, and
// `changed` is called only when the files' content differs from what was last seen.
import { createHash } from "node:crypto";
import { type FSWatcher, readFileSync, watch } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "pino";

/** File events within this many ms make one change. */
const SETTLE_MS = 100;

/** The content of `files`, hashed: an event that changed nothing is no change. */
function fingerprint(files: readonly string[]): string {
  const hash = createHash("sha256");
  for (const file of files) {
    try {
      hash.update(readFileSync(file));
    } catch {
      hash.update(`missing:${file}`);
    }
    hash.update("\0");
  }
  return hash.digest("hex");
}

export class WatchedFiles {
  private seen: string;
  private watchers: FSWatcher[] = [];
  private settle: NodeJS.Timeout | undefined;

  constructor(
    private files: readonly string[],
    private readonly changed: () => void,
    private readonly logger: Pick<Logger, "warn">,
  ) {
    this.seen = fingerprint(files);
  }

  /** The files watched now. */
  get watched(): readonly string[] {
    return this.files;
  }

  /** Takes the files' content as seen: only a change after this one is told. */
  markSeen(): void {
    this.seen = fingerprint(this.files);
  }

  /** Watches `files` from now on, their content as seen. */
  replace(files: readonly string[]): void {
    this.stop();
    this.files = files;
    this.markSeen();
    this.start();
  }

  start(): void {
    for (const folder of new Set(this.files.map((file) => dirname(file)))) {
      try {
        const watcher = watch(folder, () => this.onEvent());
        watcher.on("error", () => watcher.close());
        this.watchers.push(watcher);
      } catch (error) {
        this.logger.warn(
          { folder, err: { message: (error as Error).message } },
          "cannot watch the folder; a file changed there is not seen by itself",
        );
      }
    }
  }

  stop(): void {
    clearTimeout(this.settle);
    for (const watcher of this.watchers.splice(0)) {
      watcher.close();
    }
  }

  private onEvent(): void {
    clearTimeout(this.settle);
    this.settle = setTimeout(() => {
      const now = fingerprint(this.files);
      if (now !== this.seen) {
        this.seen = now;
        this.changed();
      }
    }, SETTLE_MS);
    this.settle.unref();
  }
}
