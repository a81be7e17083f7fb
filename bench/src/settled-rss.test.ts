// RssSettling: a process has settled once its RSS went quietMs without a step down.
import { describe, expect, it } from "vitest";
import { RssSettling } from "./settled-rss.js";

describe("RssSettling", () => {
  it("has not settled before a first reading", () => {
    expect(new RssSettling().settled(10_000, 1_000)).toBe(false);
  });

  it("settles quietMs after the last step down", () => {
    const rss = new RssSettling();
    rss.read(200_000, 0);
    expect(rss.settled(0, 5_000)).toBe(false);
    rss.read(150_000, 2_000);
    rss.read(149_000, 4_000);
    expect(rss.settled(6_000, 5_000)).toBe(false);
    expect(rss.settled(7_000, 5_000)).toBe(true);
  });

  it("takes neither a rise nor a fall within 1% for a step", () => {
    const rss = new RssSettling();
    rss.read(100_000, 0);
    rss.read(120_000, 3_000);
    rss.read(99_500, 4_000);
    expect(rss.settled(5_000, 5_000)).toBe(true);
    rss.read(90_000, 6_000);
    expect(rss.settled(10_000, 5_000)).toBe(false);
  });
});
