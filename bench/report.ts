/**
 * Turns measurements into the report: the target checks (each pass/fail), the stdout
 * table, the Markdown summary and the two SVG charts. Pure functions over results.
 */
import { median } from './lib/proc.js';
import { barChart, logLogChart, type Bar } from './svg.js';
import type { BigClusterResult } from './big-cluster.js';
import { compareRapi, type RapiBenchResult } from './rapi.js';
import { formatBytes, type BurstRow, type IdleRow, type LargeRow, type LostAnswersRow, type PeerLargeRow, type Row } from './scenarios.js';

/** Everything one run measured. */
export interface Results {
  startedAt: string;
  quick: boolean;
  machine: { cpus: number; node: string; pinned: boolean; cc: boolean };
  notes: string[];
  rows: Row[];
  large: LargeRow[];
  /** Each library's own client and server on large messages (absent in older results). */
  peersLarge?: PeerLargeRow[];
  idle: IdleRow[];
  /** Connect bursts (absent in older results). */
  burst?: BurstRow[];
  /** The lost-answers fuzz (absent in older results or when not run). */
  lostAnswers?: LostAnswersRow;
  /** Query of 10,000 instances, demo vs real luxid (absent in older results or when not run). */
  bigCluster?: BigClusterResult;
  /** The rapi section: ours vs the real ganeti-rapi (absent in older results or when not run). */
  rapi?: RapiBenchResult;
  targets: Target[];
  elapsedSeconds: number;
}

/** One goal, checked against this run. */
export interface Target {
  name: string;
  /** The measured figure, in the unit of `goal`. */
  value: number;
  goal: string;
  pass: boolean | undefined;
  basis: string;
  /** One of issue 13's goals (printed first), rather than an earlier one kept as a guard. */
  headline: boolean;
  /** How to print the figure when two decimals would not do (counts: "4,995 of 5,000"). */
  shown?: string;
}

/** What evaluateTargets needs beyond the throughput rows, large messages and idle memory. */
export interface MoreResults {
  burst?: readonly BurstRow[];
  lostAnswers?: LostAnswersRow | undefined;
}

function row(rows: readonly Row[], group: string, label: string): Row | undefined {
  return rows.find((r) => r.group === group && r.label === label && r.samples.length > 0);
}

function target(
  name: string,
  value: number | undefined,
  op: '>=' | '<=',
  limit: number,
  unit: string,
  basis: string,
  headline = false,
): Target {
  const v = value ?? NaN;
  const pass = Number.isFinite(v) ? (op === '>=' ? v >= limit : v <= limit) : undefined;
  return { name, value: v, goal: `${op} ${limit.toLocaleString('en-US')}${unit}`, pass, basis, headline };
}

/** A throughput ratio of ours against the group's reference, with the spread over rounds in the basis. */
function ratioTarget(name: string, r: Row | undefined, limit: number, basis: string): Target {
  const cpu = r !== undefined && Number.isFinite(r.cpuRatio) ? `; ${r.cpuOf} CPU per round trip ${fmt(r.cpuRatio)}x` : '';
  const spread = r ? `; rounds ${fmt(r.ratioMin)}..${fmt(r.ratioMax)}${cpu}` : '';
  return target(name, r?.ratio, '>=', limit, 'x', r ? `${basis}${spread}` : 'not measured', true);
}

/**
 * The worst per-byte figure over the sizes above 1 MiB, relative to 1 MiB's: 1 is linear,
 * 2 means some size costs twice as much per byte (undefined without 1 MiB and a larger size).
 */
export function worstPerByte(large: readonly LargeRow[], value: (l: LargeRow) => number): { ratio: number; at: number } | undefined {
  const base = large.find((l) => l.bytes === 1 << 20);
  if (base === undefined || !Number.isFinite(value(base)) || value(base) <= 0) return undefined;
  const perByte = value(base) / base.bytes;
  let worst: { ratio: number; at: number } | undefined;
  for (const l of large) {
    if (l.bytes <= base.bytes || !Number.isFinite(value(l))) continue;
    const ratio = value(l) / l.bytes / perByte;
    if (worst === undefined || ratio > worst.ratio) worst = { ratio, at: l.bytes };
  }
  return worst;
}

/** "16-32 MiB" */
function spanText([from, to]: readonly [number, number]): string {
  return `${formatBytes(from).replace(/ MiB$/, '')}-${formatBytes(to)}`;
}

