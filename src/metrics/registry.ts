/**
 * What the metric sets share: the registry factory, the metric name prefix, the latency
 * buckets, and a guard that keeps label values from growing without bound. The metrics
 * themselves are prom-client's (the Prometheus client most Node services use); the sets
 * are rapi-metrics.ts and proxy-metrics.ts, the HTTP endpoint is server.ts.
 */
import { Registry, collectDefaultMetrics } from 'prom-client';

/** Prefix of every metric name. */
export const DEFAULT_METRICS_PREFIX = 'ganeti_uds_';

/**
 * Latency buckets, in seconds, for a local API: 0.5 ms (a cached answer on the same host)
 * to 10 s (a long-polling `/wait` or a slow job submission).
 */
export const DEFAULT_LATENCY_BUCKETS: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Most distinct values one label takes before further new values are counted as `other`:
 * a client sending random paths or method names cannot make the registry grow for ever.
 */
export const DEFAULT_MAX_LABEL_VALUES = 256;

/** The label value that stands for values beyond the limit. */
export const OTHER_LABEL_VALUE = 'other';

/** Options of {@link createMetricsRegistry}. */
export interface MetricsRegistryOptions {
  /**
   * Also collect Node's process metrics (CPU, memory, event-loop lag, GC, handles), named
   * with the same prefix. Default: false.
   */
  processMetrics?: boolean;
  /** Prefix of the process metrics' names. Default: `ganeti_uds_`. */
  prefix?: string;
  /** Labels added to every metric of the registry, e.g. `{ cluster: 'prod' }`. Default: none. */
  defaultLabels?: Record<string, string>;
}

/** A new prom-client Registry (never the global one, so several servers in a process stay apart). */
export function createMetricsRegistry(options: MetricsRegistryOptions = {}): Registry {
  const registry = new Registry();
  if (options.defaultLabels !== undefined) registry.setDefaultLabels(options.defaultLabels);
  if (options.processMetrics === true) collectDefaultMetrics({ register: registry, prefix: options.prefix ?? DEFAULT_METRICS_PREFIX });
  return registry;
}

/** Options every metric set takes. */
export interface MetricSetOptions {
  /** Where the metrics are registered. Default: a new registry ({@link createMetricsRegistry}). */
  registry?: Registry;
  /** Prefix of the metric names. Default: `ganeti_uds_`. */
  prefix?: string;
  /** Buckets of the duration histogram, in seconds. Default: {@link DEFAULT_LATENCY_BUCKETS}. */
  buckets?: readonly number[];
  /** Most distinct values per label (method, resource, error class). `0` = no limit. Default: 256. */
  maxLabelValues?: number;
}

/** The resolved common options. */
export interface ResolvedMetricSetOptions {
  readonly registry: Registry;
  readonly prefix: string;
  readonly buckets: number[];
  readonly maxLabelValues: number;
}

/**
 * Applies the defaults and checks the options.
 * @throws RangeError for unsorted or non-positive buckets, a bad prefix or limit.
 */
export function resolveMetricSetOptions(options: MetricSetOptions): ResolvedMetricSetOptions {
  const prefix = options.prefix ?? DEFAULT_METRICS_PREFIX;
  if (!/^([a-zA-Z_:][a-zA-Z0-9_:]*)?$/.test(prefix)) {
    throw new RangeError(`prefix must be a Prometheus metric name prefix ([a-zA-Z_:][a-zA-Z0-9_:]*), got ${JSON.stringify(prefix)}`);
  }
  const buckets = [...(options.buckets ?? DEFAULT_LATENCY_BUCKETS)];
  if (buckets.length === 0 || buckets.some((b, i) => !(b > 0) || !Number.isFinite(b) || (i > 0 && b <= (buckets[i - 1] as number)))) {
    throw new RangeError(`buckets must be increasing positive seconds, got ${JSON.stringify(buckets)}`);
  }
  const maxLabelValues = options.maxLabelValues ?? DEFAULT_MAX_LABEL_VALUES;
  if (!Number.isInteger(maxLabelValues) || maxLabelValues < 0) {
    throw new RangeError(`maxLabelValues must be a whole number >= 0, got ${String(maxLabelValues)}`);
  }
  return { registry: options.registry ?? createMetricsRegistry(), prefix, buckets, maxLabelValues };
}

/** Passes the first `max` distinct values of a label through and maps later new ones to `other`. */
export class BoundedLabel {
  readonly #max: number;
  readonly #seen = new Set<string>();

  constructor(max: number) {
    this.#max = max;
  }

  /** The value to record for `value`. */
  value(value: string): string {
    if (this.#max === 0 || this.#seen.has(value)) return value;
    if (this.#seen.size >= this.#max) return OTHER_LABEL_VALUE;
    this.#seen.add(value);
    return value;
  }
}

/** A byte count to add to a counter: a garbled one (negative, NaN) adds 0 instead of throwing. */
export function byteCount(value: number): number {
  return Number.isFinite(value) && value > 0 ? value : 0;
}
