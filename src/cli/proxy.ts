/**
 * `ganeti-uds proxy`: sits between clients and a real daemon and prints every exchange,
 * one line each (aligned text on a terminal, or JSON lines with --json). Connection
 * events go to stderr so stdout holds only exchanges. SIGINT/SIGTERM remove the socket.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { encodeJson } from '../codec.js';
import { DEFAULT_BACKLOG } from '../defaults.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../framing.js';
import type { ProxyExchange } from '../proxy/exchange.js';
import { createProxy, type ProxyConnectionEvent, type ProxyOptions } from '../proxy/proxy.js';
import { METRICS_HELP, startMetricsFlag } from './metrics-flag.js';
import { ExitCode, UsageError, parseCount, parseMode, parseSize } from './options.js';

export const PROXY_HELP = `Usage: ganeti-uds proxy --listen PATH --upstream PATH [options]

Listens on --listen, opens one connection to --upstream (a running daemon such as
luxid's ganeti-query socket) for each client, forwards every byte unchanged both ways,
and prints each request/response pair: time, connection, method, duration, sizes and
OK or FAIL with the error class. Runs until SIGINT or SIGTERM, then removes the socket.

Point a client at the proxy, e.g.:
  ganeti-uds proxy --listen /tmp/q.sock --upstream /var/run/ganeti/socket/ganeti-query
  ganeti-uds call --socket /tmp/q.sock QueryClusterInfo

Options:
  --listen PATH           socket the proxy listens on (its directory is created)
  --upstream PATH         socket of the real daemon
  --json                  one JSON object per exchange and line (time, conn, seq, outcome,
                          method, args, durationMs, requestBytes, responseBytes, success,
                          errorClass, errorMessage)
  --redact-secrets        print osparams_secret, osparams_private and
                          osparams_private_cluster as "<redacted>" (the default)
  --no-redact             print args as sent, secrets included
  --mode MODE             listen socket file mode (default 0660)
${METRICS_HELP}
  --backlog N             listen backlog (default ${DEFAULT_BACKLOG}; the kernel caps it at
                          net.core.somaxconn)
  --max-message-bytes N   largest frame reported (default ${DEFAULT_MAX_MESSAGE_BYTES / 1024 / 1024}M); larger ones are
                          forwarded, but that connection is no longer reported

Connection events (open, close, upstream errors) are printed on stderr.
Sizes: 1048576, 64k, 16M.
`;

/** A byte count for people: 512 B, 4.1 KiB, 2.0 MiB. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function clock(date: Date): string {
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** Adds ANSI colour when `on`. */
function paint(on: boolean, code: number, text: string): string {
  return on ? `\x1b[${code}m${text}\x1b[0m` : text;
}

/**
 * One aligned text line for an exchange:
 * `12:00:01.234  #3.1  Query   1.24 ms   210 B -> 4.1 KiB  OK`.
 */
export function formatExchangeText(e: ProxyExchange, color = false): string {
  const method = e.method ?? (e.request === null ? '(no request)' : '(not JSON)');
  const sizes = `${formatBytes(e.request?.length ?? 0).padStart(9)} -> ${formatBytes(e.response?.length ?? 0).padEnd(9)}`;
  let status: string;
  if (e.outcome === 'unanswered') status = paint(color, 33, `NO ANSWER (${e.errorMessage ?? 'closed'})`);
  else if (e.success === true) status = paint(color, 32, 'OK');
  else if (e.success === false) status = paint(color, 31, `FAIL ${e.errorClass ?? ''}: ${e.errorMessage ?? ''}`);
  else status = paint(color, 33, 'MALFORMED ANSWER');
  if (e.outcome === 'unsolicited') status += ' (unsolicited)';
  const conn = `#${e.connectionId}.${e.seq}`.padEnd(7);
  return `${clock(e.startedAt)}  ${conn} ${method.padEnd(24)} ${`${e.durationMs.toFixed(2)} ms`.padStart(10)}  ${sizes}  ${status}`;
}