/**
 * Linearity robust to a fixed cost: the growth per added byte between the two largest sizes
 * (from 1 MiB up) over the same between the next two down, e.g. (g(32)-g(16))/16 MiB over
 * (g(16)-g(4))/12 MiB. 1 is linear; a cost growing with the square of the size gives ~2.4
 * on 4, 16 and 32 MiB. Peak RSS at 1 MiB is mostly V8's young generation growing, not the
 * message, which is why the multiple of the message size alone cannot judge linearity.
 */
export function marginalPerByte(
  large: readonly LargeRow[],
  value: (l: LargeRow) => number,
): { ratio: number; upper: [number, number]; lower: [number, number]; upperPerByte: number; lowerPerByte: number } | undefined {
  const points = large.filter((l) => l.bytes >= 1 << 20 && Number.isFinite(value(l))).sort((x, y) => x.bytes - y.bytes);
  const [a, b, c] = points.slice(-3);
  if (a === undefined || b === undefined || c === undefined) return undefined;
  const upperPerByte = (value(c) - value(b)) / (c.bytes - b.bytes);
  const lowerPerByte = (value(b) - value(a)) / (b.bytes - a.bytes);
  if (!(lowerPerByte > 0)) return undefined;
  return { ratio: upperPerByte / lowerPerByte, upper: [b.bytes, c.bytes], lower: [a.bytes, b.bytes], upperPerByte, lowerPerByte };
}

/**
 * Evaluates the targets: issue 13's first (each ratio against bare JSON in the same
 * alternating rounds, large messages, lost answers, connect bursts), then the earlier
 * ones still kept (peers, the real wconfd, idle memory, the big cluster). A target whose
 * inputs were not measured has pass `undefined`.
 */
