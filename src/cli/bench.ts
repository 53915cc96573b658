/**
 * `ganeti-uds bench`: a load generator for any daemon speaking this protocol (or, without
 * --socket, for an in-process echo server): round trips per second and latency
 * percentiles for N connections, each keeping D requests in flight.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeJson } from '../codec.js';
import { connectClient, type Client } from '../dispatch/client.js';
import { echoHandler } from '../dispatch/handler.js';
import { createServer } from '../dispatch/server.js';
import { ExitCode, UsageError, parseCount, parseDuration } from './options.js';

export const BENCH_HELP = `Usage: ganeti-uds bench [options]

Sends requests as fast as answers come back and reports round trips per second and
latency percentiles. Without --socket it benchmarks an in-process echo server.

Options:
  --socket PATH        the daemon to load (default: a private in-process echo server)
  --method NAME        method to call (default echo)
  --args JSON          its args (default ["<100 bytes>"])
  --connections N      parallel connections (default 1)
  --pipeline D         requests in flight per connection (default 1)
  --duration DUR       how long to run (default 5s)
  --json               print the figures as one JSON object

The full comparison against raw sockets, C and other libraries is 'npm run bench' in
a clone of the repository.
`;

interface Figures {
  requests: number;
  seconds: number;
  perSecond: number;
  p50Us: number;
  p99Us: number;
  errors: number;
}

async function load(clients: Client[], method: string, args: unknown, pipeline: number, durationMs: number): Promise<Figures> {
  const latencies: number[] = [];
  let errors = 0;
  const start = performance.now();
  const deadline = start + durationMs;
  const lane = async (client: Client): Promise<void> => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        await client.call(method, args);
      } catch {
        errors++;
        if (client.closed) return;
      }
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(clients.flatMap((c) => Array.from({ length: pipeline }, () => lane(c))));
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number => Math.round((latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0) * 1000);
  return {
    requests: latencies.length,
    seconds,
    perSecond: Math.round(latencies.length / seconds),
    p50Us: pct(0.5),
    p99Us: pct(0.99),
    errors,
  };
}

/** Runs `bench`; resolves with the exit code. */
export async function runBench(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      socket: { type: 'string' },
      method: { type: 'string' },
      args: { type: 'string' },
      connections: { type: 'string' },
      pipeline: { type: 'string' },
      duration: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(BENCH_HELP);
    return ExitCode.ok;
  }
  const connections = Math.max(1, parseCount('--connections', values.connections ?? '1'));
  const pipeline = Math.max(1, parseCount('--pipeline', values.pipeline ?? '1'));
  const durationMs = parseDuration('--duration', values.duration ?? '5s');
  let args: unknown = ['x'.repeat(100)];
  if (values.args !== undefined) {
    try {
      args = decodeJson(values.args);
    } catch (err) {
      throw new UsageError(`--args is not valid JSON: ${(err as Error).message}`);
    }
  }
  let socket = values.socket;
  let dir: string | undefined;
  const server = socket === undefined ? createServer(echoHandler) : undefined;
  if (server) {
    dir = mkdtempSync(join(tmpdir(), 'uds-bench-'));
    socket = join(dir, 'echo.sock');
    await server.listen(socket);
  }
  const clients: Client[] = [];
  try {
    for (let i = 0; i < connections; i++) clients.push(await connectClient(socket as string));
    const figures = await load(clients, values.method ?? 'echo', args, pipeline, durationMs);
    if (values.json) {
      process.stdout.write(JSON.stringify({ socket: values.socket ?? 'in-process echo', connections, pipeline, ...figures }) + '\n');
    } else {
      process.stdout.write(
        `${figures.perSecond} round trips/s over ${connections} connection(s) x ${pipeline} in flight ` +
          `(${figures.requests} in ${figures.seconds.toFixed(1)} s); latency p50 ${figures.p50Us} us, p99 ${figures.p99Us} us` +
          (figures.errors ? `; ${figures.errors} errors` : '') +
          '\n',
      );
    }
    return figures.errors > 0 ? ExitCode.failure : ExitCode.ok;
  } finally {
    for (const c of clients) c.destroy();
    await server?.close(0);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}