/** One JSON line for an exchange (bigints exact, ASCII only). */
export function formatExchangeJson(e: ProxyExchange): string {
  return encodeJson({
    time: e.startedAt.toISOString(),
    conn: e.connectionId,
    seq: e.seq,
    outcome: e.outcome,
    method: e.method,
    args: e.args === undefined ? null : e.args,
    durationMs: Math.round(e.durationMs * 1000) / 1000,
    requestBytes: e.request?.length ?? null,
    responseBytes: e.response?.length ?? null,
    success: e.success,
    errorClass: e.errorClass,
    errorMessage: e.errorMessage,
  });
}

/** A text line for a connection event, or undefined when it is not worth printing. */
export function formatConnectionEvent(e: ProxyConnectionEvent, verbose: boolean): string | undefined {
  switch (e.kind) {
    case 'open':
      return verbose ? `conn #${e.connectionId} opened` : undefined;
    case 'error':
      return `conn #${e.connectionId} ${e.side} error: ${e.error.name}: ${e.error.message}`;
    case 'close':
      if (!verbose && e.error === null) return undefined;
      return (
        `conn #${e.connectionId} closed by the ${e.closedBy} after ${e.exchanges} exchange${e.exchanges === 1 ? '' : 's'}` +
        (e.error ? ` (${e.error.name}: ${e.error.message})` : '')
      );
  }
}

/** Runs `proxy`; resolves with the exit code once stopped by a signal. */
export async function runProxy(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      listen: { type: 'string' },
      upstream: { type: 'string' },
      json: { type: 'boolean' },
      'redact-secrets': { type: 'boolean' },
      'no-redact': { type: 'boolean' },
      mode: { type: 'string' },
      backlog: { type: 'string' },
      metrics: { type: 'string' },
      'max-message-bytes': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(PROXY_HELP);
    return ExitCode.ok;
  }
  if (values.listen === undefined) throw new UsageError('proxy needs --listen PATH');
  if (values.upstream === undefined) throw new UsageError('proxy needs --upstream PATH');
  if (values['redact-secrets'] && values['no-redact']) throw new UsageError('--redact-secrets and --no-redact exclude each other');
  const json = values.json === true;
  const color = !json && process.stdout.isTTY === true;
  const listen = resolve(values.listen);
  const options: ProxyOptions = {
    listen,
    upstream: resolve(values.upstream),
    redactSecrets: values['no-redact'] !== true,
    onExchange: (e) => process.stdout.write((json ? formatExchangeJson(e) : formatExchangeText(e, color)) + '\n'),
    onConnection: (e) => {
      const line = formatConnectionEvent(e, !json);
      if (line !== undefined) process.stderr.write(line + '\n');
    },
  };
  if (values.mode !== undefined) options.mode = parseMode('--mode', values.mode);
  if (values.backlog !== undefined) options.backlog = parseCount('--backlog', values.backlog);
  if (values['max-message-bytes'] !== undefined) options.maxMessageBytes = parseSize('--max-message-bytes', values['max-message-bytes']);
  mkdirSync(dirname(listen), { recursive: true, mode: 0o750 });

  const metrics =
    values.metrics === undefined ? undefined : await startMetricsFlag(values.metrics, (m, registry) => m.createProxyMetrics({ registry }));
  if (metrics !== undefined) {
    const { onExchange, onConnection } = options;
    options.onExchange = (e) => {
      metrics.hooks.onExchange(e);
      onExchange?.(e);
    };
    options.onConnection = (e) => {
      metrics.hooks.onConnection(e);
      onConnection?.(e);
    };
  }
  let proxy: Awaited<ReturnType<typeof createProxy>>;
  try {
    proxy = await createProxy(options);
  } catch (err) {
    await metrics?.close();
    throw err;
  }
  process.stderr.write(`ganeti-uds proxy listening on ${listen}, forwarding to ${proxy.upstream}\n`);
  if (metrics !== undefined) process.stderr.write(`metrics at ${metrics.url}\n`);

  return new Promise<number>((resolveExit) => {
    let stopping = false;
    const stop = (): void => {
      if (stopping) process.exit(ExitCode.failure);
      stopping = true;
      Promise.all([proxy.close(), metrics?.close()]).then(
        () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolveExit(ExitCode.ok);
        },
        (err: unknown) => {
          process.stderr.write(`ganeti-uds proxy: shutdown failed: ${String(err)}\n`);
          resolveExit(ExitCode.failure);
        },
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
