import assert from 'node:assert/strict';
import test from 'node:test';
import { countEtx, etxSplitter, largePayload, smallRequest } from '../../bench/lib/etx.js';
import {
  evaluateTargets,
  machineLine,
  markdownReport,
  peersLargeLines,
  peersLargeTable,
  sizeChart,
  textReport,
  marginalPerByte,
  throughputChart,
  worstPerByte,
  type Results,
} from '../../bench/report.js';
import type { BurstRow, IdleRow, LargeRow, LostAnswersRow, PeerLargeRow, Row } from '../../bench/scenarios.js';

// The benchmark's own logic (targets, reports, the reference framer) is pure code; these
// pin it so a report cannot say PASS for a figure that misses its goal.

function row(group: string, label: string, ratio: number): Row {
  return {
    group,
    title: group,
    label,
    server: label,
    client: 'c',
    ref: 'bare JSON',
    samples: [1],
    median: 1,
    ratio,
    ratioMin: ratio,
    ratioMax: ratio,
    cpuOf: 'server',
    cpuUs: 2,
    cpuRatio: ratio,
  };
}

const MiB = 1 << 20;
const large: LargeRow[] = [
  { bytes: MiB, oursMs: 10, refMs: 5, refServer: 'c', ratio: 2, oursPeakGrowth: 3 * MiB, refPeakGrowth: MiB },
  { bytes: 16 * MiB, oursMs: 200, refMs: 90, refServer: 'c', ratio: 2.2, oursPeakGrowth: 60 * MiB, refPeakGrowth: MiB },
  { bytes: 32 * MiB, oursMs: 500, refMs: 150, refServer: 'c', ratio: 3.3, oursPeakGrowth: 160 * MiB, refPeakGrowth: MiB },
];
const idle: IdleRow[] = [{ server: 'ours', conns: 100, rssBefore: 0, rssAfter: 100 * 8192, perConnection: 8192 }];

const burst: BurstRow[] = [
  { via: 'raw', server: 'ours-defaults', conns: 5000, connected: 4204, answered: 4204, failures: { EAGAIN: 796 } },
  { via: 'client', server: 'ours-defaults', conns: 5000, connected: 5000, answered: 5000, failures: {} },
];
const lostAnswers: LostAnswersRow = {
  frames: 50_000,
  seed: 13,
  connections: 1000,
  owed: 25_000,
  lost: 42,
  wrong: 0,
  extra: 0,
  stuck: 0,
  socketErrors: { EPIPE: 30 },
  byKind: { 'invalid JSON': { connections: 500, owed: 12_000, lost: 40, errorTexts: 498 } },
  ms: 1000,
};

test("issue 13's targets pass or fail on their figures against bare JSON, and are skipped when not measured", () => {
  const rows = [
    row('server-seq-c', 'ours', 0.96),
    row('server-conns', 'ours', 0.87),
    row('client-seq', 'ours', 0.7),
    row('peers-seq', 'json-rpc-2.0', 0.25),
  ];
  const list = evaluateTargets(rows, large, idle, undefined, { burst, lostAnswers });
  const targets = new Map(list.map((t) => [t.name, t]));
  const get = (name: string) => {
    const t = targets.get(name);
    assert.ok(t, `target ${name}`);
    return t;
  };
  assert.equal(get('server, sequential, ours / bare JSON server').pass, true);
  assert.equal(get('server, sequential, ours / bare JSON server').goal, '>= 0.95x');
  assert.match(
    get('server, sequential, ours / bare JSON server').basis,
    /C client, both on one CPU; rounds 0\.96\.\.0\.96; server CPU per round trip 0\.96x/,
  );
  assert.equal(get('server, pipelined x64, ours / bare JSON server').pass, undefined);
  assert.equal(get('server, 64 connections, ours / bare JSON server').pass, false);
  assert.equal(get('client, sequential, ours / bare JSON client').pass, false);
  assert.equal(get('client, sequential, ours / bare JSON client').goal, '>= 0.92x');
  assert.equal(get('32 MiB echo, ours (client + server) / bare JSON client + C server').pass, false);
  assert.equal(get("32 MiB echo, our server's peak RSS growth / message size").value, 5);
  assert.equal(get("32 MiB echo, our server's peak RSS growth / message size").pass, true);
  // 500 ms / 32 MiB against 10 ms / 1 MiB is the worst: 1.5625x per byte (16 MiB: 1.25x).
  assert.equal(get('linear time: time per byte, worst size up to 32 MiB / at 1 MiB').value, 1.5625);
  assert.match(get('linear time: time per byte, worst size up to 32 MiB / at 1 MiB').basis, /worst at 32 MiB/);
  // (160 - 60) MiB / 16 MiB against (60 - 3) MiB / 15 MiB.
  const memory = get("linear memory: server's peak RSS growth per added byte, 16-32 MiB / 1-16 MiB");
  assert.equal(memory.value, 100 / 16 / (57 / 15));
  assert.equal(memory.pass, false);
  const lost = get('answers lost in a 50,000-frame fuzz run');
  assert.deepEqual([lost.pass, lost.shown, lost.goal], [false, '42 of 25000', '<= 0']);
  const raw = get('connect burst: raw connects accepted and answered');
  assert.deepEqual([raw.pass, raw.shown, raw.goal], [false, '4204 of 5000', '>= 5,000']);
  assert.match(raw.basis, /EAGAIN 796/);
  assert.equal(get('connect burst: connectClient calls accepted and answered').pass, true);
  assert.equal(get('memory per idle connection (KiB)').value, 8);
  // ours / json-rpc-2.0 = 1 / 0.25.
  assert.equal(get('ours vs json-rpc-2.0, small messages, sequential').value, 4);
  assert.equal(get('ours vs json-rpc-2.0, small messages, sequential').pass, true);
  // The eleven come first; the earlier guards follow.
  assert.deepEqual(
    list.map((t) => t.headline),
    [...Array<boolean>(11).fill(true), ...Array<boolean>(5).fill(false)],
  );
  const none = new Map(evaluateTargets([], [], []).map((t) => [t.name, t]));
  assert.equal(none.get('answers lost in a 50,000-frame fuzz run')?.pass, undefined);
  assert.equal(none.get('connect burst: raw connects accepted and answered')?.pass, undefined);
  assert.equal(none.get("linear memory: server's peak RSS growth per added byte, top sizes / the sizes below")?.pass, undefined);
});

