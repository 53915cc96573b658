/**
 * Prometheus metrics of the recording proxy, fed by its `onExchange` and `onConnection`
 * callbacks: exchanges by Luxi method, outcome and result, failures by error class, a
 * latency histogram, bytes each way, and connections opened, closed and open.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ProxyExchange } from '../proxy/exchange.js';
import type { ProxyConnectionEvent } from '../proxy/proxy.js';
import { BoundedLabel, resolveMetricSetOptions, type MetricSetOptions } from './registry.js';

/** Options of {@link createProxyMetrics}. */
export type ProxyMetricsOptions = MetricSetOptions;

/** The proxy metric set; pass both callbacks to `createProxy`. */
export interface ProxyMetrics {
  readonly registry: Registry;
  /** Records one exchange. A bound function. */
  readonly onExchange: (exchange: ProxyExchange) => void;
  /** Records a connection event. A bound function. */
  readonly onConnection: (event: ProxyConnectionEvent) => void;
}

/** The `result` label of an exchange: the response's `success`, or `none` without a usable response. */
function resultOf(success: boolean | null): 'success' | 'failure' | 'none' {
  return success === true ? 'success' : success === false ? 'failure' : 'none';
}

/**
 * Registers these metrics (names with the prefix, default `ganeti_uds_`):
 * - `proxy_exchanges_total{method,outcome,result}`: exchanges by Luxi method (`unknown`
 *   when the request had none), outcome (`answered`, `unanswered`, `unsolicited`) and result
 *   (`success`, `failure`, `none`);
 * - `proxy_exchange_errors_total{method,error_class}`: failed answers by Ganeti error class;
 * - `proxy_exchange_duration_seconds{method}`: request to answer, answered exchanges only;
 * - `proxy_request_bytes_total{method}`, `proxy_response_bytes_total{method}`: frame bytes
 *   with their 0x03 terminator;
 * - `proxy_connections_opened_total`, `proxy_connections_closed_total{closed_by}`,
 *   `proxy_connections_open`, `proxy_connection_errors_total{side}`.
 * @throws RangeError for bad options; prom-client's Error when the registry already has these names.
 */
export function createProxyMetrics(options: ProxyMetricsOptions = {}): ProxyMetrics {
  const o = resolveMetricSetOptions(options);
  const registers = [o.registry];
  const exchanges = new Counter({
    name: `${o.prefix}proxy_exchanges_total`,
    help: 'Proxied request/response exchanges, by Luxi method, outcome and result.',
    labelNames: ['method', 'outcome', 'result'] as const,
    registers,
  });
  const failures = new Counter({
    name: `${o.prefix}proxy_exchange_errors_total`,
    help: 'Proxied exchanges answered with a failure, by Luxi method and Ganeti error class.',
    labelNames: ['method', 'error_class'] as const,
    registers,
  });
  const duration = new Histogram({
    name: `${o.prefix}proxy_exchange_duration_seconds`,
    help: "Time from a request's last byte to its answer's last byte, in seconds (answered exchanges).",
    labelNames: ['method'] as const,
    buckets: o.buckets,
    registers,
  });
  const requestBytes = new Counter({
    name: `${o.prefix}proxy_request_bytes_total`,
    help: 'Bytes of proxied request frames, terminator included.',
    labelNames: ['method'] as const,
    registers,
  });
  const responseBytes = new Counter({
    name: `${o.prefix}proxy_response_bytes_total`,
    help: 'Bytes of proxied response frames, terminator included.',
    labelNames: ['method'] as const,
    registers,
  });
  const opened = new Counter({
    name: `${o.prefix}proxy_connections_opened_total`,
    help: 'Client connections the proxy accepted.',
    registers,
  });
  const closed = new Counter({
    name: `${o.prefix}proxy_connections_closed_total`,
    help: 'Proxied connections closed, by the side that ended first (client, upstream, proxy).',
    labelNames: ['closed_by'] as const,
    registers,
  });
  const open = new Gauge({
    name: `${o.prefix}proxy_connections_open`,
    help: 'Proxied connections open now.',
    registers,
  });
  const connectionErrors = new Counter({
    name: `${o.prefix}proxy_connection_errors_total`,
    help: 'Socket errors and oversized frames on proxied connections, by side.',
    labelNames: ['side'] as const,
    registers,
  });
  const methods = new BoundedLabel(o.maxLabelValues);
  const errorClasses = new BoundedLabel(o.maxLabelValues);

  const onExchange = (exchange: ProxyExchange): void => {
    const method = methods.value(exchange.method ?? 'unknown');
    exchanges.inc({ method, outcome: exchange.outcome, result: resultOf(exchange.success) });
    if (exchange.success === false) failures.inc({ method, error_class: errorClasses.value(exchange.errorClass ?? 'unknown') });
    if (exchange.outcome === 'answered' && Number.isFinite(exchange.durationMs) && exchange.durationMs >= 0) {
      duration.observe({ method }, exchange.durationMs / 1000);
    }
    if (exchange.request !== null) requestBytes.inc({ method }, exchange.request.length + 1);
    if (exchange.response !== null) responseBytes.inc({ method }, exchange.response.length + 1);
  };
  const onConnection = (event: ProxyConnectionEvent): void => {
    if (event.kind === 'open') {
      opened.inc();
      open.inc();
    } else if (event.kind === 'close') {
      closed.inc({ closed_by: event.closedBy });
      open.dec();
    } else {
      connectionErrors.inc({ side: event.side });
    }
  };
  return { registry: o.registry, onExchange, onConnection };
}
