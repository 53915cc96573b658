/**
 * `npm run bench`: runs every scenario, prints a table on stdout (progress on stderr), and
 * writes bench/results/latest.json plus SVG charts. `--quick` shortens every measurement;
 * `--only=a,b` runs only the named sections; `--summary` also rewrites bench/RESULTS.md;
 * `--seed=N` seeds the lost-answers fuzz (default 13).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureBigCluster, type BigClusterResult } from './big-cluster.js';
import { BENCH_BUILD_DIR, canPin, compileC } from './lib/proc.js';
import { evaluateTargets, markdownReport, rapiTargets, sizeChart, textReport, throughputChart, type Results } from './report.js';
import { formatRapi, measureRapi, type RapiBenchResult } from './rapi.js';
import {
  measureBurst,
  measureGroup,
  measureIdle,
  measureLostAnswers,
  formatBytes,
  measureLarge,
  measurePeersLarge,
  type BurstRow,
  type Env,
  type Group,
  type IdleRow,
  type LargeRow,
  type LostAnswersRow,
  type PeerLargeRow,
  type Row,
  type Variant,
} from './scenarios.js';

const SECTIONS = [
  'server',
  'client',
  'pipe',
  'conns',
  'peers',
  'ganeti',
  'python',
  'large',
  'peers-large',
  'idle',
  'burst',
  'lost-answers',
  'big-cluster',
  'rapi',
] as const;
/** Issue 13: 5,000 concurrent connects, and a 50,000-frame lost-answers fuzz run. */
const BURST_CONNECTS = 5000;
const LOST_ANSWERS_FRAMES = 50_000;
const WCONFD = '/usr/lib/ganeti/3.0/usr/sbin/ganeti-wconfd';

function parseArgs(argv: readonly string[]): { quick: boolean; only: Set<string>; summary: boolean; seed: number } {
  let quick = false;
  let summary = false;
  let seed = 13;
  let only = new Set<string>(SECTIONS);
  for (const a of argv) {
    if (a === '--quick') quick = true;
    else if (a === '--summary') summary = true;
    else if (a.startsWith('--only=')) only = new Set(a.slice(7).split(','));
    else if (/^--seed=\d+$/.test(a)) seed = Number(a.slice(7));
    else if (a === '--help' || a === '-h') {
      process.stdout.write(`usage: npm run bench -- [--quick] [--only=${SECTIONS.join(',')}] [--summary] [--seed=N]\n`);
      process.exit(0);
    } else throw new Error(`unknown option ${a} (try --help)`);
  }
  return { quick, only, summary, seed };
}

const v = (label: string, server: string, client: string): Variant => ({ label, server, client });

