// Counts by app and a few other labels, for thousands of apps: each app's counts are one
// small array, indexed by the combination of its other labels (numbered as first seen).
// prom-client's Counter keeps, per series, a label object, an entry in its table and a
// hash string, and the registry a formatted label string once scraped: ~230 bytes an app
// for wxtoken_upstream_calls_total on a leader of 10,000. scrapeCounter shows these.
import type { LabelValues } from "prom-client";
import type { ScrapedValue } from "./scrape-gauge.js";

export class CountsByApp<T extends string> {
  /** Each combination of the other labels seen, by its key: its index in every app's counts. */
  private readonly combinations = new Map<string, number>();
  /** Each combination's labels, by index. */
  private readonly labelSets: Record<T, string>[] = [];
  private readonly counts = new Map<string, number[]>();

  constructor(private readonly labelNames: readonly T[]) {}

  inc(appId: string, labels: Record<T, string>): void {
    const key = this.labelNames.map((name) => labels[name]).join("\u0000");
    let index = this.combinations.get(key);
    if (index === undefined) {
      index = this.labelSets.length;
      this.combinations.set(key, index);
      this.labelSets.push({ ...labels });
    }
    let counts = this.counts.get(appId);
    if (counts === undefined) {
      // Room for the combinations known now, no more (an empty array grows room for 17).
      counts = new Array<number>(this.labelSets.length);
      this.counts.set(appId, counts);
    }
    counts[index] = (counts[index] ?? 0) + 1;
  }

  /** Every series counted, for a scrape. */
  values(): ScrapedValue<"app_id" | T>[] {
    const values: ScrapedValue<"app_id" | T>[] = [];
    for (const [appId, counts] of this.counts) {
      // Holes (combinations this app never had) are skipped.
      counts.forEach((value, index) => {
        const labelSet = this.labelSets[index];
        if (labelSet !== undefined) {
          const labels: LabelValues<"app_id" | T> = { app_id: appId, ...labelSet };
          values.push({ labels, value });
        }
      });
    }
    return values;
  }
}
