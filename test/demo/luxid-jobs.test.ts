import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DemoLuxid } from '../../src/demo/luxid.js';
import { GenericError, JobLost } from '../../src/errors.js';
import { LuxiParseError } from '../../src/protocols/luxi/decode.js';
import type { OpCode } from '../../src/protocols/luxi/types.js';
import { decodeJson, encodeJson } from '../../src/codec.js';
import { FakeTimers } from './fake-timers.js';
import { opSummary } from '../../src/demo/fields-job.js';

const delay = (extra: Record<string, unknown> = {}): OpCode => ({ OP_ID: 'OP_TEST_DELAY', duration: 0.5, reason: [], ...extra });
const verifyConfig: OpCode = { OP_ID: 'OP_CLUSTER_VERIFY_CONFIG', reason: [] };

function setup(t: import('node:test').TestContext): { l: DemoLuxid; clock: FakeTimers } {
  const clock = new FakeTimers();
  const l = new DemoLuxid({ timers: clock, opDurationMs: 10, startDelayMs: 10 });
  t.after(() => l.close());
  return { l, clock };
}

test('a job moves queued -> running -> success with logs, results and timestamps', (t) => {
  const { l, clock } = setup(t);
  const id = l.SubmitJob([delay(), verifyConfig]);
  assert.equal(id, 1);
  assert.deepEqual(l.QueryJobs([id], ['id', 'status']), [[1, 'queued']]);
  clock.advance(10);
  assert.deepEqual(l.QueryJobs([id], ['status', 'opstatus']), [['running', ['running', 'queued']]]);
  clock.advance(500);
  clock.advance(10);
  const [row] = l.QueryJobs([id], ['status', 'opstatus', 'opresult', 'oplog', 'summary', 'start_ts', 'end_ts', 'priority']);
  assert.ok(row);
  assert.deepEqual(row.slice(0, 3), ['success', ['success', 'success'], [null, true]]);
  // OP_TEST_DELAY logs nothing (as in Ganeti); LUClusterVerifyConfig logs what it verifies.
  const [delayLog, verifyLog] = row[3] as unknown[][][];
  assert.deepEqual(delayLog, []);
  assert.ok(verifyLog && verifyLog.length > 0);
  assert.deepEqual(
    verifyLog.map((e) => e[0]),
    verifyLog.map((_e, i) => i + 1),
    'serials count from 1 across the job',
  );
  assert.equal(verifyLog[0]?.[2], 'message');
  assert.equal(verifyLog[0]?.[3], '* Verifying cluster config');
  assert.ok(Array.isArray(verifyLog[0]?.[1]) && (verifyLog[0]?.[1] as unknown[]).length === 2);
  assert.deepEqual(row[4], ['TEST_DELAY(0.5)', 'CLUSTER_VERIFY_CONFIG']);
  assert.ok(Array.isArray(row[5]) && Array.isArray(row[6]));
  assert.equal(row[7], 0);
  assert.equal(clock.pending, 0);
});

test('a failing opcode ends the job in error, fails the rest and changes nothing', (t) => {
  const { l, clock } = setup(t);
  const before = structuredClone(l.cluster);
  // The first opcode succeeds, the second fails its prerequisites, the third never runs.
  const tag = { OP_ID: 'OP_TAGS_SET', kind: 'cluster', tags: ['fresh'], reason: [] };
  const job = l.SubmitJob([tag, { OP_ID: 'OP_INSTANCE_STARTUP', instance_name: 'nosuch', reason: [] }, tag]);
  clock.advance(100);
  assert.deepEqual(l.QueryJobs([job], ['status', 'opstatus', 'opresult']), [
    [
      'error',
      ['success', 'error', 'error'],
      [null, ['OpPrereqError', ["Instance 'nosuch' not known", 'unknown_entity']], ['OpExecError', ['Preceding opcode failed']]],
    ],
  ]);
  assert.deepEqual(l.QueryTags('cluster', ''), [...before.info.tags, 'fresh'].sort());
  // A dry run checks and changes nothing.
  const dry = l.SubmitJob([{ ...tag, tags: ['dry'], dry_run: true }]);
  clock.advance(100);
  assert.deepEqual(l.QueryJobs([dry], ['status', 'opresult']), [['success', [null]]]);
  assert.ok(!l.QueryTags('cluster', '').includes('dry'));
  // An unknown OP_ID never becomes a job: luxid refuses it at submit.
  assert.throws(() => l.SubmitJob([{ OP_ID: 'OP_NO_SUCH_THING', reason: [] }]), /Unknown opcode OP_NO_SUCH_THING/);
});

