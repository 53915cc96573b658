// The demo's job scheduling against JQScheduler's rules: max_running_jobs, priorities,
// dependencies, each filter rule action and predicate, and lock waits, on fake timers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleCluster } from '../../src/demo/cluster.js';
import { DemoLuxid } from '../../src/demo/luxid.js';
import { orderRules } from '../../src/demo/scheduler.js';
import type { JobId, OpCode } from '../../src/protocols/luxi/types.js';
import { FakeTimers } from './fake-timers.js';

/** OP_TEST_DELAY on no node: it takes the BGL (shared) only. */
const delay = (seconds: number, extra: Record<string, unknown> = {}): OpCode => ({
  OP_ID: 'OP_TEST_DELAY',
  duration: seconds,
  on_master: false,
  on_nodes: [],
  reason: [],
  ...extra,
});

function setup(t: import('node:test').TestContext, maxRunning?: number): { l: DemoLuxid; clock: FakeTimers } {
  const clock = new FakeTimers();
  const cluster = sampleCluster();
  cluster.filters = [];
  if (maxRunning !== undefined) cluster.info['max_running_jobs'] = maxRunning;
  const l = new DemoLuxid({ timers: clock, opDurationMs: 10, startDelayMs: 10, cluster });
  t.after(() => l.close());
  return { l, clock };
}

const statuses = (l: DemoLuxid, ids: JobId[]) => l.QueryJobs(ids, ['status']).map((r) => r[0]);

test('at most max_running_jobs jobs run; the others stay queued until one ends', (t) => {
  const { l, clock } = setup(t, 2);
  const ids = [1, 2, 3, 4].map(() => l.SubmitJob([delay(1)]));
  clock.advance(10);
  assert.deepEqual(statuses(l, ids), ['running', 'running', 'queued', 'queued']);
  clock.advance(1000);
  assert.deepEqual(statuses(l, ids), ['success', 'success', 'running', 'running']);
});

test('the default max_running_jobs is the cluster value, 20', (t) => {
  const { l, clock } = setup(t);
  const ids = Array.from({ length: 21 }, () => l.SubmitJob([delay(1)]));
  clock.advance(10);
  const st = statuses(l, ids);
  assert.equal(st.filter((s) => s === 'running').length, 20);
  assert.equal(st[20], 'queued');
});

test('queued jobs start by priority, then job id; ChangeJobPriority reorders them', (t) => {
  const { l, clock } = setup(t, 1);
  const first = l.SubmitJob([delay(1)]);
  const low = l.SubmitJob([delay(1)]);
  const high = l.SubmitJob([delay(1, { priority: -10 })]);
  const late = l.SubmitJob([delay(1)]);
  clock.advance(10);
  assert.deepEqual(statuses(l, [first, low, high, late]), ['running', 'queued', 'queued', 'queued']);
  assert.deepEqual(l.ChangeJobPriority(late, -20), [true, `Priorities of pending opcodes for job ${late} have been changed to -20`]);
  clock.advance(1000);
  assert.deepEqual(statuses(l, [first, low, high, late]), ['success', 'queued', 'queued', 'running']);
  clock.advance(1000);
  assert.deepEqual(statuses(l, [low, high]), ['queued', 'running']);
  clock.advance(1000);
  assert.deepEqual(statuses(l, [low]), ['running']);
});

test('a job waits (queued) while a dependency is queued or running, then runs', (t) => {
  const { l, clock } = setup(t);
  const dep = l.SubmitJob([delay(1)]);
  const job = l.SubmitJob([delay(1, { depends: [[-1, ['success']]] })]);
  clock.advance(10);
  assert.deepEqual(statuses(l, [dep, job]), ['running', 'queued']);
  assert.deepEqual(l.QueryJobs([job], ['ops'])[0]?.[0], [
    { ...(l.QueryJobs([job], ['ops'])[0]?.[0] as Record<string, unknown>[])[0], depends: [[dep, ['success']]] },
  ]);
  clock.advance(1000);
  assert.deepEqual(statuses(l, [dep, job]), ['success', 'running']);
  clock.advance(1000);
  assert.deepEqual(statuses(l, [job]), ['success']);
});

