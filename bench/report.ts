/**
 * Turns measurements into the report: the target checks (each pass/fail), the stdout
 * table, the Markdown summary and the two SVG charts. Pure functions over results.
 */
import { median } from './lib/proc.js';
import { barChart, logLogChart, type Bar } from './svg.js';
import type { BigClusterResult } from './big-cluster.js';
import { formatBytes, type IdleRow, type LargeRow, type PeerLargeRow, type Row } from './scenarios.js';

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
  /** Query of 10,000 instances, demo vs real luxid (absent in older results or when not run). */
  bigCluster?: BigClusterResult;
  targets: Target[];
  elapsedSeconds: number;
}

/** One goal of the issue, checked against this run. */
export interface Target {
  name: string;
  /** The measured figure, in the unit of `goal`. */
  value: number;
  goal: string;
  pass: boolean | undefined;
  basis: string;
}

function row(rows: readonly Row[], group: string, label: string): Row | undefined {
  return rows.find((r) => r.group === group && r.label === label && r.samples.length > 0);
}

function target(name: string, value: number | undefined, op: '>=' | '<=', limit: number, unit: string, basis: string): Target {
  const v = value ?? NaN;
  const pass = Number.isFinite(v) ? (op === '>=' ? v >= limit : v <= limit) : undefined;
  return { name, value: v, goal: `${op} ${limit}${unit}`, pass, basis };
}

/** Evaluates the issue's targets; a target whose inputs were not measured has pass `undefined`. */
export function evaluateTargets(
  rows: readonly Row[],
  large: readonly LargeRow[],
  idle: readonly IdleRow[],
  big?: BigClusterResult,
): Target[] {
  const t: Target[] = [];
  const serverSmall = row(rows, 'server-seq-c', 'ours') ?? row(rows, 'server-seq-node', 'ours');
  t.push(
    target('server, small messages, vs raw Node server', serverSmall?.ratio, '>=', 0.9, 'x', `${serverSmall?.title ?? 'not measured'}`),
  );
  const clientSmall = row(rows, 'client-seq', 'ours');
  t.push(target('client, small messages, vs raw Node client', clientSmall?.ratio, '>=', 0.9, 'x', clientSmall?.title ?? 'not measured'));
  const pipe = row(rows, 'server-pipe', 'ours');
  t.push(target('server, pipelined depth 64, vs raw Node server', pipe?.ratio, '>=', 0.5, 'x', pipe?.title ?? 'not measured'));
  const conns = row(rows, 'server-conns', 'ours');
  t.push(target('server, 64 connections, vs raw Node server', conns?.ratio, '>=', 0.8, 'x', conns?.title ?? 'not measured'));
  const l32 = large.find((l) => l.bytes === 32 << 20);
  t.push(
    target('32 MiB echo round trip, ours vs minimal JSON client + C server', l32?.ratio, '<=', 3, 'x', 'time ratio (lower is better)'),
  );
  t.push(
    target(
      "32 MiB echo, our server's peak RSS growth / message size",
      l32 ? l32.oursPeakGrowth / l32.bytes : undefined,
      '<=',
      6,
      'x',
      'VmHWM after clear_refs',
    ),
  );
  const l1 = large.find((l) => l.bytes === 1 << 20);
  const l16 = large.find((l) => l.bytes === 16 << 20);
  const linear = l1 && l16 ? l16.oursMs / l16.bytes / (l1.oursMs / l1.bytes) : undefined;
  t.push(target('linear scaling: time per byte at 16 MiB / at 1 MiB', linear, '<=', 2, 'x', 'our client + our server'));
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

/** The plain-text report printed on stdout. */
export function textReport(r: Results): string {
  const out: string[] = [];
  const table: string[][] = [['scenario / variant', 'rt/s (median)', 'ratio', 'min..max', 'vs']];
  let group = '';
  for (const x of r.rows) {
    if (x.title !== group) {
      group = x.title;
      table.push([x.title, '', '', '', '']);
    }
    table.push([`  ${x.label}`, x.error ? `error` : fmt(x.median, 0), fmt(x.ratio), `${fmt(x.ratioMin)}..${fmt(x.ratioMax)}`, x.ref]);
  }
  out.push(pad(table));
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
  out.push('', 'Targets');
  out.push(pad(r.targets.map((t) => [verdict(t.pass), t.name, fmt(t.value), t.goal, t.basis])));
  for (const n of r.notes) out.push(`note: ${n}`);
  return out.join('\n') + '\n';
}

/** The committed Markdown summary of a run. */
export function markdownReport(r: Results, chartPaths: { throughput: string; sizes: string }): string {
  const lines: string[] = [
    '# Benchmark results',
    '',
    `Run of \`npm run bench${r.quick ? ' -- --quick' : ''}\` on ${r.startedAt.slice(0, 10)}: ${r.machine.cpus} CPUs, Node ${r.machine.node}, ` +
      `${r.machine.pinned ? 'sequential groups pinned to one CPU (taskset)' : 'no CPU pinning'}, C references ${r.machine.cc ? 'compiled' : 'missing'}; ` +
      `${Math.round(r.elapsedSeconds)} s. Figures are medians over alternating rounds; ratios compare runs made moments apart. ` +
      'The machine is a noisy VM: read the ratios, not the absolute numbers.',
    '',
    '## Targets',
    '',
    '| result | target | measured | goal | basis |',
    '|---|---|---:|---|---|',
    ...r.targets.map((t) => `| ${verdict(t.pass)} | ${t.name} | ${fmt(t.value)} | ${t.goal} | ${t.basis} |`),
    '',
    '## Throughput (round trips per second, ~100-byte messages)',
    '',
    `![throughput by scenario](${chartPaths.throughput})`,
    '',
    '| scenario | variant | rt/s | ratio | min..max | reference |',
    '|---|---|---:|---:|---:|---|',
    ...r.rows.map(
      (x) =>
        `| ${x.title} | ${x.label} | ${x.error ? 'error' : fmt(x.median, 0)} | ${fmt(x.ratio)} | ${fmt(x.ratioMin)}..${fmt(x.ratioMax)} | ${x.ref} |`,
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
  ];
  if (r.notes.length > 0) lines.push('## Notes', '', ...r.notes.map((n) => `* ${n}`), '');
  return lines.join('\n');
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
      { name: `minimal JSON + ${refServer === 'c' ? 'C' : 'raw Node'}`, points: r.large.map((l) => [l.bytes, l.refMs] as const) },
    ],
    (x) => formatBytes(x),
    (y) => (y >= 1 ? String(y) : y.toString()),
  );
}
