/**
 * The measurements: throughput groups (one client kind against several servers, or the
 * reverse, measured in alternating rounds so every ratio compares runs made moments
 * apart), large-message round trips with the server's peak RSS, and idle-connection memory.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { memoryOf, median, resetPeak, runJson, startServer, type ServerProc } from './lib/proc.js';

/** Where the programs are and how long to measure. */
export interface Env {
  node: string;
  clientJs: string;
  serverJs: string;
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
  error?: string;
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
          const out = (await runJson(clientCommand(env, g, v, cpu), { cpu, timeoutMs: env.durationMs + env.warmupMs + 20_000 })) as {
            ops: number;
            seconds: number;
          };
          rates.get(v.label)?.push(out.ops / out.seconds);
        } catch (err) {
          errors.set(v.label, (err as Error).message);
        }
      }
    }
  } finally {
    for (const s of servers.values()) await s?.stop();
  }
  const refRates = rates.get(g.ref) ?? [];
  return g.variants.map((v) => {
    const samples = rates.get(v.label) ?? [];
    const ratios = samples.map((x, i) => x / (refRates[i] ?? NaN)).filter((x) => Number.isFinite(x));
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
  /** Median round trip of the minimal JSON client against the reference server, ms. */
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
  client: 'ours' | 'rawjson',
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
    env.progress(`large messages: ${formatBytes(bytes)} (minimal JSON client, ${refServer} server)`);
    const ref = await timedLarge(env, refServer, 'rawjson', bytes, iterations);
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

/** 1024 -> "1 KiB", 33554432 -> "32 MiB". */
export function formatBytes(n: number): string {
  if (n >= 1 << 20) return `${+(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${+(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}