test('a dependency in the wrong final status fails the job as the job processor does', (t) => {
  const { l, clock } = setup(t);
  const bad = l.SubmitJob([delay(1, { on_nodes: ['nosuch'] })]);
  const strict = l.SubmitJob([delay(1, { depends: [[bad, ['success']]] })]);
  const any = l.SubmitJob([delay(1, { depends: [[bad, []]] })]);
  const wantsError = l.SubmitJob([delay(1, { depends: [[bad, ['error']]] })]);
  const unknown = l.SubmitJob([delay(1, { depends: [[99999, ['success']]] })]);
  clock.advance(20);
  clock.advance(1000);
  const rows = l.QueryJobs([strict, any, wantsError, unknown], ['status', 'opresult', 'ops']);
  assert.deepEqual(
    rows.map((r) => r.slice(0, 2)),
    [
      ['error', [['OpExecError', [`Dependency job ${bad} finished with status 'error', not one of 'success' as required`]]]],
      ['success', [null]],
      ['success', [null]],
      ['error', [['OpExecError', ['Dependency error: Job 99999 not found']]]],
    ],
  );
  // The LU never ran: no debug_level was filled in.
  assert.equal('debug_level' in ((rows[0]?.[2] as Record<string, unknown>[])[0] ?? {}), false);
});

test('a canceled dependency cancels the job; a job that depends on itself stays queued', (t) => {
  const { l, clock } = setup(t);
  const dep = l.SubmitJob([delay(1)]);
  const job = l.SubmitJob([delay(1, { depends: [[dep, ['success']]] }), delay(1)]);
  const self = l.SubmitJob([delay(1, { depends: [[3, []]] })]);
  assert.deepEqual(l.CancelJob(dep, false), [true, `Dequeued job ${dep}`]);
  clock.advance(20);
  assert.deepEqual(l.QueryJobs([dep, job], ['status', 'opstatus', 'opresult']), [
    ['canceled', ['canceled'], [null]],
    ['canceled', ['canceled', 'canceled'], ['Job canceled by request', 'Job canceled by request']],
  ]);
  clock.advance(10_000);
  assert.deepEqual(statuses(l, [self]), ['queued']);
});

test('REJECT cancels matching queued jobs at once, result null, never started', (t) => {
  const { l, clock } = setup(t);
  l.ReplaceFilter(null, 0, [['opcode', ['=', 'OP_ID', 'OP_TEST_DELAY']]], 'REJECT', []);
  const id = l.SubmitJob([delay(1)]);
  const [row] = l.QueryJobs([id], ['status', 'opstatus', 'opresult', 'opstart', 'start_ts', 'end_ts']);
  assert.deepEqual(row?.slice(0, 5), ['canceled', ['canceled'], [null], [null], null]);
  assert.ok(Array.isArray(row?.[5]));
  // Other opcodes pass.
  const other = l.SubmitJob([{ OP_ID: 'OP_CLUSTER_VERIFY_CONFIG', reason: [] }]);
  clock.advance(20);
  assert.deepEqual(statuses(l, [other]), ['success']);
});

test('a REJECT rule added later cancels jobs already queued', (t) => {
  const { l } = setup(t);
  const id = l.SubmitJob([delay(1)]);
  l.ReplaceFilter(null, 0, [['jobid', ['=', 'id', id]]], 'REJECT', []);
  assert.deepEqual(statuses(l, [id]), ['canceled']);
});

test('PAUSE keeps jobs queued until the rule goes; the watermark spares older jobs', (t) => {
  const { l, clock } = setup(t, 5);
  const old = l.SubmitJob([delay(1)]);
  const uuid = l.ReplaceFilter(null, 0, [['jobid', ['>', 'id', 'watermark']]], 'PAUSE', []);
  const paused = l.SubmitJob([delay(1)]);
  clock.advance(500);
  assert.deepEqual(statuses(l, [old, paused]), ['running', 'queued']);
  assert.equal(l.DeleteFilter(uuid), null);
  assert.deepEqual(statuses(l, [paused]), ['running']);
});

