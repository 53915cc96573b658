/**
 * `ganeti-uds rapi`: Ganeti's Remote API v2 over HTTP(S) in front of a luxid socket (a real
 * master's, or `serve --demo`'s), until SIGINT/SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  DEFAULT_RAPI_HOST,
  DEFAULT_RAPI_MAX_BODY_BYTES,
  DEFAULT_RAPI_PORT,
  startRapiServer,
  type RapiServerOptions,
} from '../rapi/server.js';
import { METRICS_HELP, startMetricsFlag } from './metrics-flag.js';
import { ExitCode, UsageError, parseDuration, parseLogLevel, parseSize, stderrLogger } from './options.js';

export const RAPI_HELP = `Usage: ganeti-uds rapi --luxi SOCKET (--cert PEM | --no-ssl) [options]

Serves Ganeti's Remote API version 2 (every resource of Ganeti 3.0's ganeti-rapi, with
its status codes and error bodies) and turns each request into the luxi calls and opcodes
ganeti-rapi makes, on the luxid socket given. Runs until SIGINT or SIGTERM.

  --luxi SOCKET           luxid's socket: a master's /var/run/ganeti/socket/ganeti-query,
                          or the one of 'ganeti-uds serve --demo' (required)
  --listen HOST:PORT      address to listen on (default ${DEFAULT_RAPI_HOST}:${DEFAULT_RAPI_PORT}; ganeti-rapi's
                          port; a bare PORT listens on ${DEFAULT_RAPI_HOST}; port 0 picks a free one)
  --cert PEM              HTTPS with this file: the key and the certificate in one PEM,
                          as Ganeti's /var/lib/ganeti/rapi.pem
  --no-ssl                plain HTTP (ganeti-rapi's --no-ssl)
                          One of --cert and --no-ssl is required: ganeti-rapi defaults to
                          HTTPS with the cluster's certificate, which we do not have.
  --users FILE            Ganeti's RAPI users file (/var/lib/ganeti/rapi/users): lines
                          'NAME PASSWORD [read|write]', PASSWORD plain or {HA1}md5-hex of
                          NAME:Ganeti Remote API:PASSWORD; re-read when it changes.
                          Default: no users, so every write is refused with 401
  --require-authentication
                          reads need a user too (default: anonymous reads, as ganeti-rapi)
  --luxi-timeout DUR      time each luxi call may take (default 60s)
  --max-body-bytes N      largest request body; larger is 413 (default ${DEFAULT_RAPI_MAX_BODY_BYTES / 1024 / 1024}M)
${METRICS_HELP}
  --log-level LEVEL       debug (one line per request), info (default), warn or error
  --log-json              JSON lines instead of text

Example against the demo:
  ganeti-uds serve --demo &
  ganeti-uds rapi --luxi run/ganeti-query --no-ssl --users users
  curl http://127.0.0.1:5080/2/instances?bulk=1
Durations: 30, 30s, 500ms, 2m. Sizes: 1048576, 64k, 16M.
`;

/** Parses `HOST:PORT`, `[v6]:PORT` or a bare `PORT`. */
export function parseListen(flag: string, text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text.trim()) ?? /^()()(\d+)$/.exec(text.trim());
  const port = Number(m?.[3]);
  if (!m || !Number.isInteger(port) || port > 65535) {
    throw new UsageError(`${flag} takes HOST:PORT (such as 127.0.0.1:5080) or a port, got '${text}'`);
  }
  const host = m[1] ?? m[2] ?? '';
  return { host: host === '' ? DEFAULT_RAPI_HOST : host, port };
}

/** Reads a PEM with the key and the certificate. @throws UsageError naming the file and what is missing. */
export function readRapiPem(flag: string, file: string): string {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${flag} ${file}: ${(err as Error).message}`);
  }
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem))
    throw new UsageError(`${flag} ${file} holds no private key (PEM 'BEGIN ... PRIVATE KEY')`);
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(`${flag} ${file} holds no certificate (PEM 'BEGIN CERTIFICATE')`);
  return pem;
}

/** Runs `rapi`; resolves with the exit code once stopped by a signal. */
export async function runRapi(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      luxi: { type: 'string' },
      listen: { type: 'string' },
      cert: { type: 'string' },
      'no-ssl': { type: 'boolean' },
      users: { type: 'string' },
      'require-authentication': { type: 'boolean' },
      'luxi-timeout': { type: 'string' },
      'max-body-bytes': { type: 'string' },
      metrics: { type: 'string' },
      'log-level': { type: 'string' },
      'log-json': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(RAPI_HELP);
    return ExitCode.ok;
  }
  if (values.luxi === undefined) throw new UsageError('rapi needs --luxi SOCKET (the luxid socket to serve)');
  if (values.cert !== undefined && values['no-ssl']) throw new UsageError('--cert and --no-ssl exclude each other');
  if (values.cert === undefined && !values['no-ssl']) {
    throw new UsageError('rapi needs --cert PEM (HTTPS, key and certificate in one file) or --no-ssl (plain HTTP)');
  }
  const logger = stderrLogger(parseLogLevel(values['log-level'] ?? 'info'), values['log-json'] ? 'json' : 'text');
  const { host, port } =
    values.listen !== undefined ? parseListen('--listen', values.listen) : { host: DEFAULT_RAPI_HOST, port: DEFAULT_RAPI_PORT };
  const options: RapiServerOptions = {
    luxiSocket: resolve(values.luxi),
    host,
    port,
    requireAuthForReads: values['require-authentication'] === true,
    logger,
  };
  if (values.cert !== undefined) options.tls = { pem: readRapiPem('--cert', values.cert) };
  if (values.users !== undefined) options.users = resolve(values.users);
  if (values['luxi-timeout'] !== undefined) options.luxiTimeoutMs = parseDuration('--luxi-timeout', values['luxi-timeout']);
  if (values['max-body-bytes'] !== undefined) options.maxBodyBytes = parseSize('--max-body-bytes', values['max-body-bytes']);

  const metrics =
    values.metrics === undefined ? undefined : await startMetricsFlag(values.metrics, (m, registry) => m.createRapiMetrics({ registry }));
  if (metrics !== undefined) options.onRequest = metrics.hooks.onRequest;
  let server: Awaited<ReturnType<typeof startRapiServer>>;
  try {
    server = await startRapiServer(options);
  } catch (err) {
    await metrics?.close();
    throw err;
  }
  if (metrics !== undefined) process.stdout.write(`metrics at ${metrics.url}\n`);
  const scheme = server.tls ? 'https' : 'http';
  process.stdout.write(
    `ganeti-uds RAPI listening on ${scheme}://${server.address.host}:${server.address.port}/ (luxi ${options.luxiSocket})\n`,
  );
  return new Promise<number>((resolveExit) => {
    let stopping = false;
    const stop = (): void => {
      if (stopping) process.exit(ExitCode.failure);
      stopping = true;
      Promise.all([server.close(), metrics?.close()]).then(
        () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolveExit(ExitCode.ok);
        },
        (err: unknown) => {
          process.stderr.write(`ganeti-uds rapi: shutdown failed: ${String(err)}\n`);
          resolveExit(ExitCode.failure);
        },
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
