/**
 * The scrape endpoint: an HTTP server answering `GET /metrics` with a registry's text
 * exposition, 404 elsewhere. Owns the `HOST:PORT` parsing of `--metrics`; the metrics are
 * the registry's business.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** A listen address. */
export interface ListenAddress {
  host: string;
  port: number;
}

/** Where the endpoint listens when the address names no host: loopback, as `rapi --listen`. */
export const DEFAULT_METRICS_HOST = '127.0.0.1';

/**
 * Parses `HOST:PORT`, `[IPV6]:PORT`, or `:PORT` / `PORT` (on 127.0.0.1, as `rapi --listen`
 * reads them). Every interface is `0.0.0.0:PORT` or `[::]:PORT`. Port 0 picks a free port.
 * @throws RangeError naming the value and the accepted forms.
 */
export function parseListenAddress(text: string): ListenAddress {
  const bad = () =>
    new RangeError(`listen address must be HOST:PORT, [IPV6]:PORT, :PORT or PORT (port 0-65535), got ${JSON.stringify(text)}`);
  let host: string;
  let portText: string;
  const v6 = /^\[([^\]]+)\]:(.*)$/.exec(text);
  if (v6) {
    host = v6[1] ?? '';
    portText = v6[2] ?? '';
  } else if (/^\d+$/.test(text)) {
    host = DEFAULT_METRICS_HOST;
    portText = text;
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0 || text.slice(0, colon).includes(':')) throw bad();
    host = colon === 0 ? DEFAULT_METRICS_HOST : text.slice(0, colon);
    portText = text.slice(colon + 1);
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) throw bad();
  return { host, port: Number(portText) };
}

/** Options of {@link startMetricsServer}. */
export interface MetricsServerOptions {
  /** Where to listen: `HOST:PORT` (see {@link parseListenAddress}) or a parsed address. Required. */
  listen: string | ListenAddress;
  /** The registry scraped. Required. */
  registry: Registry;
  /** The path answered. Default: `/metrics`. */
  path?: string;
}

/** A listening scrape endpoint. */
export interface MetricsServer {
  /** The address bound (the real port when 0 was asked for). */
  readonly address: AddressInfo;
  /** The scrape URL, e.g. `http://127.0.0.1:9100/metrics`. */
  readonly url: string;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/**
 * Starts the endpoint: `GET` (and `HEAD`) on `path` answer 200 with the exposition in the
 * registry's content type; another method there is 405; any other path is 404. No
 * authentication: bind it to a trusted interface.
 * @throws RangeError for a bad address; the listen error (EADDRINUSE, EACCES) as Node gives it.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { registry } = options;
  const where = typeof options.listen === 'string' ? parseListenAddress(options.listen) : options.listen;
  const path = options.path ?? '/metrics';
  if (!path.startsWith('/')) throw new RangeError(`path must start with "/", got ${JSON.stringify(path)}`);

  const server = http.createServer((req, res) => {
    const pathname = (req.url ?? '/').split('?')[0];
    if (pathname !== path) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`Not found: metrics are at ${path}\n`);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'content-type': 'text/plain; charset=utf-8', allow: 'GET, HEAD' });
      res.end('Method not allowed\n');
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': registry.contentType, 'content-length': Buffer.byteLength(text) });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`Collecting metrics failed: ${err instanceof Error ? err.message : String(err)}\n`);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(where.port, where.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    address,
    url: `http://${shownHost}:${address.port}${path}`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
