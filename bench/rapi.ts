/**
 * The `rapi` section: requests/s and p50/p99 latency of `GET /2/instances?bulk=1` and
 * `GET /2/info`, 1 and 10 clients at once, from ours (`ganeti-uds rapi`, the CLI in its own
 * process) and from the real `ganeti-rapi` (run as gnt-rapi, see test/interop/rapi-harness.ts),
 * both over plain HTTP (`--no-ssl`) and HTTPS, on the same `serve --demo` luxid.
 *
 * The load is closed-loop: each client sends its next request when the last answer has been
 * read, through Node's http(s) agent with keepAlive (ours keeps connections; the real daemon
 * answers `Connection: close` and forks a process per connection, so each of its requests
 * pays a connect and, over HTTPS, a TLS handshake). Servers alternate round by round; a
 * cell's requests/s is the median over rounds, its p50/p99 come from all its rounds' samples.
 * Nothing is pinned: the real daemon's forked children may use both CPUs, as may ours.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LuxiClient } from '../src/protocols/luxi/client.js';
import {
  RAPI_USERS_TEXT,
  makeSelfSignedCert,
  rapiSkip,
  startOurRapiCli,
  startRealRapi,
  type RapiTarget,
} from '../test/interop/rapi-harness.js';
import { BENCH_BUILD_DIR, median } from './lib/proc.js';

/** The two resources measured, as the issue names them. */
export const RAPI_BENCH_PATHS = ['/2/instances?bulk=1', '/2/info'] as const;
export const RAPI_BENCH_CONCURRENCY = [1, 10] as const;

export type RapiServerKind = 'ours' | 'real';
export type RapiTransport = 'http' | 'https';

/** One measured cell: a server, a transport, a resource, a number of clients. */
export interface RapiCell {
  server: RapiServerKind;
  transport: RapiTransport;
  path: string;
  concurrency: number;
  /** Median requests/s over rounds. */
  rps: number;
  roundsRps: number[];
  p50Ms: number;
  p99Ms: number;
  /** Answers timed (all rounds). */
  requests: number;
  /** Answers that were not 200, and transport errors. */
  errors: number;
  /** CPU time of the server process (with its reaped children: the real daemon's forks) per answer, ms. */
  serverCpuMsPerRequest: number;
}

/** What the section measured. */
export interface RapiBenchResult {
  cells: RapiCell[];
  /** Seconds each round of a cell lasted. */
  roundSeconds: number;
  rounds: number;
  /** Why the real daemon's half is missing, when it is. */
  realNote?: string;
}

export interface RapiBenchOptions {
  quick: boolean;
  progress: (text: string) => void;
}

/** One cell's ratio of ours to the real daemon (undefined when either side is missing). */
export interface RapiComparison {
  transport: RapiTransport;
  path: string;
  concurrency: number;
  /** ours rps / real rps (goal >= 10). */
  rpsRatio: number | undefined;
  /** ours p50 / real p50 (goal <= 0.1). */
  p50Ratio: number | undefined;
}

/** Pairs ours with the real daemon cell by cell. */
export function compareRapi(r: RapiBenchResult): RapiComparison[] {
  const out: RapiComparison[] = [];
  for (const transport of ['http', 'https'] as const)
    for (const path of RAPI_BENCH_PATHS)
      for (const concurrency of RAPI_BENCH_CONCURRENCY) {
        const find = (server: RapiServerKind): RapiCell | undefined =>
          r.cells.find((c) => c.server === server && c.transport === transport && c.path === path && c.concurrency === concurrency);
        const ours = find('ours');
        const real = find('real');
        const ok = ours !== undefined && real !== undefined && real.rps > 0 && ours.requests > 0 && real.requests > 0;
        out.push({
          transport,
          path,
          concurrency,
          rpsRatio: ok ? ours.rps / real.rps : undefined,
          p50Ratio: ok ? ours.p50Ms / real.p50Ms : undefined,
        });
      }
  return out;
}

/** CPU time of a process and its reaped children, ms (/proc/PID/stat utime+stime+cutime+cstime); NaN when unknown. */
function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i] ?? NaN), 0);
    return ticks * 10; // USER_HZ is 100 on Linux
  } catch {
    return NaN;
  }
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

/** A load generator against one target: closed-loop clients through one keepAlive agent. */
class Load {
  readonly #target: RapiTarget;
  readonly #agent: HttpAgent | HttpsAgent;

  constructor(target: RapiTarget, concurrency: number) {
    this.#target = target;
    const options = { keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency };
    this.#agent = target.ssl
      ? new HttpsAgent({ ...options, ...(target.ca !== undefined ? { ca: target.ca } : {}), checkServerIdentity: () => undefined })
      : new HttpAgent(options);
  }

