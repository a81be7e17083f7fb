// scrapeGauge: each scrape shows what its reader returns then, and nothing of it is kept
// once the scrape's text is written.
import { randomUUID } from "node:crypto";
import { text } from "node:stream/consumers";
import { getHeapSnapshot } from "node:v8";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { type ScrapedValue, scrapeGauge } from "./scrape-gauge.js";

function gaugeOf(read: () => Promise<ScrapedValue<"app_id">[]>) {
  const registry = new Registry();
  scrapeGauge({
    name: "wxtoken_test_calls",
    help: "Calls by app",
    labelNames: ["app_id"],
    registry,
    read,
  });
  return registry;
}

/** How many lines of a scrape name `marker` (the scrape's text goes with this frame). */
async function linesNaming(registry: Registry, marker: string): Promise<number> {
  return (await registry.metrics()).split("\n").filter((line) => line.includes(marker)).length;
}

describe("scrapeGauge", () => {
  it("shows each scrape's values, and no series for an app its reader left out", async () => {
    let apps = ["wxa", "wxb"];
    const registry = gaugeOf(async () =>
      apps.map((app_id, i) => ({ labels: { app_id }, value: i + 1 })),
    );
    expect(await registry.metrics()).toBe(
      [
        "# HELP wxtoken_test_calls Calls by app",
        "# TYPE wxtoken_test_calls gauge",
        'wxtoken_test_calls{app_id="wxa"} 1',
        'wxtoken_test_calls{app_id="wxb"} 2',
        "",
      ].join("\n"),
    );
    apps = ["wxb"];
    const second = await registry.metrics();
    expect(second).toContain('wxtoken_test_calls{app_id="wxb"} 1');
    expect(second).not.toContain("wxa");
  });

  it("holds none of a scrape's label sets afterwards", async () => {
    // Made here, so that only a kept label set holds "app_id:marker".
    const marker = ["scraped", randomUUID()].join("-");
    const ids = Array.from({ length: 100 }, (_, i) => `${marker}${i}`);
    const registry = gaugeOf(async () => ids.map((app_id) => ({ labels: { app_id }, value: 1 })));
    expect(await linesNaming(registry, marker)).toBe(100);
    // A heap snapshot holds every live string's text (a GC runs first). prom-client's own
    // Gauge keeps an "app_id:ID" key and a label object per series until its next reset.
    const heap = await text(getHeapSnapshot());
    expect(heap).toContain(marker);
    expect(heap).not.toContain(`app_id:${marker}`);
    expect(ids).toHaveLength(100);
  });
});
