/**
 * `--metrics HOST:PORT` of `rapi` and `proxy`: starts the Prometheus endpoint. prom-client
 * is imported here, on demand, so commands run without it unless metrics are asked for.
 */
import type { Registry } from 'prom-client';
import { UsageError } from './options.js';

/** The help line both commands print. */
export const METRICS_HELP = `  --metrics HOST:PORT     serve Prometheus metrics at http://HOST:PORT/metrics (a bare PORT
                          listens on 127.0.0.1; no authentication: bind it to a trusted
                          interface). Default: off`;

/** A started endpoint and the hooks that feed it. */
export interface MetricsFlag<Hooks> {
  hooks: Hooks;
  url: string;
  close(): Promise<void>;
}

/** Parses `--metrics`, builds the metric set with `make`, and starts the endpoint. */
export async function startMetricsFlag<Hooks extends { registry: Registry }>(
  text: string,
  make: (m: typeof import('../metrics/index.js'), registry: Registry) => Hooks,
): Promise<MetricsFlag<Hooks>> {
  const m = await import('../metrics/index.js');
  let listen: ReturnType<typeof m.parseListenAddress>;
  try {
    listen = m.parseListenAddress(text);
  } catch (err) {
    throw new UsageError(`--metrics: ${(err as Error).message}`);
  }
  const hooks = make(m, m.createMetricsRegistry({ processMetrics: true }));
  const server = await m.startMetricsServer({ listen, registry: hooks.registry });
  return { hooks, url: server.url, close: () => server.close() };
}
