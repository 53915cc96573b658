/**
 * The measurements: throughput groups (one client kind against several servers, or the
 * reverse, measured in alternating rounds so every ratio compares runs made moments
 * apart), large-message round trips with the server's peak RSS, idle-connection memory,
 * connect bursts and the lost-answers fuzz.
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BurstResult } from './client.js';
import { memoryOf, median, resetPeak, runJson, startServer, type ServerProc } from './lib/proc.js';

/** Where the programs are and how long to measure. */
export interface Env {
  node: string;
  clientJs: string;
  serverJs: string;
  /** scripts/fuzz.mjs (its lost-answers pass) and the library index.js it is run against. */
  fuzzJs: string;
  libJs: string;
  cServer: string | undefined;
  cClient: string | undefined;
  /** External sockets (e.g. the real wconfd), by server kind. */
  external: Record<string, string>;
  socketDir: string;
  durationMs: number;
  warmupMs: number;
  rounds: number;
  /** CPU to pin both sides of a pinned group to (undefined: no pinning). */
  pinCpu: number | undefined;
  progress(text: string): void;
}

/** One client kind against one server kind. */
export interface Variant {
  label: string;
  server: string;
  client: string;
}

/** Variants measured together; ratios are against `ref`. */
export interface Group {
  id: string;
  title: string;
  conns: number;
  depth: number;
  msgBytes: number;
  /** Both processes on one CPU: measures CPU cost per round trip, not cross-core wake-ups. */
  pinned: boolean;
  ref: string;
  variants: Variant[];
  /** Whose CPU time per request is measured: the server's (default) or the client's. */
  cpuOf?: 'server' | 'client';
}

/** The outcome for one variant of a group. */
export interface Row {
  group: string;
  title: string;
  label: string;
  server: string;
  client: string;
  ref: string;
  /** Round trips per second, one per round. */
  samples: number[];
  median: number;
  /** Median over rounds of (this variant / the reference in the same round). */
  ratio: number;
  ratioMin: number;
  ratioMax: number;
  /** Whose CPU time is counted in `cpuUs`. */
  cpuOf: 'server' | 'client';
  /** CPU time (user + system, all threads) per round trip, µs, median over rounds; NaN when unmeasurable. */
  cpuUs: number;
  /**
   * Median over rounds of (the reference's CPU per round trip / this variant's): like
   * `ratio`, higher is better, but it counts work done rather than wall time, so it holds
   * up better when other processes share the CPUs.
   */
  cpuRatio: number;
  error?: string;
}

/** CPU time used so far by all threads of a process, µs (NaN when /proc cannot say). */
export function processCpuUs(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    let ns = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    }
    return ns / 1000;
  } catch {
    return NaN;
  }
}

function socketFor(env: Env, server: string): string {
  return env.external[server] ?? join(env.socketDir, `${server}.sock`);
}

async function startKind(env: Env, kind: string, cpu: number | undefined): Promise<ServerProc | undefined> {
  if (env.external[kind] !== undefined) return undefined;
  const path = socketFor(env, kind);
  const cmd = kind === 'c' ? [env.cServer as string, path] : [env.node, ...nodeFlags(cpu), env.serverJs, kind, path];
  return startServer(cmd, { cpu });
}

/**
 * With both processes on one CPU, V8's parallel GC helper threads wait for a CPU the other
 * process holds, and a scavenge then costs a scheduler time slice (measured: 16k instead of
 * 30k round trips/s). Pinned Node processes therefore collect garbage on their main thread.
 */
function nodeFlags(cpu: number | undefined): string[] {
  return cpu === undefined ? [] : ['--single-threaded-gc'];
}

function clientCommand(env: Env, g: Group, v: Variant, cpu: number | undefined): string[] {
  const socket = socketFor(env, v.server);
  if (v.client === 'c') {
    return [
      env.cClient as string,
      socket,
      String(g.conns),
      String(g.depth),
      String(env.durationMs),
      String(env.warmupMs),
      String(g.msgBytes),
    ];
  }
  if (v.client === 'python') {
    return ['/usr/bin/python3', '-c', PYTHON_LUXI_LOOP, socket, String(env.durationMs / 1000), String(env.warmupMs / 1000)];
  }
  const spec = {
    mode: 'load',
    kind: v.client,
    socket,
    conns: g.conns,
    depth: g.depth,
    durationMs: env.durationMs,
    warmupMs: env.warmupMs,
    msgBytes: g.msgBytes,
  };
  return [env.node, ...nodeFlags(cpu), env.clientJs, JSON.stringify(spec)];
}

