// memoByObject: made once per key, and nothing kept of a key once nobody holds it, even the
// last one asked for (a strong last key kept ListApps' whole response until its next call).
import { randomUUID } from "node:crypto";
import { text } from "node:stream/consumers";
import { getHeapSnapshot } from "node:v8";
import { describe, expect, it } from "vitest";
import { memoByObject } from "./object-memo.js";

describe("memoByObject", () => {
  it("makes each key's value once, the last key's and any other's", () => {
    let made = 0;
    const memo = memoByObject((key: { id: number }) => ({ id: key.id, made: ++made }));
    const [a, b] = [{ id: 1 }, { id: 2 }];
    const first = memo(a);
    expect(memo(a)).toBe(first);
    memo(b);
    expect(memo(a)).toBe(first);
    expect(memo(b).made).toBe(2);
    expect(made).toBe(2);
  });

  it("keeps nothing of a key asked for once, after its caller let go of it", async () => {
    // Made here, so that only a kept value holds the marker's text.
    const marker = ["memoized", randomUUID()].join("-");
    const memo = memoByObject((key: { id: string }) => ({ text: [key.id, marker].join(":") }));
    const kept = { id: "kept" };
    memo(kept);
    memo(kept);
    // Only its length leaves this line: the value itself is held by nobody after it.
    expect(memo({ id: "once" }).text.length).toBe("once:".length + marker.length);
    // A heap snapshot holds every live string's text (a GC runs first).
    const heap = await text(getHeapSnapshot());
    expect(heap.includes(`kept:${marker}`)).toBe(true);
    expect(heap.includes(`once:${marker}`)).toBe(false);
  });
});