test('ACCEPT at a lower priority value wins over PAUSE; CONTINUE rules are skipped', (t) => {
  const { l, clock } = setup(t);
  l.ReplaceFilter(null, 10, [], 'PAUSE', []);
  l.ReplaceFilter(null, 0, [['reason', ['=', 'reason', 'maintenance']]], 'ACCEPT', []);
  l.ReplaceFilter(null, 0, [], 'CONTINUE', []);
  const maint = l.SubmitJob([delay(1, { reason: [['gnt:user', 'maintenance', 1]] })]);
  const other = l.SubmitJob([delay(1, { reason: [['gnt:user', 'other', 1]] })]);
  clock.advance(20);
  assert.deepEqual(statuses(l, [maint, other]), ['running', 'queued']);
});

test('RATE_LIMIT n lets at most n matching jobs run; others are not counted', (t) => {
  const { l, clock } = setup(t);
  l.ReplaceFilter(null, 0, [['reason', ['=', 'source', 'batch']]], ['RATE_LIMIT', 1], []);
  const a = l.SubmitJob([delay(1, { reason: [['batch', 'x', 1]] })]);
  const b = l.SubmitJob([delay(1, { reason: [['batch', 'x', 1]] })]);
  const c = l.SubmitJob([delay(1)]);
  clock.advance(20);
  assert.deepEqual(statuses(l, [a, b, c]), ['running', 'queued', 'running']);
  clock.advance(1000);
  assert.deepEqual(statuses(l, [a, b]), ['success', 'running']);
});

test('ad-hoc rate-limit reasons limit jobs per bucket', (t) => {
  const { l, clock } = setup(t);
  const bucket = (label: string) => delay(1, { reason: [['gnt:user', label, 1]] });
  const [a, b, c] = [bucket('rate-limit:1:web'), bucket('rate-limit:1:web'), bucket('rate-limit:2:web')].map((ops) => l.SubmitJob([ops]));
  clock.advance(20);
  assert.deepEqual(statuses(l, [a, b, c] as JobId[]), ['running', 'queued', 'running']);
});

test('opcode predicates see the opcode fields but not the common parameters', (t) => {
  const { l, clock } = setup(t);
  l.ReplaceFilter(null, 0, [['opcode', ['=', 'priority', 0]]], 'PAUSE', []);
  l.ReplaceFilter(null, 1, [['opcode', ['&', ['=', 'OP_ID', 'OP_TEST_DELAY'], ['>', 'duration', 5]]]], 'PAUSE', []);
  const short = l.SubmitJob([delay(1)]);
  const long = l.SubmitJob([delay(6)]);
  clock.advance(20);
  assert.deepEqual(statuses(l, [short, long]), ['running', 'queued']);
});

test('jobid and reason predicates use only comparisons; any other operator never matches', (t) => {
  const { l, clock } = setup(t);
  l.ReplaceFilter(null, 0, [['jobid', ['=~', 'id', '.']]], 'PAUSE', []);
  l.ReplaceFilter(null, 0, [['reason', ['|', ['=', 'source', 'x'], ['?', 'reason']]]], 'PAUSE', []);
  l.ReplaceFilter(null, 0, [['jobid', ['!', ['<', 'id', 3]]]], 'PAUSE', []);
  const [a, b, c] = [1, 2, 3].map(() => l.SubmitJob([delay(1)]));
  clock.advance(20);
  assert.deepEqual(statuses(l, [a, b, c] as JobId[]), ['running', 'running', 'queued']);
});

test('rules apply in order of priority, then watermark, then UUID', () => {
  const rule = (uuid: string, priority: number, watermark: number) => ({
    uuid,
    priority,
    watermark,
    predicates: [],
    action: 'ACCEPT',
    reasonTrail: [],
  });
  const order = orderRules([rule('b', 1, 0), rule('c', 0, 5), rule('a', 0, 5), rule('d', 0, 1)]).map((r) => r.uuid);
  assert.deepEqual(order, ['d', 'a', 'c', 'b']);
});