/** Ganeti's own Python luxi client calling `echo` in a loop (sequential, one connection). */
const PYTHON_LUXI_LOOP = `
import json, sys, time
sys.path.insert(0, "/usr/share/ganeti/3.0")
from ganeti import luxi
c = luxi.Client(address=sys.argv[1])
dur, warm = float(sys.argv[2]), float(sys.argv[3])
payload = "x" * 70
end = time.monotonic() + warm
while time.monotonic() < end:
    c.CallMethod("echo", [payload])
n = 0
t0 = time.monotonic()
while True:
    c.CallMethod("echo", [payload])
    n += 1
    if n % 16 == 0 and time.monotonic() >= t0 + dur:
        break
print(json.dumps({"ops": n, "seconds": time.monotonic() - t0}))
`;

/** Measures a group: servers started once, then `rounds` rounds over all variants in rotating order. */
export async function measureGroup(env: Env, g: Group): Promise<Row[]> {
  const cpu = g.pinned ? env.pinCpu : undefined;
  const servers = new Map<string, ServerProc | undefined>();
  const rates = new Map<string, number[]>(g.variants.map((v) => [v.label, []]));
  const cpuOf = g.cpuOf ?? 'server';
  // CPU µs per round trip, one per round (NaN where not measurable, e.g. an external server).
  const cpus = new Map<string, number[]>(g.variants.map((v) => [v.label, []]));
  const errors = new Map<string, string>();
  try {
    for (const v of g.variants) {
      if (!servers.has(v.server)) servers.set(v.server, await startKind(env, v.server, cpu));
    }
    for (let r = 0; r < env.rounds; r++) {
      const order = g.variants.map((_, i) => g.variants[(i + r) % g.variants.length] as Variant);
      for (const v of order) {
        if (errors.has(v.label)) continue;
        env.progress(`${g.title}: ${v.label} (round ${r + 1}/${env.rounds})`);
        try {
          const pid = servers.get(v.server)?.pid;
          const serverCpu0 = processCpuUs(pid);
          const out = (await runJson(clientCommand(env, g, v, cpu), { cpu, timeoutMs: env.durationMs + env.warmupMs + 20_000 })) as {
            ops: number;
            seconds: number;
            total?: number;
            cpuUs?: number;
          };
          const cpuUs = cpuOf === 'server' ? processCpuUs(pid) - serverCpu0 : (out.cpuUs ?? NaN);
          rates.get(v.label)?.push(out.ops / out.seconds);
          cpus.get(v.label)?.push(cpuUs / (out.total ?? NaN));
        } catch (err) {
          errors.set(v.label, (err as Error).message);
        }
      }
    }
  } finally {
    for (const s of servers.values()) await s?.stop();
  }
  const refRates = rates.get(g.ref) ?? [];
  const refCpus = cpus.get(g.ref) ?? [];
  return g.variants.map((v) => {
    const samples = rates.get(v.label) ?? [];
    const ratios = samples.map((x, i) => x / (refRates[i] ?? NaN)).filter((x) => Number.isFinite(x));
    const cpuSamples = (cpus.get(v.label) ?? []).filter((x) => Number.isFinite(x));
    const cpuRatios = (cpus.get(v.label) ?? []).map((x, i) => (refCpus[i] ?? NaN) / x).filter((x) => Number.isFinite(x));
    const row: Row = {
      group: g.id,
      title: g.title,
      label: v.label,
      server: v.server,
      client: v.client,
      ref: g.ref,
      samples,
      median: median(samples),
      ratio: median(ratios),
      ratioMin: Math.min(...ratios),
      ratioMax: Math.max(...ratios),
      cpuOf,
      cpuUs: median(cpuSamples),
      cpuRatio: median(cpuRatios),
    };
    const error = errors.get(v.label);
    if (error !== undefined) row.error = error;
    return row;
  });
}