export function evaluateTargets(
  rows: readonly Row[],
  large: readonly LargeRow[],
  idle: readonly IdleRow[],
  big?: BigClusterResult,
  more: MoreResults = {},
): Target[] {
  const t: Target[] = [];
  const seqC = row(rows, 'server-seq-c', 'ours');
  const seq = seqC ?? row(rows, 'server-seq-node', 'ours');
  t.push(
    ratioTarget(
      'server, sequential, ours / bare JSON server',
      seq,
      0.95,
      seqC ? 'C client, both on one CPU' : 'raw framer client (no C compiler), both on one CPU',
    ),
  );
  t.push(ratioTarget('server, pipelined x64, ours / bare JSON server', row(rows, 'server-pipe', 'ours'), 0.9, 'C client'));
  t.push(ratioTarget('server, 64 connections, ours / bare JSON server', row(rows, 'server-conns', 'ours'), 0.88, 'C client'));
  t.push(ratioTarget('client, sequential, ours / bare JSON client', row(rows, 'client-seq', 'ours'), 0.92, 'C server, both on one CPU'));
  const l32 = large.find((l) => l.bytes === 32 << 20);
  t.push(
    target(
      '32 MiB echo, ours (client + server) / bare JSON client + C server',
      l32?.ratio,
      '<=',
      3,
      'x',
      l32 ? `time ratio (lower is better); reference server ${l32.refServer}` : 'not measured',
      true,
    ),
  );
  t.push(
    target(
      "32 MiB echo, our server's peak RSS growth / message size",
      l32 ? l32.oursPeakGrowth / l32.bytes : undefined,
      '<=',
      6,
      'x',
      l32 ? 'VmHWM after clear_refs' : 'not measured',
      true,
    ),
  );
  const time = worstPerByte(large, (l) => l.oursMs);
  t.push(
    target(
      'linear time: time per byte, worst size up to 32 MiB / at 1 MiB',
      time?.ratio,
      '<=',
      2,
      'x',
      time ? `our client + our server; worst at ${formatBytes(time.at)}` : 'not measured',
      true,
    ),
  );
  const memory = marginalPerByte(large, (l) => l.oursPeakGrowth);
  t.push(
    target(
      memory
        ? `linear memory: server's peak RSS growth per added byte, ${spanText(memory.upper)} / ${spanText(memory.lower)}`
        : "linear memory: server's peak RSS growth per added byte, top sizes / the sizes below",
      memory?.ratio,
      '<=',
      1.5,
      'x',
      memory
        ? `${fmt(memory.upperPerByte, 1)} vs ${fmt(memory.lowerPerByte, 1)} bytes per added byte (a fixed cost cancels out)`
        : 'not measured',
      true,
    ),
  );
  const lost = more.lostAnswers;
  const lostTarget = target(
    `answers lost in a ${lost ? lost.frames.toLocaleString('en-US') : '50,000'}-frame fuzz run`,
    lost?.lost,
    '<=',
    0,
    '',
    lost && Number.isFinite(lost.lost)
      ? `hostile frames in 1-200 byte pieces, ${lost.connections} connections, seed ${lost.seed}`
      : `not measured${lost?.note !== undefined ? ` (${lost.note})` : ''}`,
    true,
  );
  if (lost && Number.isFinite(lost.lost)) lostTarget.shown = `${lost.lost} of ${lost.owed}`;
  t.push(lostTarget);
  for (const via of ['raw', 'client'] as const) {
    const b = more.burst?.find((x) => x.via === via);
    const measured = b !== undefined && b.note === undefined;
    const failures = b ? Object.entries(b.failures).map(([code, n]) => `${code} ${n}`) : [];
    const burstTarget = target(
      `connect burst: ${via === 'raw' ? 'raw connects' : 'connectClient calls'} accepted and answered`,
      measured ? b.answered : undefined,
      '>=',
      b?.conns ?? 5000,
      '',
      measured
        ? `${b.conns} at once, default backlog; failures: ${failures.join(', ') || 'none'}`
        : `not measured${b?.note !== undefined ? ` (${b.note})` : ''}`,
      true,
    );
    if (measured) burstTarget.shown = `${b.answered} of ${b.conns}`;
    t.push(burstTarget);
  }
  const idleOurs = idle.find((i) => i.server === 'ours');
  t.push(
    target(
      'memory per idle connection (KiB)',
      idleOurs ? idleOurs.perConnection / 1024 : undefined,
      '<=',
      16,
      ' KiB',
      idleOurs ? `${idleOurs.conns} connections, RSS delta` : 'not measured',
    ),
  );
  const inverse = (label: string): number | undefined => {
    const r = row(rows, 'peers-seq', label);
    return r ? 1 / r.ratio : undefined;
  };
  t.push(
    target(
      'ours vs json-rpc-2.0, small messages, sequential',
      inverse('json-rpc-2.0'),
      '>=',
      3,
      'x',
      "each library's own client and server",
    ),
  );
  t.push(
    target('ours vs node-ipc, small messages, sequential', inverse('node-ipc'), '>=', 10, 'x', "each library's own client and server"),
  );
  const gSeq = row(rows, 'wconfd-seq', 'ours');
  t.push(
    target('ours vs real Haskell wconfd, sequential', gSeq?.ratio, '>=', 1, 'x', gSeq ? 'C client, echo' : 'not measured (no Ganeti)'),
  );
  const gConns = row(rows, 'wconfd-conns', 'ours');
  t.push(
    target(
      'ours vs real Haskell wconfd, 16 connections',
      gConns?.ratio,
      '>=',
      2,
      'x',
      gConns ? 'C client, echo' : 'not measured (no Ganeti)',
    ),
  );
  if (big !== undefined) {
    const what = `Query of ${big.rows} instances x ${big.fields} config fields`;
    t.push(
      target(
        'big cluster: demo luxid time / real luxid time',
        big.realMs.length > 0 ? big.demoVsReal : undefined,
        '<=',
        1,
        'x',
        big.realMs.length > 0 ? `${what}, both pinned` : `not measured (${big.realNote ?? 'no real luxid'})`,
      ),
    );
    t.push(target('big cluster: demo answer / JSON.stringify of the rows', big.demoVsStringify, '<=', 2, 'x', `${what}, time ratio`));
  }
  return t;
}

const fmt = (x: number, digits = 2): string => (Number.isFinite(x) ? x.toFixed(digits) : '-');
const verdict = (p: boolean | undefined): string => (p === undefined ? 'SKIP' : p ? 'PASS' : 'FAIL');

function pad(cells: readonly string[][]): string {
  const widths = (cells[0] ?? []).map((_, i) => Math.max(...cells.map((c) => (c[i] ?? '').length)));
  return cells.map((c) => c.map((x, i) => (i === 0 ? x.padEnd(widths[i] ?? 0) : x.padStart(widths[i] ?? 0))).join('  ')).join('\n');
}