test('the drain flag and the watcher pause keep working with the scheduler', (t) => {
  const { l, clock } = setup(t);
  l.SetDrainFlag(true);
  assert.throws(() => l.SubmitJob([delay(1)]), /Queue drained/);
  const id = l.SubmitJobToDrainedQueue([delay(1)]);
  l.SetDrainFlag(false);
  const until = clock.now() / 1000 + 3600;
  assert.equal(l.SetWatcherPause(until), until);
  clock.advance(20);
  assert.deepEqual(statuses(l, [id]), ['running']);
  assert.deepEqual(l.QueryConfigValues(['drain_flag', 'watcher_pause']), [false, until]);
});

test('a job whose lock another job holds exclusively waits with opstatus waiting, shown as pending', (t) => {
  const { l, clock } = setup(t);
  const onNode2 = () => delay(1, { on_nodes: ['node2'] });
  const a = l.SubmitJob([onNode2()]);
  const b = l.SubmitJob([onNode2()]);
  clock.advance(10);
  const [rowB] = l.QueryJobs([b], ['status', 'opstatus', 'opstart', 'opexec']);
  assert.deepEqual([rowB?.[0], rowB?.[1], rowB?.[3]], ['waiting', ['waiting'], [null]]);
  assert.ok(Array.isArray((rowB?.[2] as unknown[])[0]), 'opstart is set: the job process took the opcode');
  const node2 = 'node/0e6f3a0c-0000-4000-8000-000000000002';
  const locks = l.Query('lock', ['name', 'mode', 'owner', 'pending'], null);
  assert.deepEqual(locks.data, [
    [
      [0, 'cluster/BGL'],
      [0, 'shared'],
      [0, [String(a), String(b)]],
      [0, []],
    ],
    [
      [0, 'cluster/[lockset]'],
      [0, null],
      [0, []],
      [0, []],
    ],
    [
      [0, node2],
      [0, 'exclusive'],
      [0, [String(a)]],
      [0, [['exclusive', [String(b)]]]],
    ],
    [
      [0, 'node/[lockset]'],
      [0, null],
      [0, []],
      [0, []],
    ],
  ]);
  // Comparing a null mode with a string is a type error, in luxid too (Filter.hs binOpFilter).
  assert.throws(() => l.Query('lock', ['name'], ['=', 'mode', 'exclusive']), /Invalid types in comparison/);
  assert.deepEqual(l.Query('lock', ['owner'], ['=', 'name', node2]).data, [[[0, [String(a)]]]]);
  clock.advance(1000);
  assert.deepEqual(statuses(l, [a, b]), ['success', 'running']);
  clock.advance(1000);
  assert.deepEqual(l.Query('lock', ['name'], null).data, []);
});

test('an opcode that needs the BGL exclusively waits for the shared holders', (t) => {
  const { l, clock } = setup(t);
  const a = l.SubmitJob([delay(1)]);
  const b = l.SubmitJob([{ OP_ID: 'OP_CLUSTER_POST_INIT', reason: [] }]);
  clock.advance(10);
  assert.deepEqual(statuses(l, [a, b]), ['running', 'waiting']);
  assert.deepEqual(l.Query('lock', ['name', 'pending'], ['=', 'name', 'cluster/BGL']).data, [
    [
      [0, 'cluster/BGL'],
      [0, [['exclusive', [String(b)]]]],
    ],
  ]);
  assert.deepEqual(l.CancelJob(b, false), [true, 'Job successfully cancelled']);
  assert.deepEqual(l.QueryJobs([b], ['status', 'opresult']), [['canceled', ['Job canceled by request']]]);
});

test('QueryFields lock gives luxid field definitions; Query lock with no jobs is empty', (t) => {
  const { l } = setup(t);
  assert.deepEqual(l.QueryFields('lock', null).fields, [
    { name: 'mode', title: 'Mode', kind: 'other', doc: 'Mode in which the lock is currently acquired (exclusive or shared)' },
    { name: 'name', title: 'Name', kind: 'other', doc: 'Lock name' },
    { name: 'owner', title: 'Owner', kind: 'other', doc: 'Current lock owner(s)' },
    { name: 'pending', title: 'Pending', kind: 'other', doc: 'Jobs waiting for the lock' },
  ]);
  assert.deepEqual(l.Query('lock', ['name', 'mode', 'owner', 'pending'], null).data, []);
});