  /** One GET; resolves with its latency in ms, or -1 for a failure. */
  once(path: string): Promise<number> {
    const started = performance.now();
    return new Promise((resolve) => {
      const options = {
        host: this.#target.host,
        port: this.#target.port,
        path,
        method: 'GET',
        agent: this.#agent,
        headers: { Accept: 'application/json' },
      };
      const onResponse = (res: IncomingMessage): void => {
        res.on('data', () => {});
        res.on('end', () => resolve(res.statusCode === 200 ? performance.now() - started : -1));
        res.on('error', () => resolve(-1));
      };
      const req = this.#target.ssl ? httpsRequest(options, onResponse) : httpRequest(options, onResponse);
      req.on('error', () => resolve(-1));
      req.end();
    });
  }

  /** `clients` loops for `ms`; resolves with every latency (failures as -1) and the elapsed time. */
  async run(path: string, clients: number, ms: number): Promise<{ latencies: number[]; elapsedMs: number }> {
    const latencies: number[] = [];
    const started = performance.now();
    const deadline = started + ms;
    const loop = async (): Promise<void> => {
      while (performance.now() < deadline) latencies.push(await this.once(path));
    };
    await Promise.all(Array.from({ length: clients }, loop));
    return { latencies, elapsedMs: performance.now() - started };
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** `serve --demo` through the built CLI, its socket reachable by gnt-rapi (0666 in a 0755 directory). */
async function startDemo(cli: string, dir: string): Promise<{ socket: string; stop(): Promise<void> }> {
  const socket = join(dir, 'ganeti-query');
  const child: ChildProcess = spawn(
    process.execPath,
    [cli, 'serve', '--demo', '--socket', socket, '--mode', '0666', '--log-level', 'warn', '--job-step', '20ms'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve --demo did not listen within 15 s:\n${out}`)), 15_000);
    child.stdout?.on('data', () => {
      if (!out.includes('listening on')) return;
      clearTimeout(timer);
      resolve();
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve --demo exited ${code}:\n${out}`));
    });
  }).catch(async (e: unknown) => {
    await stop();
    throw e;
  });
  chmodSync(socket, 0o666);
  return { socket, stop };
}

/** Measures every cell; the real daemon's cells are left out (with `realNote`) when it cannot run here. */
export async function measureRapi(options: RapiBenchOptions): Promise<RapiBenchResult> {
  const rounds = options.quick ? 2 : 3;
  const roundMs = options.quick ? 1200 : 2500;
  const warmupMs = options.quick ? 150 : 300;
  const cli = join(BENCH_BUILD_DIR, '..', 'src', 'cli.js');
  const work = mkdtempSync(join(tmpdir(), 'rapibench-'));
  chmodSync(work, 0o755);
  const stops: Array<() => Promise<void>> = [];
  const targets: Array<{ server: RapiServerKind; transport: RapiTransport; target: RapiTarget; pid?: number }> = [];
  let realNote: string | undefined;
  try {
    const demo = await startDemo(cli, work);
    stops.push(demo.stop);
    const luxi = await LuxiClient.connect(demo.socket);
    const [hostname, clusterName] = (await luxi.queryConfigValues(['master_node', 'cluster_name'])) as [string, string];
    await luxi.close();
    const usersFile = join(work, 'users');
    writeFileSync(usersFile, RAPI_USERS_TEXT);
    // HTTPS needs a certificate: openssl makes a self-signed one (without openssl, HTTP only).
    const cert = await makeSelfSignedCert(work, hostname).catch((e: unknown) => {
      realNote = `no HTTPS cells: ${(e as Error).message.split('\n')[0] ?? ''}`;
      return undefined;
    });
    const transports = cert !== undefined ? (['http', 'https'] as const) : (['http'] as const);
    for (const transport of transports) {
      const ours = await startOurRapiCli({
        cli,
        luxiSocket: demo.socket,
        usersFile,
        ...(transport === 'https' && cert !== undefined ? { pem: cert.pem, caCert: cert.cert } : {}),
      });
      stops.push(ours.stop);
      targets.push({ server: 'ours', transport, target: ours, ...(ours.pid !== undefined ? { pid: ours.pid } : {}) });
    }
    const skip = rapiSkip();
    if (skip) realNote = skip;
    else {
      for (const transport of transports) {
        try {
          const real = await startRealRapi({ luxiSocket: demo.socket, hostname, clusterName, ssl: transport === 'https' });
          stops.push(real.stop);
          targets.push({ server: 'real', transport, target: real, pid: real.pid });
        } catch (e) {
          realNote = `the real ganeti-rapi did not start: ${(e as Error).message.split('\n')[0] ?? ''}`;
        }
      }
    }

    const samples = new Map<string, { latencies: number[]; rps: number[]; errors: number; cpuMs: number }>();
    const keyOf = (server: string, transport: string, path: string, concurrency: number): string =>
      `${server}|${transport}|${path}|${concurrency}`;
    for (let round = 0; round < rounds; round++) {
      // Alternate which server goes first, round by round.
      const order = round % 2 === 0 ? targets : [...targets].reverse();
      for (const path of RAPI_BENCH_PATHS)
        for (const concurrency of RAPI_BENCH_CONCURRENCY)
          for (const { server, transport, target, pid } of order) {
            options.progress(`rapi: round ${round + 1}/${rounds}, ${server} ${transport} ${path} x${concurrency}`);
            const load = new Load(target, concurrency);
            try {
              await load.run(path, concurrency, warmupMs);
              const cpuBefore = processCpuMs(pid);
              const { latencies, elapsedMs } = await load.run(path, concurrency, roundMs);
              const cpuAfter = processCpuMs(pid);
              const key = keyOf(server, transport, path, concurrency);
              const s = samples.get(key) ?? { latencies: [], rps: [], errors: 0, cpuMs: 0 };
              s.cpuMs += cpuAfter - cpuBefore;
              const good = latencies.filter((l) => l >= 0);
              s.latencies.push(...good);
              s.errors += latencies.length - good.length;
              s.rps.push((good.length * 1000) / elapsedMs);
              samples.set(key, s);
            } finally {
              load.close();
            }
          }
    }
    const cells: RapiCell[] = [];
    for (const { server, transport } of targets)
      for (const path of RAPI_BENCH_PATHS)
        for (const concurrency of RAPI_BENCH_CONCURRENCY) {
          const s = samples.get(keyOf(server, transport, path, concurrency));
          if (s === undefined) continue;
          const sorted = [...s.latencies].sort((a, b) => a - b);
          cells.push({
            server,
            transport,
            path,
            concurrency,
            rps: median(s.rps),
            roundsRps: s.rps,
            p50Ms: percentile(sorted, 50),
            p99Ms: percentile(sorted, 99),
            requests: sorted.length,
            errors: s.errors,
            serverCpuMsPerRequest: sorted.length > 0 ? s.cpuMs / sorted.length : NaN,
          });
        }
    return { cells, roundSeconds: roundMs / 1000, rounds, ...(realNote !== undefined ? { realNote } : {}) };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    rmSync(work, { recursive: true, force: true });
  }
}