/** One message size of the large-message scenario. */
export interface LargeRow {
  bytes: number;
  /** Median round trip of our client against our server, ms. */
  oursMs: number;
  /** Median round trip of the bare JSON client against the reference server, ms. */
  refMs: number;
  refServer: string;
  ratio: number;
  /** Peak RSS growth of our server during the run, bytes (NaN if unmeasurable). */
  oursPeakGrowth: number;
  refPeakGrowth: number;
}

async function timedLarge(
  env: Env,
  server: string,
  client: 'ours' | 'barejson',
  bytes: number,
  iterations: number,
): Promise<{ ms: number; growth: number }> {
  const proc = await startKind(env, server, undefined);
  try {
    const pid = proc?.pid as number;
    const canReset = resetPeak(pid);
    const before = memoryOf(pid).rss;
    const spec = { mode: 'large', kind: client, socket: socketFor(env, server), bytes, iterations };
    const out = (await runJson([env.node, env.clientJs, JSON.stringify(spec)], { timeoutMs: 300_000 })) as { ms: number[] };
    const growth = canReset ? memoryOf(pid).peak - before : NaN;
    // The first round trip warms up the JIT; it is left out when there are others.
    return { ms: median(out.ms.length > 1 ? out.ms.slice(1) : out.ms), growth };
  } finally {
    await proc?.stop();
  }
}

/** Echo round trips of structured payloads of each size; a fresh server per size and side. */
export async function measureLarge(env: Env, sizes: ReadonlyArray<{ bytes: number; iterations: number }>): Promise<LargeRow[]> {
  const refServer = env.cServer !== undefined ? 'c' : 'raw';
  const rows: LargeRow[] = [];
  for (const { bytes, iterations } of sizes) {
    env.progress(`large messages: ${formatBytes(bytes)} (ours)`);
    const ours = await timedLarge(env, 'ours', 'ours', bytes, iterations);
    env.progress(`large messages: ${formatBytes(bytes)} (bare JSON client, ${refServer} server)`);
    const ref = await timedLarge(env, refServer, 'barejson', bytes, iterations);
    rows.push({
      bytes,
      oursMs: ours.ms,
      refMs: ref.ms,
      refServer,
      ratio: ours.ms / ref.ms,
      oursPeakGrowth: ours.growth,
      refPeakGrowth: ref.growth,
    });
  }
  return rows;
}

/** One library at one size of the peers-large scenario (its own client against its own server). */
export interface PeerLargeRow {
  bytes: number;
  label: string;
  /** Server and client kind (`ours` or a peer of peers.ts). */
  kind: string;
  /** Median round trip, ms (the first call left out as warm-up); NaN when skipped. */
  ms: number;
  /** Timed calls, warm-up included. */
  calls: number;
  /** `ms` / ours at the same size: how many times faster ours is (NaN when either is missing). */
  ratio: number;
  /** Why the pair was skipped or cut short. */
  note?: string;
}

/** Limits of the peers-large scenario. */
export interface PeersLargeLimits {
  /** Per library and size: no new call once one would end after this (ms). */
  budgetMs: number;
  /** A call slower than this skips the pair (and the library's larger sizes). */
  callTimeoutMs: number;
  /** The whole scenario: pairs not started by then are skipped. */
  sectionMs: number;
}

/** The libraries of the peers-large scenario, ours first (the reference). */
export const PEERS_LARGE: ReadonlyArray<{ label: string; kind: string }> = [
  { label: 'ours', kind: 'ours' },
  { label: 'json-rpc-2.0', kind: 'jsonrpc2' },
  { label: 'vscode-jsonrpc', kind: 'vscode' },
  { label: 'jayson', kind: 'jayson' },
  { label: 'node-ipc', kind: 'nodeipc' },
];

/**
 * Echo round trips of structured payloads through each library's own client and server, a
 * fresh server per library and size (a server still chewing on a timed-out request must not
 * slow the next pair). Bounded: a per-call timeout, a time budget per pair, one for the section.
 */
