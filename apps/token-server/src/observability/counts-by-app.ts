// Counts by app and a few other labels, for thousands of apps: one column of counts per
// combination of the other labels (numbered as first seen), indexed by the app's number
// (numbered as first counted), so an app costs an entry in one table and a number in each
// column it has a count in. prom-client's Counter keeps, per series, a label object, an
// entry in its table and a hash string, and the registry a formatted label string once
// scraped: ~230 bytes an app for wxtoken_upstream_calls_total on a leader of 10,000; an
// array of counts per app took ~56. scrapeCounter shows these.
import type { LabelValues } from "prom-client";
import type { ScrapedValue } from "./scrape-gauge.js";

export class CountsByApp<T extends string> {
  /** Each combination of the other labels seen, by its key: its column's index. */
  private readonly combinations = new Map<string, number>();
  /** Each combination's labels, by index. */
  private readonly labelSets: Record<T, string>[] = [];
  /** Each combination's counts, by app number; a hole where the app had none. */
  private readonly columns: number[][] = [];
  /** Each app counted, by its number. */
  private readonly apps = new Map<string, number>();
  private readonly appIds: string[] = [];

  constructor(private readonly labelNames: readonly T[]) {}

  inc(appId: string, labels: Record<T, string>): void {
    const key = this.labelNames.map((name) => labels[name]).join("\u0000");
    let index = this.combinations.get(key);
    if (index === undefined) {
      index = this.labelSets.length;
      this.combinations.set(key, index);
      this.labelSets.push({ ...labels });
      this.columns.push([]);
    }
    let app = this.apps.get(appId);
    if (app === undefined) {
      app = this.appIds.length;
      this.apps.set(appId, app);
      this.appIds.push(appId);
    }
    const column = this.columns[index] ?? [];
    column[app] = (column[app] ?? 0) + 1;
  }

  /** Every series counted, for a scrape: by app, then by combination. */
  values(): ScrapedValue<"app_id" | T>[] {
    const values: ScrapedValue<"app_id" | T>[] = [];
    this.appIds.forEach((appId, app) => {
      this.columns.forEach((column, index) => {
        const value = column[app];
        const labelSet = this.labelSets[index];
        if (value !== undefined && labelSet !== undefined) {
          const labels: LabelValues<"app_id" | T> = { app_id: appId, ...labelSet };
          values.push({ labels, value });
        }
      });
    });
    return values;
  }
}
