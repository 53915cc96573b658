/**
 * Prometheus metrics of a RAPI server, fed one event per answered request (the server's
 * `onRequest` hook): request counts by method, resource and status, a latency histogram,
 * error counts, and bytes in and out. Knows nothing of the server itself.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import { BoundedLabel, byteCount, resolveMetricSetOptions, type MetricSetOptions } from './registry.js';

/** One answered RAPI request, as the server reports it. */
export interface RapiRequestEvent {
  /** The HTTP method, e.g. `GET`. */
  method: string;
  /**
   * The resource: the route's pattern (`/2/instances/[instance_name]`), not the path,
   * so that a label value is a resource and not an instance; a marker for a path no
   * route matches (the server's `(unmatched)`).
   */
  resource: string;
  /** The HTTP status answered, e.g. 200, 404. */
  status: number;
  /** From the request's arrival to the answer's last byte, in ms. */
  durationMs: number;
  /** Bytes of the request body. */
  bytesIn: number;
  /** Bytes of the answer body. */
  bytesOut: number;
}

/** Options of {@link createRapiMetrics}. */
export type RapiMetricsOptions = MetricSetOptions;

/** The RAPI metric set; pass `onRequest` to the server. */
export interface RapiMetrics {
  readonly registry: Registry;
  /** Records one request. A bound function: hand it over as it is. */
  readonly onRequest: (event: RapiRequestEvent) => void;
}

// The HTTP methods RAPI knows; others (a scanner's PROPFIND) count as `other`.
const KNOWN_METHODS: ReadonlySet<string> = new Set(['GET', 'PUT', 'POST', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH']);

/**
 * Registers these metrics (names with the prefix, default `ganeti_uds_`):
 * - `rapi_requests_total{method,resource,code}`: requests answered, by HTTP status;
 * - `rapi_request_errors_total{method,resource,code}`: those answered with a status >= 400;
 * - `rapi_request_duration_seconds{method,resource}`: a latency histogram;
 * - `rapi_request_bytes_total{method,resource}`, `rapi_response_bytes_total{method,resource}`: body bytes.
 * @throws RangeError for bad options; prom-client's Error when the registry already has these names.
 */
export function createRapiMetrics(options: RapiMetricsOptions = {}): RapiMetrics {
  const o = resolveMetricSetOptions(options);
  const registers = [o.registry];
  const labelNames = ['method', 'resource'] as const;
  const requests = new Counter({
    name: `${o.prefix}rapi_requests_total`,
    help: 'RAPI requests answered, by method, resource and HTTP status code.',
    labelNames: [...labelNames, 'code'],
    registers,
  });
  const errors = new Counter({
    name: `${o.prefix}rapi_request_errors_total`,
    help: 'RAPI requests answered with an HTTP error status (400 and above).',
    labelNames: [...labelNames, 'code'],
    registers,
  });
  const duration = new Histogram({
    name: `${o.prefix}rapi_request_duration_seconds`,
    help: 'Time from a RAPI request to the last byte of its answer, in seconds.',
    labelNames,
    buckets: o.buckets,
    registers,
  });
  const bytesIn = new Counter({
    name: `${o.prefix}rapi_request_bytes_total`,
    help: 'Bytes of RAPI request bodies.',
    labelNames,
    registers,
  });
  const bytesOut = new Counter({
    name: `${o.prefix}rapi_response_bytes_total`,
    help: 'Bytes of RAPI answer bodies.',
    labelNames,
    registers,
  });
  const resources = new BoundedLabel(o.maxLabelValues);

  const onRequest = (event: RapiRequestEvent): void => {
    const method = KNOWN_METHODS.has(event.method) ? event.method : 'other';
    const labels = { method, resource: resources.value(String(event.resource)) };
    const code = String(event.status);
    requests.inc({ ...labels, code });
    if (!(event.status < 400)) errors.inc({ ...labels, code });
    if (Number.isFinite(event.durationMs) && event.durationMs >= 0) duration.observe(labels, event.durationMs / 1000);
    bytesIn.inc(labels, byteCount(event.bytesIn));
    bytesOut.inc(labels, byteCount(event.bytesOut));
  };
  return { registry: o.registry, onRequest };
}