/**
 * The peers-large table: one row per size, one column per library (in order of appearance),
 * each cell the median round trip and, for the peers, their time / ours (higher = ours is
 * faster); `skipped` or `error` when the pair has no figure (the notes say why).
 */
export function peersLargeTable(rows: readonly PeerLargeRow[]): string[][] {
  const labels = [...new Set(rows.map((p) => p.label))];
  const sizes = [...new Set(rows.map((p) => p.bytes))];
  const table: string[][] = [['size', ...labels.map((l) => `${l} ms`)]];
  for (const bytes of sizes) {
    const cells = labels.map((label) => {
      const p = rows.find((x) => x.bytes === bytes && x.label === label);
      if (p === undefined) return '-';
      if (!Number.isFinite(p.ms)) return p.note?.startsWith('error') ? 'error' : 'skipped';
      return p.kind === 'ours' || !Number.isFinite(p.ratio) ? fmt(p.ms, 1) : `${fmt(p.ms, 1)} (${fmt(p.ratio)}x)`;
    });
    table.push([formatBytes(bytes), ...cells]);
  }
  return table;
}

/** Informational lines (not targets): how many times faster ours is than each peer at the largest size. */
export function peersLargeLines(rows: readonly PeerLargeRow[]): string[] {
  const largest = Math.max(...rows.map((p) => p.bytes));
  return rows
    .filter((p) => p.bytes === largest && p.kind !== 'ours')
    .map(
      (p) =>
        `ours vs ${p.label} at ${formatBytes(largest)}: ${Number.isFinite(p.ratio) ? `${fmt(p.ratio)}x (its time / ours)` : `not measured (${p.note ?? 'no figure'})`}`,
    );
}

/** The line that says where the run was made: Node version, CPUs, pinning, C references. */
export function machineLine(r: Results): string {
  return (
    `Node ${r.machine.node}, ${r.machine.cpus} CPUs, ` +
    `${r.machine.pinned ? 'sequential groups pinned to one CPU (taskset)' : 'no CPU pinning'}, ` +
    `C references ${r.machine.cc ? 'compiled' : 'missing'}${r.quick ? ', --quick' : ''}`
  );
}

/** The measured column of a target. */
const measured = (t: Target): string => t.shown ?? fmt(t.value);

/** The burst rows as table cells. */
function burstCells(rows: readonly BurstRow[]): string[][] {
  return rows.map((b) => [
    b.via === 'raw' ? 'raw net.connect, no retry' : 'connectClient (default options)',
    String(b.conns),
    b.note === undefined ? String(b.connected) : '-',
    b.note === undefined ? String(b.answered) : '-',
    b.note ??
      (Object.entries(b.failures)
        .map(([code, n]) => `${code} ${n}`)
        .join(', ') ||
        'none'),
  ]);
}

/** The lost-answers figures per hostile kind, as table cells. */
function lostCells(l: LostAnswersRow): string[][] {
  return Object.entries(l.byKind).map(([kind, k]) => [
    kind,
    String(k.connections),
    String(k.owed),
    String(k.lost),
    `${k.errorTexts} of ${k.connections}`,
  ]);
}