test('the OP_TEST_DELAY summary shows the duration as Haskell shows a Double', () => {
  const cases: Array<[number, string]> = [
    [0.1, '0.1'],
    [5, '5.0'],
    [3.25, '3.25'],
    [0.05, '5.0e-2'],
    [-1, '-1.0'],
    [0, '0.0'],
    [1e7, '1.0e7'],
    [12345678.9, '1.23456789e7'],
    [9999999, '9999999.0'],
  ];
  for (const [d, shown] of cases) assert.equal(opSummary({ OP_ID: 'OP_TEST_DELAY', duration: d }), `TEST_DELAY(${shown})`);
  assert.equal(opSummary({ OP_ID: 'OP_INSTANCE_STARTUP', instance_name: 'web1' }), 'INSTANCE_STARTUP(web1)');
});

test('OP_TEST_DELAY with a duration <= 0 fails with OpPrereqError before it runs, logging nothing', (t) => {
  const { l, clock } = setup(t);
  const a = l.SubmitJob([delay({ duration: -1 }), delay()]);
  const b = l.SubmitJob([delay({ duration: 0 })]);
  clock.advance(10);
  const rows = l.QueryJobs([a, b], ['status', 'opstatus', 'opresult', 'oplog', 'opexec']);
  assert.deepEqual(rows[0], [
    'error',
    ['error', 'error'],
    [
      ['OpPrereqError', ['Duration must be greater than zero']],
      ['OpExecError', ['Preceding opcode failed']],
    ],
    [[], []],
    [null, null],
  ]);
  assert.deepEqual(rows[1]?.slice(0, 3), ['error', ['error'], [['OpPrereqError', ['Duration must be greater than zero']]]]);
  assert.equal(clock.pending, 0);
});

test('opcodes are stored as luxid parses them, and the LU fills debug_level and on_node_uuids', (t) => {
  const { l, clock } = setup(t);
  const sent = {
    OP_ID: 'OP_TEST_DELAY',
    duration: 0.5,
    dry_run: null,
    debug_level: null,
    priority: 0,
    depends: null,
    comment: null,
    reason: [],
    on_master: false,
    on_nodes: [],
    on_node_uuids: null,
    repeat: 0,
    interruptible: false,
    no_locks: true,
  };
  const id = l.SubmitJob([sent, { OP_ID: 'OP_TEST_DELAY', duration: 0.5, on_nodes: ['node2'], reason: [] }]);
  const stored = () => l.QueryJobs([id], ['ops'])[0]?.[0] as Array<Record<string, unknown>>;
  const { dry_run: _d, debug_level: _l, on_node_uuids: _u, ...kept } = sent;
  assert.deepEqual({ ...stored()[0], reason: [] }, kept);
  assert.deepEqual(stored()[1], {
    OP_ID: 'OP_TEST_DELAY',
    duration: 0.5,
    on_nodes: ['node2'],
    reason: stored()[1]?.['reason'],
    priority: 0,
    depends: null,
    comment: null,
    on_master: true,
    repeat: 0,
    interruptible: false,
    no_locks: true,
  });
  clock.advance(10);
  assert.deepEqual({ ...stored()[0], reason: [] }, { ...kept, reason: [], debug_level: 0, on_node_uuids: [] });
  clock.advance(510);
  const second = stored()[1] ?? {};
  const uuidOf = (name: string) => l.Query('node', ['uuid'], ['=', 'name', name]).data[0]?.[0]?.[1];
  assert.deepEqual(
    [second['debug_level'], second['on_nodes'], second['on_node_uuids']],
    [0, ['node2.example.com'], [uuidOf('node2.example.com'), uuidOf('node1.example.com')]],
  );
  const bad = l.SubmitJob([{ OP_ID: 'OP_TEST_DELAY', duration: 1, on_nodes: ['nosuch'], reason: [] }]);
  clock.advance(10);
  // cmdlib/common.py _ExpandItemName.
  assert.deepEqual(l.QueryJobs([bad], ['status', 'opresult']), [
    ['error', [['OpPrereqError', ["Node 'nosuch' not known", 'unknown_entity']]]],
  ]);
});

