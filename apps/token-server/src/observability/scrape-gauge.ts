// Gauges and counters whose values are read at scrape time and held by nobody between
// scrapes. prom-client's Gauge keeps every label set it was given in its table until the
// next reset, and the registry caches a formatted string per value's sharedLabels object:
// a gauge by app, set in collect(), kept ~130 bytes per app after each scrape, ~1 KB per
// credential for the six such gauges of a replica holding 10,000. These answer get() from
// their reader and keep nothing; a counter's reader answers from counts kept compactly
// (CountsByApp).
import {
  Counter,
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

/** `metric`'s name, help and type as prom-client gives them, with this scrape's values. */
async function withScrapedValues<T extends string>(
  metric: Promise<MetricObjectWithValues<MetricValue<T>>>,
  read: ScrapeGaugeOptions<T>["read"],
): Promise<MetricObjectWithValues<MetricValue<T>>> {
  const [base, scraped] = await Promise.all([metric, read()]);
  const values = scraped.map(({ labels, value }) => ({
    labels,
    value,
    sharedLabels: NO_SHARED_LABELS,
  }));
  return { ...base, values };
}

export class ScrapeGauge<T extends string> extends Gauge<T> {
  private readonly read: ScrapeGaugeOptions<T>["read"];

  constructor({ name, help, labelNames, registry, read }: ScrapeGaugeOptions<T>) {
    super({ name, help, labelNames, registers: [registry] });
    this.read = read;
  }

  override get(): Promise<MetricObjectWithValues<MetricValue<T>>> {
    return withScrapedValues(super.get(), this.read);
  }
}

/** A counter read at scrape time, as ScrapeGauge is: its reader's values only grow. */
export class ScrapeCounter<T extends string> extends Counter<T> {
  private readonly read: ScrapeGaugeOptions<T>["read"];

  constructor({ name, help, labelNames, registry, read }: ScrapeGaugeOptions<T>) {
    super({ name, help, labelNames, registers: [registry] });
    this.read = read;
  }

  override get(): Promise<MetricObjectWithValues<MetricValue<T>>> {
    return withScrapedValues(super.get(), this.read);
  }
}