/** The plain-text report printed on stdout. */
export function textReport(r: Results): string {
  const out: string[] = [machineLine(r)];
  const table: string[][] = [['scenario / variant', 'rt/s (median)', 'ratio', 'min..max', 'vs', 'CPU µs/rt', 'CPU ratio']];
  let group = '';
  for (const x of r.rows) {
    if (x.title !== group) {
      group = x.title;
      table.push([x.title, '', '', '', '', `(${x.cpuOf})`, '']);
    }
    table.push([
      `  ${x.label}`,
      x.error ? `error` : fmt(x.median, 0),
      fmt(x.ratio),
      `${fmt(x.ratioMin)}..${fmt(x.ratioMax)}`,
      x.ref,
      fmt(x.cpuUs),
      fmt(x.cpuRatio),
    ]);
  }
  if (r.rows.length > 0) out.push('', pad(table));
  if (r.large.length > 0) {
    out.push('', 'Large messages (echo round trip, structured payload)');
    const lt = [['size', 'ours ms', `ref ms`, 'ratio', 'ours µs/MiB', 'our peak RSS +', 'ref peak RSS +']];
    for (const l of r.large) {
      lt.push([
        formatBytes(l.bytes),
        fmt(l.oursMs, 1),
        fmt(l.refMs, 1),
        fmt(l.ratio),
        fmt((l.oursMs * 1000) / (l.bytes / (1 << 20)), 0),
        Number.isFinite(l.oursPeakGrowth) ? `${formatBytes(Math.max(0, l.oursPeakGrowth))} (${fmt(l.oursPeakGrowth / l.bytes, 1)}x)` : '-',
        Number.isFinite(l.refPeakGrowth) ? formatBytes(Math.max(0, l.refPeakGrowth)) : '-',
      ]);
    }
    out.push(pad(lt));
  }
  const peersLarge = r.peersLarge ?? [];
  if (peersLarge.length > 0) {
    out.push('', "Peers on large messages (each library's own client + server, echo round trip, median ms; (x) = its time / ours)");
    out.push(pad(peersLargeTable(peersLarge)));
    for (const line of peersLargeLines(peersLarge)) out.push(`info: ${line}`);
  }
  if (r.idle.length > 0) {
    out.push('', 'Idle connections');
    out.push(
      pad([
        ['server', 'conns', 'RSS before', 'RSS after', 'per connection'],
        ...r.idle.map((i) => [
          i.server,
          String(i.conns),
          formatBytes(i.rssBefore),
          formatBytes(i.rssAfter),
          `${fmt(i.perConnection / 1024, 1)} KiB`,
        ]),
      ]),
    );
  }
  const big = r.bigCluster;
  if (big !== undefined) {
    out.push(
      '',
      `Big cluster (${big.spec}; Query of ${big.rows} instances, ${big.fields} config-only fields, ${formatBytes(big.answerBytes)} answer)`,
    );
    out.push(
      pad([
        ['side', 'ms per answer (median)', 'rounds'],
        ['demo luxid (serve --demo)', fmt(median(big.demoMs), 1), big.demoMs.map((x) => fmt(x, 0)).join(' ')],
        [
          'real ganeti-luxid',
          big.realMs.length > 0 ? fmt(median(big.realMs), 1) : 'not measured',
          big.realMs.map((x) => fmt(x, 0)).join(' '),
        ],
        ['JSON.stringify of the rows', fmt(median(big.stringifyMs), 1), big.stringifyMs.map((x) => fmt(x, 0)).join(' ')],
      ]),
    );
  }
  const burst = r.burst ?? [];
  if (burst.length > 0) {
    out.push('', 'Connect burst (all at once, our server with its default backlog, in its own process)');
    out.push(pad([['connects', 'started', 'connected', 'answered', 'failures'], ...burstCells(burst)]));
  }
  const lost = r.lostAnswers;
  if (lost !== undefined) {
    out.push(
      '',
      `Lost answers (fuzz: ${lost.frames} frames, ${lost.connections} connections, seed ${lost.seed}): ` +
        (Number.isFinite(lost.lost) ? `lost ${lost.lost} of ${lost.owed}` : (lost.note ?? 'not measured')),
    );
    if (Object.keys(lost.byKind).length > 0) {
      out.push(pad([['hostile frame', 'connections', 'answers owed', 'lost', 'error text arrived'], ...lostCells(lost)]));
      const errs = Object.entries(lost.socketErrors).map(([code, n]) => `${code} ${n}`);
      out.push(`client socket errors: ${errs.join(', ') || 'none'}; wrong answers ${lost.wrong}, extra ${lost.extra}, stuck ${lost.stuck}`);
    }
  }
  const targetCells = (list: readonly Target[]): string[][] => list.map((t) => [verdict(t.pass), t.name, measured(t), t.goal, t.basis]);
  out.push('', 'Targets (issue 13)');
  out.push(pad(targetCells(r.targets.filter((t) => t.headline))));
  out.push('', 'Other targets');
  out.push(pad(targetCells(r.targets.filter((t) => !t.headline))));
  for (const n of r.notes) out.push(`note: ${n}`);
  return out.join('\n') + '\n';
}