/** The throughput groups for the available tools. */
function groups(hasC: boolean, wconfd: boolean, wconfdPinned = false): Array<{ section: string; group: Group }> {
  const refServer = hasC ? 'c' : 'raw';
  const loadClient = hasC ? 'c' : 'raw';
  // Every ratio is against bare JSON (JSON.parse + JSON.stringify on the raw framer, no
  // safety: what any Node peer costs at best), measured in the same alternating rounds;
  // the raw framer (no JSON) and C show the floors beside it.
  const servers = (client: string): Variant[] => [
    v('ours', 'ours', client),
    v('bare JSON', 'barejson', client),
    v('raw framer', 'raw', client),
    ...(hasC ? [v('C epoll', 'c', client)] : []),
  ];
  const clients = (server: string): Variant[] => [
    v('ours', server, 'ours'),
    v('bare JSON', server, 'barejson'),
    v('raw framer', server, 'raw'),
  ];
  const base = { conns: 1, depth: 1, msgBytes: 100, pinned: true, ref: 'bare JSON' };
  const list: Array<{ section: string; group: Group }> = [];
  if (hasC)
    list.push({ section: 'server', group: { ...base, id: 'server-seq-c', title: 'server, sequential, C client', variants: servers('c') } });
  list.push({
    section: 'server',
    group: { ...base, id: 'server-seq-node', title: 'server, sequential, raw framer client', variants: servers('raw') },
  });
  list.push({
    section: 'client',
    group: {
      ...base,
      id: 'client-seq',
      title: `client, sequential, ${hasC ? 'C' : 'raw framer'} server`,
      variants: clients(refServer),
      cpuOf: 'client',
    },
  });
  list.push({
    section: 'pipe',
    group: {
      ...base,
      pinned: false,
      depth: 64,
      id: 'server-pipe',
      title: `server, pipelined depth 64, ${hasC ? 'C' : 'raw framer'} client`,
      variants: servers(loadClient),
    },
  });
  list.push({
    section: 'pipe',
    group: {
      ...base,
      pinned: false,
      depth: 64,
      id: 'client-pipe',
      title: `client, pipelined depth 64, ${hasC ? 'C' : 'raw framer'} server`,
      variants: clients(refServer),
      cpuOf: 'client',
    },
  });
  list.push({
    section: 'conns',
    group: {
      ...base,
      pinned: false,
      conns: 64,
      id: 'server-conns',
      title: `server, 64 connections, ${hasC ? 'C' : 'raw framer'} client`,
      variants: servers(loadClient),
    },
  });
  list.push({
    section: 'conns',
    group: {
      ...base,
      pinned: false,
      conns: 64,
      id: 'client-conns',
      title: `client, 64 connections, ${hasC ? 'C' : 'raw framer'} server`,
      variants: clients(refServer),
      cpuOf: 'client',
    },
  });
  const peers = [
    v('ours', 'ours', 'ours'),
    v('json-rpc-2.0', 'jsonrpc2', 'jsonrpc2'),
    v('vscode-jsonrpc', 'vscode', 'vscode'),
    v('jayson', 'jayson', 'jayson'),
    v('node-ipc', 'nodeipc', 'nodeipc'),
  ];
  list.push({
    section: 'peers',
    group: { ...base, ref: 'ours', id: 'peers-seq', title: 'libraries, sequential (own client + own server)', variants: peers },
  });
  list.push({
    section: 'peers',
    group: {
      ...base,
      ref: 'ours',
      pinned: false,
      conns: 16,
      id: 'peers-conns',
      title: 'libraries, 16 connections (own client + own server)',
      variants: peers,
    },
  });
  if (wconfd) {
    const g = [v('real wconfd', 'wconfd', loadClient), v('ours', 'ours', loadClient)];
    list.push({
      section: 'ganeti',
      group: {
        ...base,
        pinned: wconfdPinned,
        ref: 'real wconfd',
        id: 'wconfd-seq',
        title: 'vs real Haskell wconfd, sequential',
        variants: g,
      },
    });
    list.push({
      section: 'ganeti',
      group: {
        ...base,
        pinned: false,
        conns: 16,
        ref: 'real wconfd',
        id: 'wconfd-conns',
        title: 'vs real Haskell wconfd, 16 connections',
        variants: g,
      },
    });
  }
  if (existsSync('/usr/bin/python3') && existsSync('/usr/share/ganeti/3.0/ganeti/luxi.py')) {
    list.push({
      section: 'python',
      group: {
        ...base,
        ref: refServer === 'c' ? 'C epoll' : 'raw framer',
        id: 'python-seq',
        title: "Ganeti's Python luxi client, sequential",
        variants: [v('ours', 'ours', 'python'), v(refServer === 'c' ? 'C epoll' : 'raw framer', refServer, 'python')],
      },
    });
  }
  return list;
}