export async function measurePeersLarge(
  env: Env,
  sizes: ReadonlyArray<{ bytes: number; iterations: number }>,
  limits: PeersLargeLimits,
): Promise<PeerLargeRow[]> {
  const started = Date.now();
  const rows: PeerLargeRow[] = [];
  const timedOutAt = new Map<string, number>();
  for (const { bytes, iterations } of sizes) {
    const sizeRows: PeerLargeRow[] = [];
    for (const { label, kind } of PEERS_LARGE) {
      const row: PeerLargeRow = { bytes, label, kind, ms: NaN, calls: 0, ratio: NaN };
      sizeRows.push(row);
      const earlier = timedOutAt.get(kind);
      if (earlier !== undefined) {
        row.note = `skipped: a call already took over ${limits.callTimeoutMs / 1000} s at ${formatBytes(earlier)}`;
        continue;
      }
      if (Date.now() - started > limits.sectionMs) {
        row.note = `skipped: the section's ${limits.sectionMs / 1000} s budget was spent`;
        continue;
      }
      env.progress(`peers on large messages: ${label}, ${formatBytes(bytes)}`);
      let proc: ServerProc | undefined;
      try {
        proc = await startKind(env, kind, undefined);
        const spec = {
          mode: 'large',
          kind,
          socket: socketFor(env, kind),
          bytes,
          iterations,
          budgetMs: limits.budgetMs,
          callTimeoutMs: limits.callTimeoutMs,
        };
        const out = (await runJson([env.node, env.clientJs, JSON.stringify(spec)], {
          timeoutMs: limits.budgetMs + limits.callTimeoutMs + 30_000,
        })) as { ms: number[]; timedOut?: boolean };
        row.calls = out.ms.length;
        if (out.timedOut === true) {
          timedOutAt.set(kind, bytes);
          row.note = `skipped: a call took over ${limits.callTimeoutMs / 1000} s`;
        } else {
          row.ms = median(out.ms.length > 1 ? out.ms.slice(1) : out.ms);
          if (out.ms.length < iterations) row.note = `${out.ms.length} of ${iterations} calls (time budget ${limits.budgetMs / 1000} s)`;
        }
      } catch (err) {
        row.note = `error: ${(err as Error).message}`;
      } finally {
        await proc?.stop();
      }
    }
    const ours = sizeRows.find((r) => r.kind === 'ours')?.ms ?? NaN;
    for (const r of sizeRows) r.ratio = r.ms / ours;
    rows.push(...sizeRows);
  }
  return rows;
}

