// A gauge whose values are read at scrape time and held by nobody between scrapes.
// prom-client's Gauge keeps every label set it was given in its table until the next
// reset, and the registry caches a formatted string per value's sharedLabels object: a
// gauge by app, set in collect(), kept ~130 bytes per app after each scrape, ~1 KB per
// credential for the six such gauges of a replica holding 10,000. This one answers get()
// from its reader and keeps nothing.
import {
  Gauge,
  type LabelValues,
  type MetricObjectWithValues,
  type MetricValue,
  type Registry,
} from "prom-client";

/** One value of a scrape: its labels and the number. */
export interface ScrapedValue<T extends string> {
  readonly labels: LabelValues<T>;
  readonly value: number;
}

export interface ScrapeGaugeOptions<T extends string> {
  name: string;
  help: string;
  labelNames: readonly T[];
  registry: Registry;
  /** This scrape's values; an identity it leaves out has no series in this scrape. */
  read(): readonly ScrapedValue<T>[] | Promise<readonly ScrapedValue<T>[]>;
}

/** One object for every value: the registry caches its formatting per object. */
const NO_SHARED_LABELS = Object.freeze({});

export class ScrapeGauge<T extends string> extends Gauge<T> {
  private readonly read: ScrapeGaugeOptions<T>["read"];

  constructor({ name, help, labelNames, registry, read }: ScrapeGaugeOptions<T>) {
    super({ name, help, labelNames, registers: [registry] });
    this.read = read;
  }

  /** The gauge's name, help and type as prom-client gives them, with this scrape's values. */
  override async get(): Promise<MetricObjectWithValues<MetricValue<T>>> {
    const [gauge, read] = await Promise.all([super.get(), this.read()]);
    const values = read.map(({ labels, value }) => ({
      labels,
      value,
      sharedLabels: NO_SHARED_LABELS,
    }));
    return { ...gauge, values };
  }
}