const fmt = (x: number | undefined, digits: number): string => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits));

/** The section's table for stdout: every cell, and ours against the real daemon with verdicts. */
export function formatRapi(r: RapiBenchResult): string {
  const rows: string[][] = [
    ['transport', 'resource', 'clients', 'server', 'req/s', 'p50 ms', 'p99 ms', 'answers', 'errors', 'server CPU ms/req'],
  ];
  for (const c of r.cells)
    rows.push([
      c.transport,
      c.path,
      String(c.concurrency),
      c.server,
      fmt(c.rps, 0),
      fmt(c.p50Ms, 2),
      fmt(c.p99Ms, 2),
      String(c.requests),
      String(c.errors),
      fmt(c.serverCpuMsPerRequest, 2),
    ]);
  const cmp: string[][] = [['transport', 'resource', 'clients', 'ours/real req/s', '>= 10', 'ours/real p50', '<= 0.1']];
  const verdict = (v: number | undefined, pass: (x: number) => boolean): string => (v === undefined ? 'SKIP' : pass(v) ? 'PASS' : 'FAIL');
  for (const c of compareRapi(r))
    cmp.push([
      c.transport,
      c.path,
      String(c.concurrency),
      fmt(c.rpsRatio, 1),
      verdict(c.rpsRatio, (x) => x >= 10),
      fmt(c.p50Ratio, 3),
      verdict(c.p50Ratio, (x) => x <= 0.1),
    ]);
  const table = (cells: string[][]): string => {
    const widths = (cells[0] ?? []).map((_, i) => Math.max(...cells.map((c) => (c[i] ?? '').length)));
    return cells.map((c) => c.map((x, i) => (i <= 3 ? x.padEnd(widths[i] ?? 0) : x.padStart(widths[i] ?? 0))).join('  ')).join('\n');
  };
  const lines = [
    '',
    `RAPI (${r.rounds} rounds of ${r.roundSeconds} s per cell, closed-loop clients, keepAlive agent; the real daemon closes every connection)`,
    table(rows),
    '',
    'RAPI: ours vs the real ganeti-rapi',
    table(cmp),
  ];
  if (r.realNote !== undefined) lines.push(`note: real ganeti-rapi not measured: ${r.realNote}`);
  return `${lines.join('\n')}\n`;
}
