// wxtoken_rpc_duration_seconds, pre-aggregated: each call adds to plain per-series bucket
// counts (no label hashing, no allocation), read by prom-client only at scrape time. The
// registry formats it as it formats a prom-client Histogram, so /metrics is unchanged.
import type { Metric, Registry } from "prom-client";

type Labels = { method: string; code: string; transport: string };

/** One label set's observations: counts per bucket (not cumulative), sum and count. */
class Series {
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Labels,
    private readonly bounds: readonly number[],
  ) {
    this.counts = bounds.map(() => 0);
  }

  observe(seconds: number): void {
    const { bounds, counts } = this;
    for (let i = 0; i < bounds.length; i++) {
      if (seconds <= (bounds[i] as number)) {
        counts[i] = (counts[i] as number) + 1;
        break;
      }
    }
    this.sum += seconds;
    this.count += 1;
  }
}

/** One exported sample, in the shape prom-client's registry formats (no exemplars). */
type Sample = {
  value: number;
  metricName: string;
  labels: Record<string, string | number>;
  sharedLabels: Labels;
  exemplar?: null;
};

export class RpcDurations {
  readonly type = "histogram";
  readonly aggregator = "sum";
  private readonly series: Series[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    // Not a prom-client class, but every member the registry reads: name, help, type,
    // aggregator, get, getForPromString, reset.
    registry.registerMetric(this as unknown as Metric);
  }

  /** The recorder of one method's calls on one transport: told each call's code and seconds. */
  recorder(transport: string, method: string): (code: string, seconds: number) => void {
    const byCode = new Map<string, Series>();
    return (code, seconds) => {
      let series = byCode.get(code);
      if (series === undefined) {
        series = new Series({ method, code, transport }, this.bounds);
        this.series.push(series);
        byCode.set(code, series);
      }
      series.observe(seconds);
    };
  }

  /** What the registry prints: per series, cumulative buckets, +Inf, sum and count. */
  getForPromString() {
    const values: Sample[] = [];
    const bucket = `${this.name}_bucket`;
    for (const series of this.series) {
      const sharedLabels = series.labels;
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += series.counts[i] as number;
        values.push({
          value: cumulative,
          metricName: bucket,
          labels: { le },
          sharedLabels,
          exemplar: null,
        });
      });
      values.push(
        {
          value: series.count,
          metricName: bucket,
          labels: { le: "+Inf" },
          sharedLabels,
          exemplar: null,
        },
        { value: series.sum, metricName: `${this.name}_sum`, labels: {}, sharedLabels },
        { value: series.count, metricName: `${this.name}_count`, labels: {}, sharedLabels },
      );
    }
    const { name, help, type, aggregator } = this;
    return { name, help, type, aggregator, values };
  }

  /** The same samples with every label on each (registry.getMetricsAsJSON). */
  get() {
    const metric = this.getForPromString();
    return {
      ...metric,
      values: metric.values.map(({ labels, sharedLabels, ...sample }) => ({
        ...sample,
        labels: { ...labels, ...sharedLabels },
      })),
    };
  }

  /** Zeroes every series (the recorders keep theirs). */
  reset(): void {
    for (const series of this.series) {
      series.counts.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }
}