test('ops without a string OP_ID are refused as parse errors', (t) => {
  const { l } = setup(t);
  assert.throws(() => l.SubmitJob([{ foo: 1, reason: [] } as unknown as OpCode]), LuxiParseError);
  assert.throws(() => l.SubmitManyJobs([[delay()], [{ OP_ID: 5, reason: [] } as unknown as OpCode]]), LuxiParseError);
  assert.deepEqual(l.QueryJobs(null, ['id']), []);
});

test('the drain flag stops SubmitJob and SubmitManyJobs but not SubmitJobToDrainedQueue', (t) => {
  const { l } = setup(t);
  assert.equal(l.SetDrainFlag(true), true);
  assert.throws(
    () => l.SubmitJob([delay()]),
    (e: unknown) => e instanceof GenericError && e.message === 'Queue drained',
  );
  assert.throws(() => l.SubmitManyJobs([[delay()]]), /Queue drained/);
  assert.equal(l.SubmitJobToDrainedQueue([delay()]), 1);
  l.SetDrainFlag(false);
  assert.deepEqual(l.SubmitManyJobs([[delay()], [delay()]]), [
    [true, 2],
    [true, 3],
  ]);
});

test('QueryJobs gives a row of nulls for an unknown job and lists all jobs for null', (t) => {
  const { l } = setup(t);
  assert.deepEqual(l.QueryJobs([987654], ['id', 'status']), [[987654, null]]);
  l.SubmitJob([delay()]);
  l.SubmitJob([delay()]);
  assert.deepEqual(l.QueryJobs(null, ['id']), [[1], [2]]);
  assert.deepEqual(l.Query('job', ['id', 'status'], ['==', 'status', 'queued']).data.length, 2);
});

test('19-digit reason timestamps survive submit, query and the JSON codec exactly', (t) => {
  const { l } = setup(t);
  const ns = 1795548371267646000n;
  const wire = decodeJson(Buffer.from(`[{"OP_ID":"OP_TEST_DELAY","duration":0,"reason":[["hbal","called",${ns}]]}]`));
  const id = l.SubmitJob(wire as OpCode[]);
  const ops = l.QueryJobs([id], ['ops'])[0]?.[0] as Array<{ reason: unknown[][] }>;
  const reason = ops[0]?.reason;
  assert.equal(reason?.[0]?.[2], ns);
  assert.equal(typeof reason?.[1]?.[2], 'bigint');
  assert.match(encodeJson(ops).toString(), /1795548371267646000/);
});

test('WaitForJobChange answers a change at once, waits for the next one, and returns prev on timeout', async (t) => {
  const { l, clock } = setup(t);
  await assert.rejects(
    l.WaitForJobChange(99, ['status'], null, null, 10),
    (e: unknown) => e instanceof JobLost && e.message === "Can't load job file",
  );
  const id = l.SubmitJob([verifyConfig, delay({ duration: 5 })]);
  const first = await l.WaitForJobChange(id, ['status'], null, null, 10);
  assert.deepEqual(first, [['queued'], []]);
  const waiting = l.WaitForJobChange(id, ['status'], ['queued'], null, 10);
  clock.advance(10);
  const second = await waiting;
  assert.deepEqual(second[0], ['running']);
  // The opcode's log so far, from serial 1.
  assert.ok(second[1].length >= 1);
  assert.equal(second[1][0]?.[0], 1);
  const lastSerial = second[1].at(-1)?.[0] as number;
  const quiet = l.WaitForJobChange(id, ['status'], ['running'], lastSerial, 1);
  clock.advance(1000);
  assert.deepEqual(await quiet, [['running'], []]);
  clock.advance(5000);
  assert.deepEqual(await l.WaitForJobChange(id, ['status'], ['running'], lastSerial, 5), [['success'], []]);
});

