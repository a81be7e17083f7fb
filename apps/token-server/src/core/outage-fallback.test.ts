// OutageFallback's cost while the store answers: it looks at no source until StoreHealth,
// probing on its own interval, has found the store unreachable.
import { pino } from "pino";
import { afterEach, expect, it, vi } from "vitest";
import type { KvStore } from "../store/kv-store.js";
import { CredentialPublisher } from "./credential-publisher.js";
import type { CredentialSource } from "./credential-source.js";
import { OutageFallback } from "./outage-fallback.js";
import { StoreHealth } from "./store-health.js";

afterEach(() => {
  vi.useRealTimers();
});

it("walks no source while the store answers, and starts once a probe finds it unreachable", async () => {
  vi.useFakeTimers({
    toFake: ["setInterval", "clearInterval", "setTimeout", "clearTimeout", "Date"],
  });
  const logger = pino({ level: "silent" });
  let answers = true;
  const store = {
    get: async () => {
      if (!answers) {
        throw new Error("etcd unavailable");
      }
      return undefined;
    },
  } as unknown as KvStore;
  const health = new StoreHealth({ store, logger, intervalMs: 1_000, timeoutMs: 500 });
  let walks = 0;
  const fallback = new OutageFallback({
    sources: () => {
      walks += 1;
      return [] as CredentialSource[];
    },
    slot: () => undefined,
    publisher: new CredentialPublisher({ store, logger }),
    health,
    logger,
    leadMs: 300_000,
  });
  health.start();
  fallback.start();
  try {
    await vi.advanceTimersByTimeAsync(10_000);
    expect(walks).toBe(0);
    answers = false;
    await vi.advanceTimersByTimeAsync(3_000);
    expect(health.unreachableSince).toBeDefined();
    expect(walks).toBeGreaterThan(0);
  } finally {
    fallback.stop();
    health.stop();
  }
});
