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

export interface ScrapeOptions<T extends string> {
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
  read: ScrapeOptions<T>["read"],
): Promise<MetricObjectWithValues<MetricValue<T>>> {
  const [base, scraped] = await Promise.all([metric, read()]);
  const values = scraped.map(({ labels, value }) => ({
    labels,
    value,
    sharedLabels: NO_SHARED_LABELS,
  }));
  return { ...base, values };
}

/**
 * Makes `metric` answer every scrape from `read`: prom-client gives its name, help and type,
 * and nothing of a scrape is kept in it.
 */
function readAtScrape<T extends string>(
  metric: Gauge<T> | Counter<T>,
  read: ScrapeOptions<T>["read"],
): void {
  const own = metric.get.bind(metric);
  metric.get = () => withScrapedValues(own(), read);
}

/** A gauge whose values are read at scrape time. */
export function scrapeGauge<T extends string>(options: ScrapeOptions<T>): Gauge<T> {
  const gauge = new Gauge(metricConfig(options));
  readAtScrape(gauge, options.read);
  return gauge;
}

/** A counter read at scrape time, as scrapeGauge's gauge is: its reader's values only grow. */
export function scrapeCounter<T extends string>(options: ScrapeOptions<T>): Counter<T> {
  const counter = new Counter(metricConfig(options));
  readAtScrape(counter, options.read);
  return counter;
}

function metricConfig<T extends string>({ name, help, labelNames, registry }: ScrapeOptions<T>) {
  return { name, help, labelNames, registers: [registry] };
}
