import assert from 'node:assert/strict';
import test from 'node:test';
import { countEtx, etxSplitter, largePayload, smallRequest } from '../../bench/lib/etx.js';
import {
  evaluateTargets,
  markdownReport,
  peersLargeLines,
  peersLargeTable,
  sizeChart,
  textReport,
  throughputChart,
  type Results,
} from '../../bench/report.js';
import type { IdleRow, LargeRow, PeerLargeRow, Row } from '../../bench/scenarios.js';

// The benchmark's own logic (targets, reports, the reference framer) is pure code; these
// pin it so a report cannot say PASS for a figure that misses its goal.

function row(group: string, label: string, ratio: number): Row {
  return {
    group,
    title: group,
    label,
    server: label,
    client: 'c',
    ref: 'raw Node',
    samples: [1],
    median: 1,
    ratio,
    ratioMin: ratio,
    ratioMax: ratio,
  };
}

const MiB = 1 << 20;
const large: LargeRow[] = [
  { bytes: MiB, oursMs: 10, refMs: 5, refServer: 'c', ratio: 2, oursPeakGrowth: 3 * MiB, refPeakGrowth: MiB },
  { bytes: 16 * MiB, oursMs: 200, refMs: 90, refServer: 'c', ratio: 2.2, oursPeakGrowth: 60 * MiB, refPeakGrowth: MiB },
  { bytes: 32 * MiB, oursMs: 500, refMs: 150, refServer: 'c', ratio: 3.3, oursPeakGrowth: 160 * MiB, refPeakGrowth: MiB },
];
const idle: IdleRow[] = [{ server: 'ours', conns: 100, rssBefore: 0, rssAfter: 100 * 8192, perConnection: 8192 }];

test('each target passes or fails on its measured figure, and is skipped when not measured', () => {
  const rows = [row('server-seq-c', 'ours', 0.95), row('client-seq', 'ours', 0.7), row('peers-seq', 'json-rpc-2.0', 0.25)];
  const targets = new Map(evaluateTargets(rows, large, idle).map((t) => [t.name, t]));
  assert.equal(targets.get('server, small messages, vs raw Node server')?.pass, true);
  assert.equal(targets.get('client, small messages, vs raw Node client')?.pass, false);
  assert.equal(targets.get('server, pipelined depth 64, vs raw Node server')?.pass, undefined);
  assert.equal(targets.get('32 MiB echo round trip, ours vs minimal JSON client + C server')?.pass, false);
  assert.equal(targets.get("32 MiB echo, our server's peak RSS growth / message size")?.value, 5);
  assert.equal(targets.get("32 MiB echo, our server's peak RSS growth / message size")?.pass, true);
  // 200 ms / 16 MiB against 10 ms / 1 MiB: 1.25x per byte.
  assert.equal(targets.get('linear scaling: time per byte at 16 MiB / at 1 MiB')?.value, 1.25);
  assert.equal(targets.get('memory per idle connection (KiB)')?.value, 8);
  // ours / json-rpc-2.0 = 1 / 0.25.
  assert.equal(targets.get('ours vs json-rpc-2.0, small messages, sequential')?.value, 4);
  assert.equal(targets.get('ours vs json-rpc-2.0, small messages, sequential')?.pass, true);
});

test('the Markdown report and the charts carry the figures', () => {
  const rows = [row('server-seq-c', 'ours', 0.95), row('server-seq-c', 'raw Node', 1)];
  const results: Results = {
    startedAt: '2026-11-25T00:00:00Z',
    quick: true,
    machine: { cpus: 2, node: 'v20', pinned: true, cc: true },
    notes: ['a note'],
    rows,
    large,
    idle,
    targets: evaluateTargets(rows, large, idle),
    elapsedSeconds: 1,
  };
  const md = markdownReport(results, { throughput: 'charts/t.svg', sizes: 'charts/s.svg' });
  assert.match(md, /\| PASS \| server, small messages, vs raw Node server \| 0\.95 \|/);
  assert.match(md, /a note/);
  for (const svg of [throughputChart(results), sizeChart(results)]) {
    assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /<\/svg>\s*$/);
  }
});