/** Memory held per idle connection by one server kind. */
export interface IdleRow {
  server: string;
  conns: number;
  rssBefore: number;
  rssAfter: number;
  perConnection: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Opens `conns` connections that send nothing and reads the server's RSS before and after. */
export async function measureIdle(env: Env, server: string, conns: number): Promise<IdleRow> {
  env.progress(`idle connections: ${conns} to ${server}`);
  const proc = (await startKind(env, server, undefined)) as ServerProc;
  let holder: ReturnType<typeof spawn> | undefined;
  try {
    // Warm the server up first so that lazily compiled code is not counted as per-connection memory.
    await runJson([
      env.node,
      env.clientJs,
      JSON.stringify({
        mode: 'load',
        kind: 'ours',
        socket: socketFor(env, server),
        conns: 4,
        depth: 1,
        durationMs: 200,
        warmupMs: 50,
        msgBytes: 100,
      }),
    ]);
    await sleep(300);
    const rssBefore = memoryOf(proc.pid).rss;
    const h = spawn(env.node, [env.clientJs, JSON.stringify({ mode: 'idle', socket: socketFor(env, server), conns })], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    holder = h;
    await new Promise<void>((resolve, reject) => {
      h.stdout?.once('data', () => resolve());
      h.once('exit', () => reject(new Error('idle client exited early')));
    });
    let rssAfter = 0;
    for (let i = 0; i < 4; i++) {
      await sleep(250);
      rssAfter = memoryOf(proc.pid).rss;
    }
    return { server, conns, rssBefore, rssAfter, perConnection: (rssAfter - rssBefore) / conns };
  } finally {
    const h = holder;
    if (h !== undefined) {
      h.stdin?.end();
      await new Promise<void>((resolve) => {
        if (h.exitCode !== null) resolve();
        else h.once('exit', () => resolve());
      });
    }
    await proc.stop();
  }
}

/** One way of connecting in the burst scenario. */
export interface BurstRow {
  /** `raw`: net.connect without retry; `client`: connectClient with its default options. */
  via: 'raw' | 'client';
  /** The server kind (our server with its default backlog). */
  server: string;
  conns: number;
  connected: number;
  /** Connections that got their echo answer while all were held. */
  answered: number;
  /** Failed connects and calls by errno code (EAGAIN: the listen backlog was full). */
  failures: Record<string, number>;
  /** Why the figure is missing. */
  note?: string;
}

/** Sockets a burst side needs beyond its connections (Node's own, stdio, IPC). */
const BURST_FD_MARGIN = 512;

/** The soft limit on open files (children inherit it); NaN when /proc cannot say. */
export function openFileLimit(): number {
  try {
    const v = /^Max open files\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1];
    return v === 'unlimited' ? Infinity : Number(v ?? NaN);
  } catch {
    return NaN;
  }
}

/**
 * `conns` connects started at once against our server in its own process with its
 * default backlog (only the connection counts lifted), once with raw sockets and once
 * with connectClient; a fresh server for each.
 */
export async function measureBurst(env: Env, conns: number): Promise<BurstRow[]> {
  const rows: BurstRow[] = [];
  const limit = openFileLimit();
  for (const via of ['raw', 'client'] as const) {
    const row: BurstRow = { via, server: 'ours-defaults', conns, connected: 0, answered: 0, failures: {} };
    rows.push(row);
    if (limit < conns + BURST_FD_MARGIN) {
      row.note = `skipped: the open file limit is ${limit}, below ${conns + BURST_FD_MARGIN} (raise it with ulimit -n)`;
      continue;
    }
    env.progress(`connect burst: ${conns} concurrent connects (${via === 'raw' ? 'raw sockets' : 'connectClient'})`);
    const proc = await startKind(env, row.server, undefined);
    try {
      const spec = { mode: 'burst', socket: socketFor(env, row.server), conns, via };
      const out = (await runJson([env.node, env.clientJs, JSON.stringify(spec)], { timeoutMs: 120_000 })) as BurstResult;
      row.connected = out.connected;
      row.answered = out.answered;
      row.failures = out.failures;
    } catch (err) {
      row.note = `error: ${(err as Error).message}`;
    } finally {
      await proc?.stop();
    }
  }
  return rows;
}

/** The figures of the lost-answers fuzz (scripts/fuzz.mjs --lost-answers --json). */
export interface LostAnswersRow {
  frames: number;
  seed: number;
  connections: number;
  /** Answers the server owed: every request before the hostile frame, and the error answer. */
  owed: number;
  /** Answers owed that never arrived intact. */
  lost: number;
  wrong: number;
  extra: number;
  stuck: number;
  /** Socket errors the clients saw (EPIPE, ECONNRESET: the server closed while they wrote). */
  socketErrors: Record<string, number>;
  byKind: Record<string, { connections: number; owed: number; lost: number; errorTexts: number }>;
  ms: number;
  note?: string;
}

/** Runs the lost-answers fuzz against the library of this build, in a fresh server process. */
export async function measureLostAnswers(env: Env, frames: number, seed: number): Promise<LostAnswersRow> {
  env.progress(`lost answers: ${frames} frames, seed ${seed}`);
  try {
    const out = (await runJson([env.node, env.fuzzJs, '--lost-answers', `--frames=${frames}`, `--seed=${seed}`, '--json'], {
      env: { ...process.env, GANETI_UDS_DIST: env.libJs },
      timeoutMs: 300_000,
      anyExit: true,
    })) as LostAnswersRow & { serverExited?: boolean };
    return out.serverExited === true ? { ...out, note: 'the server process exited during the run' } : out;
  } catch (err) {
    const nan = Number.NaN;
    return {
      frames,
      seed,
      connections: 0,
      owed: nan,
      lost: nan,
      wrong: nan,
      extra: nan,
      stuck: nan,
      socketErrors: {},
      byKind: {},
      ms: nan,
      note: `error: ${(err as Error).message}`,
    };
  }
}

/** 1024 -> "1 KiB", 33554432 -> "32 MiB". */
export function formatBytes(n: number): string {
  if (n >= 1 << 20) return `${+(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${+(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}
