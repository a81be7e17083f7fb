// IssuedTokens: a token answers for its identity while it is valid (an older one too, until
// its own expiry), not once expired, revoked or its identity removed; no number of
// identities pushes a current token out (a table of 10,000 did, at 10,000 identities), nor
// does building the table anew once the old tokens were pruned.
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { type Credential, CredentialKind, CredentialSchema } from "@wxtoken/api";
import { describe, expect, it, vi } from "vitest";
import { onReleased } from "../core/released-memory.js";
import { DROPPED_TOKEN_BYTES, IssuedTokens } from "./issued-tokens.js";

const HOUR_MS = 3_600_000;

/** `count` AppIDs, each as long as a real one. */
const appIds = (count: number) =>
  Array.from({ length: count }, (_, i) => `wx${String(i).padStart(16, "0")}`);

function harness() {
  let now = Date.UTC(2026, 11, 4, 8);
  const listeners: ((credential: Credential) => void)[] = [];
  const removed = new Set<string>();
  const revoked = new Set<string>();
  const tokens = new IssuedTokens(
    {
      onApplied: (listener) => {
        listeners.push(listener);
        return () => undefined;
      },
      source: (key) => (removed.has(key) ? undefined : { family: "official_account", app: {} }),
    } as ConstructorParameters<typeof IssuedTokens>[0],
    { has: (token) => revoked.has(token) },
    () => now,
  );
  const apply = (appId: string, value: string, lifetimeMs = 2 * HOUR_MS) => {
    const credential = create(CredentialSchema, {
      appId,
      kind: CredentialKind.ACCESS_TOKEN,
      value,
      expiresAt: timestampFromMs(now + lifetimeMs),
    });
    for (const listener of listeners) {
      listener(credential);
    }
  };
  /** A token numbered `round` for each of `ids`. */
  const applyRound = (ids: readonly string[], round: number) => {
    for (const appId of ids) {
      apply(appId, `${appId}-${round}`);
    }
  };
  return {
    tokens,
    apply,
    applyRound,
    removed,
    revoked,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe("IssuedTokens", () => {
  it("answers for a valid token, an older one until its own expiry, and no other", () => {
    const { tokens, apply, removed, revoked, advance } = harness();
    apply("wxa", "token-a1");
    advance(HOUR_MS);
    apply("wxa", "token-a2");
    apply("wxb", "token-b1");
    expect(tokens.appOf("token-a1")).toBe("wxa");
    expect(tokens.appOf("token-a2")).toBe("wxa");
    expect(tokens.appOf("never-issued")).toBeUndefined();
    advance(HOUR_MS);
    expect(tokens.appOf("token-a1")).toBeUndefined();
    expect(tokens.appOf("token-a2")).toBe("wxa");
    revoked.add("token-a2");
    expect(tokens.appOf("token-a2")).toBeUndefined();
    removed.add("wxb");
    expect(tokens.appOf("token-b1")).toBeUndefined();
  });

  it("answers for every current token after the old ones were pruned and the table rebuilt", () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const { tokens, applyRound, advance } = harness();
      const pass = (ms: number) => {
        advance(ms);
        vi.advanceTimersByTime(ms);
      };
      // Two tokens each for a while (peak 140, room for 256), then one: under 3/8 of that room.
      const ids = appIds(70);
      for (const round of [1, 2, 3]) {
        applyRound(ids, round);
        pass(HOUR_MS + 1);
        expect(ids.filter((appId) => tokens.appOf(`${appId}-${round}`) !== appId)).toEqual([]);
        expect(vi.getTimerCount()).toBe(1);
      }
    } finally {
      vi.useRealTimers();
    }
  });

  it("reports each old token it drops released", () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const released: number[] = [];
    const stop = onReleased((bytes) => released.push(bytes));
    try {
      const { tokens, applyRound, advance } = harness();
      const ids = appIds(50);
      for (const round of [1, 2]) {
        applyRound(ids, round);
        advance(HOUR_MS);
      }
      expect(released).toEqual([]);
      // The first round's tokens expire; the second's stay.
      advance(HOUR_MS / 2);
      vi.advanceTimersByTime(2 * HOUR_MS + HOUR_MS / 2);
      expect(released.reduce((sum, bytes) => sum + bytes, 0)).toBe(50 * DROPPED_TOKEN_BYTES);
      expect(ids.filter((appId) => tokens.appOf(`${appId}-2`) !== appId)).toEqual([]);
    } finally {
      stop();
      vi.useRealTimers();
    }
  });

  it("keeps the current token of every one of 30,000 identities", () => {
    const { tokens, applyRound, advance } = harness();
    const ids = appIds(30_000);
    for (const round of [1, 2]) {
      applyRound(ids, round);
      advance(HOUR_MS);
    }
    expect(ids.filter((appId) => tokens.appOf(`${appId}-2`) !== appId)).toEqual([]);
  });
});