/** The committed Markdown summary of a run. */
export function markdownReport(r: Results, chartPaths: { throughput: string; sizes: string }): string {
  const lines: string[] = [
    '# Benchmark results',
    '',
    `Run of \`npm run bench${r.quick ? ' -- --quick' : ''}\` on ${r.startedAt.slice(0, 10)}: ${machineLine(r)}; ` +
      `${Math.round(r.elapsedSeconds)} s. Figures are medians over alternating rounds; ratios compare runs made moments apart. ` +
      'The machine is a noisy VM: read the ratios, not the absolute numbers. The throughput ratios are against bare JSON ' +
      '(JSON.parse and JSON.stringify on the raw framer, no safety: what any Node peer costs at best), measured in the same rounds.',
    '',
    '## Targets (issue 13)',
    '',
    '| result | target | measured | goal | basis |',
    '|---|---|---:|---|---|',
    ...r.targets.filter((t) => t.headline).map((t) => `| ${verdict(t.pass)} | ${t.name} | ${measured(t)} | ${t.goal} | ${t.basis} |`),
    '',
    '## Other targets',
    '',
    '| result | target | measured | goal | basis |',
    '|---|---|---:|---|---|',
    ...r.targets.filter((t) => !t.headline).map((t) => `| ${verdict(t.pass)} | ${t.name} | ${measured(t)} | ${t.goal} | ${t.basis} |`),
    '',
    '## Throughput (round trips per second, ~100-byte messages)',
    '',
    `![throughput by scenario](${chartPaths.throughput})`,
    '',
    'CPU µs per round trip: the CPU time (user + system, all threads) of the server in server scenarios, of the client ' +
      "in client scenarios, over every answer of the run; CPU ratio: the reference's / this one's, median over rounds " +
      '(higher is better, as for throughput). It counts work rather than wall time, so it holds up better than the ' +
      'throughput ratio when other processes share the CPUs.',
    '',
    '| scenario | variant | rt/s | ratio | min..max | reference | CPU µs per round trip | CPU ratio |',
    '|---|---|---:|---:|---:|---|---:|---:|',
    ...r.rows.map(
      (x) =>
        `| ${x.title} | ${x.label} | ${x.error ? 'error' : fmt(x.median, 0)} | ${fmt(x.ratio)} | ${fmt(x.ratioMin)}..${fmt(x.ratioMax)} | ${x.ref} | ` +
        `${fmt(x.cpuUs)} (${x.cpuOf}) | ${fmt(x.cpuRatio)} |`,
    ),
    '',
    '## Large messages',
    '',
    `![time vs message size](${chartPaths.sizes})`,
    '',
    '| size | ours ms | reference ms | ratio | our server peak RSS growth | reference server |',
    '|---|---:|---:|---:|---:|---|',
    ...r.large.map(
      (l) =>
        `| ${formatBytes(l.bytes)} | ${fmt(l.oursMs, 1)} | ${fmt(l.refMs, 1)} | ${fmt(l.ratio)} | ${Number.isFinite(l.oursPeakGrowth) ? `${formatBytes(Math.max(0, l.oursPeakGrowth))} (${fmt(l.oursPeakGrowth / l.bytes, 1)}x)` : '-'} | ${l.refServer} |`,
    ),
    '',
    ...peersLargeMarkdown(r.peersLarge ?? []),
    '## Idle connections',
    '',
    '| server | connections | RSS before | RSS after | per connection |',
    '|---|---:|---:|---:|---:|',
    ...r.idle.map(
      (i) =>
        `| ${i.server} | ${i.conns} | ${formatBytes(i.rssBefore)} | ${formatBytes(i.rssAfter)} | ${fmt(i.perConnection / 1024, 1)} KiB |`,
    ),
    '',
    ...burstMarkdown(r.burst ?? []),
    ...lostMarkdown(r.lostAnswers),
  ];
  if (r.notes.length > 0) lines.push('## Notes', '', ...r.notes.map((n) => `* ${n}`), '');
  return lines.join('\n');
}

function burstMarkdown(rows: readonly BurstRow[]): string[] {
  if (rows.length === 0) return [];
  return [
    '## Connect burst',
    '',
    'All connects started at once against our server in its own process, with its default listen backlog ' +
      '(only the connection-count limits lifted); each connection then makes one echo call while all are held.',
    '',
    '| connects | started | connected | answered | failures |',
    '|---|---:|---:|---:|---|',
    ...burstCells(rows).map((c) => `| ${c.join(' | ')} |`),
    '',
  ];
}