test('the marginal linearity compares the growth per added byte of the top two sizes with the two below', () => {
  const g = (bytes: number, growth: number): LargeRow => ({ ...(large[0] as LargeRow), bytes, oursPeakGrowth: growth });
  // A fixed 30 MiB plus 5 bytes per byte is linear, whatever the multiple at 1 MiB (35x).
  const linear = [1, 4, 16, 32].map((m) => g(m * MiB, 30 * MiB + 5 * m * MiB));
  assert.equal(marginalPerByte(linear, (l) => l.oursPeakGrowth)?.ratio, 1);
  // Growth with the square of the size: (32^2 - 16^2) / 16 over (16^2 - 4^2) / 12.
  const square = [1, 4, 16, 32].map((m) => g(m * MiB, m * m * MiB));
  assert.equal(marginalPerByte(square, (l) => l.oursPeakGrowth)?.ratio, 48 / 20);
  assert.deepEqual(marginalPerByte(square, (l) => l.oursPeakGrowth)?.upper, [16 * MiB, 32 * MiB]);
  assert.equal(
    marginalPerByte(square.slice(0, 2), (l) => l.oursPeakGrowth),
    undefined,
  );
});

test('the per-byte time linearity is the worst size above 1 MiB against 1 MiB, and needs both', () => {
  assert.deepEqual(
    worstPerByte(large, (l) => l.oursMs),
    { ratio: 1.5625, at: 32 * MiB },
  );
  assert.equal(
    worstPerByte(
      large.filter((l) => l.bytes !== MiB),
      (l) => l.oursMs,
    ),
    undefined,
  );
  assert.equal(
    worstPerByte(
      large.filter((l) => l.bytes === MiB),
      (l) => l.oursMs,
    ),
    undefined,
  );
});

test('the Markdown report and the charts carry the figures', () => {
  const rows = [row('server-seq-c', 'ours', 0.95), row('server-seq-c', 'bare JSON', 1)];
  const results: Results = {
    startedAt: '2026-11-25T00:00:00Z',
    quick: true,
    machine: { cpus: 2, node: 'v20', pinned: true, cc: true },
    notes: ['a note'],
    rows,
    large,
    idle,
    burst,
    lostAnswers,
    targets: evaluateTargets(rows, large, idle, undefined, { burst, lostAnswers }),
    elapsedSeconds: 1,
  };
  const md = markdownReport(results, { throughput: 'charts/t.svg', sizes: 'charts/s.svg' });
  assert.match(md, /## Targets \(issue 13\)\n/);
  assert.match(md, /\| PASS \| server, sequential, ours \/ bare JSON server \| 0\.95 \| >= 0\.95x \|/);
  assert.match(md, /\| FAIL \| answers lost in a 50,000-frame fuzz run \| 42 of 25000 \| <= 0 \|/);
  assert.match(md, /## Other targets\n/);
  assert.match(md, /## Connect burst\n[^#]*\| raw net\.connect, no retry \| 5000 \| 4204 \| 4204 \| EAGAIN 796 \|/);
  assert.match(md, /## Lost answers\n[^#]*\*\*Lost 42 of 25000\*\*[^#]*\| invalid JSON \| 500 \| 12000 \| 40 \| 498 of 500 \|/);
  assert.match(md, /Node v20, 2 CPUs/);
  assert.match(md, /a note/);
  const text = textReport(results);
  assert.equal(text.split('\n')[0], machineLine(results));
  assert.match(machineLine(results), /^Node v20, 2 CPUs, sequential groups pinned to one CPU \(taskset\), C references compiled, --quick$/);
  assert.match(text, /Targets \(issue 13\)\nPASS +server, sequential, ours \/ bare JSON server +0\.95 +>= 0\.95x/);
  assert.match(text, /FAIL +connect burst: raw connects accepted and answered +4204 of 5000 +>= 5,000/);
  assert.match(text, /Lost answers \(fuzz: 50000 frames, 1000 connections, seed 13\): lost 42 of 25000/);
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
  // The peers-large table adds no target: eleven of issue 13 and five earlier ones.
  assert.equal(results.targets.length, 16);
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