test('WaitForJobChange caps its wait at 89 seconds and gives nulls for unknown fields', async (t) => {
  const { l, clock } = setup(t);
  const id = l.SubmitJob([delay({ duration: 1000 })]);
  clock.advance(10);
  const p = l.WaitForJobChange(id, ['status'], ['running'], 1, 3600);
  clock.advance(89_000);
  assert.deepEqual(await p, [['running'], []]);
  assert.deepEqual(await l.WaitForJobChange(id, ['status', 'bogus'], null, null, 1), [[null, null], []]);
});

test('close releases pending WaitForJobChange calls and clears every timer', { timeout: 5000 }, async () => {
  const l = new DemoLuxid({ opDurationMs: 60_000, startDelayMs: 60_000 });
  const id = l.SubmitJob([delay()]);
  const p = l.WaitForJobChange(id, ['status'], ['queued'], null, 60);
  l.close();
  assert.deepEqual(await p, [['queued'], []]);
});

test('CancelJob dequeues queued jobs and reports the other cases as luxid does', (t) => {
  const { l, clock } = setup(t);
  const a = l.SubmitJob([delay()]);
  const b = l.SubmitJob([delay()]);
  assert.deepEqual(l.CancelJob(a, false), [true, `Dequeued job ${a}`]);
  assert.deepEqual(l.QueryJobs([a], ['status']), [['canceled']]);
  clock.advance(10);
  assert.deepEqual(l.CancelJob(b, false), [false, "Job no longer waiting, can't cancel (informed it anyway)"]);
  assert.deepEqual(l.CancelJob(b, true), [true, 'SIGKILL send to the process']);
  const [row] = l.QueryJobs([b], ['status', 'opstatus', 'opresult', 'ops']);
  assert.deepEqual(row?.slice(0, 3), ['error', ['error'], [`detected death of job ${b}`]]);
  const trail = (row?.[3] as Array<{ reason: unknown[][] }>)[0]?.reason ?? [];
  assert.deepEqual(trail.at(-1)?.slice(0, 2), ['gnt:daemon:luxid:deathdetection', `detected death of job ${b}`]);
  assert.equal(typeof trail.at(-1)?.[2], 'bigint');
  assert.deepEqual(l.CancelJob(424242, false), [false, 'Job 424242 not found in queue']);
});

test('ChangeJobPriority changes queued jobs and refuses unknown ones', (t) => {
  const { l } = setup(t);
  const id = l.SubmitJob([delay()]);
  assert.deepEqual(l.ChangeJobPriority(id, 5), [true, `Priorities of pending opcodes for job ${id} have been changed to 5`]);
  assert.deepEqual(l.QueryJobs([id], ['priority', 'oppriority']), [[5, [5]]]);
  assert.deepEqual(l.ChangeJobPriority(777, 5), [false, 'Job 777 not found in queue']);
});

test('ArchiveJob and AutoArchiveJobs archive finished jobs only', (t) => {
  const { l, clock } = setup(t);
  const a = l.SubmitJob([delay({ duration: 0 })]);
  const b = l.SubmitJob([delay({ duration: 0 })]);
  const c = l.SubmitJobToDrainedQueue([delay()]);
  assert.equal(l.ArchiveJob(12345), false);
  assert.equal(l.ArchiveJob(a), false, 'a queued job is not archived');
  clock.advance(20);
  assert.equal(l.ArchiveJob(a), true);
  assert.deepEqual(l.QueryJobs(null, ['id']), [[b], [c]]);
  assert.deepEqual(l.QueryJobs([a], ['id', 'archived']), [[a, true]]);
  assert.deepEqual(l.AutoArchiveJobs(-1, 89), [1, 0]);
  assert.deepEqual(l.QueryJobs(null, ['id']), [[c]]);
});

test('PickupJob is refused as internal', (t) => {
  const { l } = setup(t);
  assert.throws(
    () => l.PickupJob(1),
    (e: unknown) => e instanceof GenericError && e.message === "Luxi call 'PickupJob' is for internal use only",
  );
});