/** Starts a real wconfd with the interop script; returns its socket and a stop function. */
function startGaneti(repo: string, notes: string[]): { socket: string; stop: () => void; pinned: boolean; unpin: () => void } | undefined {
  const script = join(repo, 'test/interop/real-ganeti.sh');
  if (!existsSync(WCONFD) || !existsSync(script)) {
    notes.push(`real Ganeti rows skipped: ${existsSync(WCONFD) ? script : WCONFD} not found`);
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'gb-'));
  const r = spawnSync('bash', [script, 'start', dir], { encoding: 'utf8', timeout: 60_000 });
  const socket = /^WCONFD_SOCKET=(.*)$/m.exec(r.stdout ?? '')?.[1];
  const stop = (): void => {
    spawnSync('bash', [script, 'stop', dir], { encoding: 'utf8', timeout: 60_000 });
    rmSync(dir, { recursive: true, force: true });
  };
  if (r.status !== 0 || socket === undefined) {
    notes.push(`real Ganeti rows skipped: real-ganeti.sh start failed: ${(r.stderr ?? '').trim().split('\n').pop() ?? ''}`);
    stop();
    return undefined;
  }
  // Pin every thread of wconfd to the CPU the pinned groups use, so its sequential row
  // measures the daemon rather than cross-core wake-ups (as for our server).
  let pid = '';
  try {
    pid = readFileSync(join(dir, 'state', 'ganeti-wconfd.pid'), 'utf8').trim();
  } catch {
    pid = '';
  }
  const setAffinity = (cpuList: string): boolean =>
    pid !== '' && canPin() && spawnSync('taskset', ['-a', '-cp', cpuList, pid], { encoding: 'utf8' }).status === 0;
  const pinned = setAffinity('0');
  if (!pinned) notes.push('real wconfd could not be pinned to CPU 0: its sequential row runs unpinned');
  return { socket, stop, pinned, unpin: () => void setAffinity(`0-${cpus().length - 1}`) };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const repo = process.cwd();
  const notes: string[] = [];
  const work = mkdtempSync(join(tmpdir(), 'gub-'));
  const c = compileC(join(repo, 'bench/c'), join(work, 'bin'));
  if (c.note !== undefined) notes.push(c.note);
  const pinned = canPin();
  if (!pinned) notes.push('taskset unavailable: sequential groups run unpinned (cross-core wake-ups dominate)');
  const isTty = process.stderr.isTTY;
  const env: Env = {
    node: process.execPath,
    clientJs: join(BENCH_BUILD_DIR, 'client.js'),
    serverJs: join(BENCH_BUILD_DIR, 'server.js'),
    fuzzJs: join(repo, 'scripts/fuzz.mjs'),
    libJs: join(BENCH_BUILD_DIR, '..', 'src', 'index.js'),
    cServer: c.server,
    cClient: c.client,
    external: {},
    socketDir: work,
    durationMs: args.quick ? 400 : 1000,
    warmupMs: args.quick ? 150 : 300,
    rounds: args.quick ? 3 : 5,
    pinCpu: pinned ? 0 : undefined,
    progress: (text) => {
      const line = `[${String(Math.round((Date.now() - started) / 1000)).padStart(4)}s] ${text}`;
      process.stderr.write(isTty ? `\r\x1b[K${line}` : `${line}\n`);
    },
  };
  const ganeti = args.only.has('ganeti') ? startGaneti(repo, notes) : undefined;
  if (ganeti) env.external['wconfd'] = ganeti.socket;
  const rows: Row[] = [];
  let large: LargeRow[] = [];
  let peersLarge: PeerLargeRow[] = [];
  const idle: IdleRow[] = [];
  let burst: BurstRow[] = [];
  let lostAnswers: LostAnswersRow | undefined;
  let bigCluster: BigClusterResult | undefined;
  let rapi: RapiBenchResult | undefined;
  try {
    for (const { section, group } of groups(c.server !== undefined, ganeti !== undefined, ganeti?.pinned === true)) {
      if (!args.only.has(section)) continue;
      // wconfd is pinned to one CPU for its sequential row only; with 16 connections it may use both.
      if (group.id === 'wconfd-conns') ganeti?.unpin();
      rows.push(...(await measureGroup(env, group)));
    }
    if (args.only.has('large')) {
      const sizes = [
        { bytes: 1 << 10, iterations: args.quick ? 100 : 300 },
        { bytes: 64 << 10, iterations: args.quick ? 30 : 100 },
        { bytes: 1 << 20, iterations: args.quick ? 8 : 20 },
        { bytes: 4 << 20, iterations: args.quick ? 4 : 8 },
        { bytes: 16 << 20, iterations: args.quick ? 3 : 4 },
        { bytes: 32 << 20, iterations: args.quick ? 3 : 4 },
      ];
      large = await measureLarge(env, sizes);
    }
    if (args.only.has('peers-large')) {
      // node-ipc and jayson frame quadratically (jayson at 4 MiB: ~1 s a call), hence the bounds.
      const sizes = [
        { bytes: 64 << 10, iterations: args.quick ? 15 : 50 },
        { bytes: 1 << 20, iterations: args.quick ? 5 : 15 },
        { bytes: 4 << 20, iterations: args.quick ? 3 : 6 },
      ];
      peersLarge = await measurePeersLarge(env, sizes, {
        budgetMs: 10_000,
        callTimeoutMs: 10_000,
        sectionMs: args.quick ? 60_000 : 110_000,
      });
    }
    if (args.only.has('idle')) {
      const n = args.quick ? 500 : 2000;
      idle.push(await measureIdle(env, 'ours', n), await measureIdle(env, 'raw', n));
    }
    if (args.only.has('burst')) burst = await measureBurst(env, BURST_CONNECTS);
    if (args.only.has('lost-answers')) lostAnswers = await measureLostAnswers(env, LOST_ANSWERS_FRAMES, args.seed);
    if (args.only.has('rapi')) rapi = await measureRapi({ quick: args.quick, progress: env.progress });
    if (args.only.has('big-cluster')) {
      // The real luxid took 40-80 s per answer on this cluster: one call per round.
      bigCluster = await measureBigCluster({
        repo,
        rounds: args.quick ? 2 : 3,
        calls: args.quick ? 3 : 5,
        realCalls: 1,
        realTimeoutMs: 300_000,
        pinned,
        progress: env.progress,
      });
      if (bigCluster.realNote !== undefined) notes.push(`big cluster: real luxid half not measured: ${bigCluster.realNote}`);
    }
  } finally {
    ganeti?.stop();
    rmSync(work, { recursive: true, force: true });
    if (isTty) process.stderr.write('\r\x1b[K');
  }
  for (const r of rows) if (r.error !== undefined) notes.push(`${r.title} / ${r.label}: ${r.error}`);
  for (const p of peersLarge)
    if (p.note !== undefined) notes.push(`peers on large messages / ${p.label} / ${formatBytes(p.bytes)}: ${p.note}`);
  for (const b of burst) if (b.note !== undefined) notes.push(`connect burst / ${b.via}: ${b.note}`);
  if (lostAnswers?.note !== undefined) notes.push(`lost answers: ${lostAnswers.note}`);
  const results: Results = {
    startedAt: new Date(started).toISOString(),
    quick: args.quick,
    machine: { cpus: cpus().length, node: process.version, pinned, cc: c.server !== undefined },
    notes,
    rows,
    large,
    peersLarge,
    idle,
    burst,
    ...(lostAnswers !== undefined ? { lostAnswers } : {}),
    ...(bigCluster !== undefined ? { bigCluster } : {}),
    ...(rapi !== undefined ? { rapi } : {}),
    targets: evaluateTargets(rows, large, idle, bigCluster, { burst, lostAnswers }),
    elapsedSeconds: (Date.now() - started) / 1000,
  };
  results.targets.push(...rapiTargets(rapi));
  const outDir = join(repo, 'bench/results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'latest.json'), JSON.stringify(results, null, 2) + '\n');
  if (rows.length > 0) writeFileSync(join(outDir, 'throughput.svg'), throughputChart(results));
  if (large.length > 1) writeFileSync(join(outDir, 'sizes.svg'), sizeChart(results));
  if (args.summary) {
    const chartDir = join(repo, 'bench/charts');
    mkdirSync(chartDir, { recursive: true });
    writeFileSync(join(chartDir, 'throughput.svg'), throughputChart(results));
    if (large.length > 1) writeFileSync(join(chartDir, 'sizes.svg'), sizeChart(results));
    writeFileSync(
      join(repo, 'bench/RESULTS.md'),
      markdownReport(results, { throughput: 'charts/throughput.svg', sizes: 'charts/sizes.svg' }),
    );
  }
  process.stdout.write(textReport(results));
  if (rapi !== undefined) process.stdout.write(formatRapi(rapi));
  process.stderr.write(`results: ${join('bench/results', 'latest.json')} (${Math.round(results.elapsedSeconds)} s)\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
