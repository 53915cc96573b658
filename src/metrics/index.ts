/**
 * `ganeti-uds/metrics`: Prometheus metrics of the RAPI server and the proxy, through
 * prom-client, and the `/metrics` endpoint. A separate entry, so that only its users load
 * prom-client.
 *
 * @module ganeti-uds/metrics
 */
export {
  BoundedLabel,
  DEFAULT_LATENCY_BUCKETS,
  DEFAULT_MAX_LABEL_VALUES,
  DEFAULT_METRICS_PREFIX,
  OTHER_LABEL_VALUE,
  createMetricsRegistry,
} from './registry.js';
export type { MetricSetOptions, MetricsRegistryOptions } from './registry.js';
export { createRapiMetrics } from './rapi-metrics.js';
export type { RapiMetrics, RapiMetricsOptions, RapiRequestEvent } from './rapi-metrics.js';
export { createProxyMetrics } from './proxy-metrics.js';
export type { ProxyMetrics, ProxyMetricsOptions } from './proxy-metrics.js';
export { DEFAULT_METRICS_HOST, parseListenAddress, startMetricsServer } from './server.js';
export type { ListenAddress, MetricsServer, MetricsServerOptions } from './server.js';