const peersLarge: PeerLargeRow[] = [
  { bytes: MiB, label: 'ours', kind: 'ours', ms: 20, calls: 10, ratio: 1 },
  { bytes: MiB, label: 'jayson', kind: 'jayson', ms: 100, calls: 10, ratio: 5 },
  { bytes: MiB, label: 'node-ipc', kind: 'nodeipc', ms: 30, calls: 10, ratio: 1.5 },
  { bytes: 4 * MiB, label: 'ours', kind: 'ours', ms: 80, calls: 5, ratio: 1 },
  { bytes: 4 * MiB, label: 'jayson', kind: 'jayson', ms: NaN, calls: 0, ratio: NaN, note: 'skipped: a call took over 10 s' },
  { bytes: 4 * MiB, label: 'node-ipc', kind: 'nodeipc', ms: NaN, calls: 0, ratio: NaN, note: 'error: server exited' },
];

test('the peers-large table has a row per size, a column per library, and says which pairs are missing', () => {
  assert.deepEqual(peersLargeTable(peersLarge), [
    ['size', 'ours ms', 'jayson ms', 'node-ipc ms'],
    ['1 MiB', '20.0', '100.0 (5.00x)', '30.0 (1.50x)'],
    ['4 MiB', '80.0', 'skipped', 'error'],
  ]);
  assert.deepEqual(peersLargeLines(peersLarge), [
    'ours vs jayson at 4 MiB: not measured (skipped: a call took over 10 s)',
    'ours vs node-ipc at 4 MiB: not measured (error: server exited)',
  ]);
  assert.deepEqual(peersLargeLines(peersLarge.slice(0, 3)), [
    'ours vs jayson at 1 MiB: 5.00x (its time / ours)',
    'ours vs node-ipc at 1 MiB: 1.50x (its time / ours)',
  ]);
  assert.deepEqual(peersLargeTable([]), [['size']]);
  assert.deepEqual(peersLargeLines([]), []);
});

test('the reports carry the peers-large table and leave it out when it was not measured', () => {
  const results: Results = {
    startedAt: '2026-11-25T00:00:00Z',
    quick: false,
    machine: { cpus: 2, node: 'v20', pinned: true, cc: true },
    notes: [],
    rows: [],
    large: [],
    peersLarge,
    idle: [],
    targets: evaluateTargets([], [], []),
    elapsedSeconds: 1,
  };
  const md = markdownReport(results, { throughput: 't.svg', sizes: 's.svg' });
  assert.match(md, /## Peers on large messages\n/);
  assert.match(
    md,
    /\| size \| ours ms \| jayson ms \| node-ipc ms \|\n\|---\|---:\|---:\|---:\|\n\| 1 MiB \| 20\.0 \| 100\.0 \(5\.00x\) \|/,
  );
  assert.match(textReport(results), /Peers on large messages/);
  assert.match(textReport(results), /info: ours vs jayson at 4 MiB: not measured/);
  // No new target: the twelve stay twelve.
  assert.equal(results.targets.length, 12);
  const without = { ...results, peersLarge: [] };
  assert.doesNotMatch(markdownReport(without, { throughput: 't.svg', sizes: 's.svg' }), /Peers on large/);
  assert.doesNotMatch(textReport(without), /Peers on large/);
});

test('the reference framer splits on 0x03 across chunks like the library does', () => {
  const got: string[] = [];
  const push = etxSplitter((m) => got.push(m.toString()));
  const wire = Buffer.from(smallRequest(100) + smallRequest(20)); // each ends with its 0x03
  for (let i = 0; i < wire.length; i += 7) push(wire.subarray(i, i + 7));
  assert.equal(got.length, 2);
  assert.equal(got[0], smallRequest(100).slice(0, -1));
  assert.equal(countEtx(wire), 2);
  const payload = largePayload(64 * 1024);
  assert.ok(JSON.stringify(payload).length >= 64 * 1024 * 0.9);
});