function lostMarkdown(l: LostAnswersRow | undefined): string[] {
  if (l === undefined) return [];
  const errs = Object.entries(l.socketErrors).map(([code, n]) => `${code} ${n}`);
  return [
    '## Lost answers',
    '',
    `\`scripts/fuzz.mjs --lost-answers --frames=${l.frames} --seed=${l.seed}\`: ${l.connections} connections, each with ` +
      'well-formed echo requests, one hostile frame at a random position and more requests after it, written in 1-200 byte ' +
      'pieces; the server owes every answer before the hostile frame and the error answer for it. ' +
      (Number.isFinite(l.lost) ? `**Lost ${l.lost} of ${l.owed}**` : `Not measured: ${l.note ?? ''}`) +
      (Number.isFinite(l.lost) ? `; client socket errors: ${errs.join(', ') || 'none'}.` : ''),
    '',
    ...(Object.keys(l.byKind).length > 0
      ? [
          '| hostile frame | connections | answers owed | lost | error text arrived |',
          '|---|---:|---:|---:|---:|',
          ...lostCells(l).map((c) => `| ${c.join(' | ')} |`),
          '',
        ]
      : []),
  ];
}

function peersLargeMarkdown(rows: readonly PeerLargeRow[]): string[] {
  if (rows.length === 0) return [];
  const [head = [], ...body] = peersLargeTable(rows);
  return [
    '## Peers on large messages',
    '',
    "Each library's own client against its own server, echo round trip of a structured payload: median ms, and in " +
      "parentheses the library's time / ours (higher = ours is faster). Informational, not a target; a call over 10 s " +
      'skips the pair and its larger sizes (see the notes).',
    '',
    `| ${head.join(' | ')} |`,
    `|---|${head
      .slice(1)
      .map(() => '---:|')
      .join('')}`,
    ...body.map((c) => `| ${c.join(' | ')} |`),
    '',
    ...peersLargeLines(rows).map((l) => `* ${l}`),
    '',
  ];
}

/** Bar chart: every variant's throughput relative to its group's reference. */
export function throughputChart(r: Results): string {
  const bars: Bar[] = r.rows
    .filter((x) => x.samples.length > 0)
    .map((x) => ({
      group: `${x.title} (vs ${x.ref})`,
      label: x.label,
      value: x.ratio,
      note: `${fmt(x.ratio)}x  (${fmt(x.median, 0)} rt/s)`,
      highlight: x.label === 'ours',
    }));
  return barChart("Throughput by scenario, relative to each scenario's reference", 'ratio to the reference (dashed line = 1)', bars);
}

/** Log-log chart: round-trip time against message size, ours and the reference. */
export function sizeChart(r: Results): string {
  const refServer = r.large[0]?.refServer ?? 'c';
  return logLogChart(
    'Echo round trip time vs message size (log-log)',
    'message size',
    'round trip (ms)',
    [
      { name: 'ours (client+server)', points: r.large.map((l) => [l.bytes, l.oursMs] as const) },
      {
        name: `bare JSON client + ${refServer === 'c' ? 'C' : 'raw framer'} server`,
        points: r.large.map((l) => [l.bytes, l.refMs] as const),
      },
    ],
    (x) => formatBytes(x),
    (y) => (y >= 1 ? String(y) : y.toString()),
  );
}

// ---------------------------------------------------------------------------------------
// The rapi section (bench/rapi.ts): issue 14's targets.

/**
 * Ours vs the real ganeti-rapi: requests/s >= 10x and p50 <= 1/10, each taken at the worst
 * cell (GET /2/instances?bulk=1 and /2/info, 1 and 10 clients, HTTP and HTTPS; the table
 * printed with the section shows every cell).
 */
export function rapiTargets(r: RapiBenchResult | undefined): Target[] {
  if (r === undefined) return [];
  const pairs = compareRapi(r);
  const rps = pairs.map((p) => p.rpsRatio).filter((x): x is number => x !== undefined);
  const p50 = pairs.map((p) => p.p50Ratio).filter((x): x is number => x !== undefined);
  const basis = (n: number): string =>
    n > 0 ? `worst of ${n} cells (2 resources x 1/10 clients x HTTP/HTTPS)` : `not measured (${r.realNote ?? 'no real ganeti-rapi'})`;
  return [
    target('RAPI: ours / real ganeti-rapi requests/s', rps.length > 0 ? Math.min(...rps) : undefined, '>=', 10, 'x', basis(rps.length)),
    target('RAPI: ours / real ganeti-rapi p50 latency', p50.length > 0 ? Math.max(...p50) : undefined, '<=', 0.1, 'x', basis(p50.length)),
  ];
}
