// The demo's state across restarts (state.ts, DemoLuxid.snapshot and `state`): what a job
// changed survives, finished jobs stay queryable, queued ones run after the restart, started
// ones fail as luxid's death detection fails them, and a bad file is an error naming it.
import assert from 'node:assert/strict';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DemoLuxid } from '../../src/demo/luxid.js';
import { stringifyExactJson } from '../../src/exact-json.js';
import { StateFileError, StateSaver, readStateFile, writeStateFile } from '../../src/demo/state.js';
import type { JobId, OpCode } from '../../src/protocols/luxi/types.js';
import { tempDir } from '../helpers/tmp.js';
import { FakeTimers } from './fake-timers.js';

const shutdown: OpCode = { OP_ID: 'OP_INSTANCE_SHUTDOWN', instance_name: 'web1.example.com', reason: [] };
const delay = (duration: number): OpCode => ({ OP_ID: 'OP_TEST_DELAY', duration, reason: [['test', 'big', 1795633315754584001n]] });

function demo(t: import('node:test').TestContext, options: ConstructorParameters<typeof DemoLuxid>[0] = {}) {
  const clock = new FakeTimers();
  const l = new DemoLuxid({ timers: clock, opDurationMs: 10, startDelayMs: 10, ...options });
  t.after(() => l.close());
  return { l, clock };
}

const status = (l: DemoLuxid, id: JobId) => l.QueryJobs([id], ['status', 'opresult'])[0];

test('a restarted demo goes on from its saved state as luxid does after a restart', (t) => {
  const file = join(tempDir(t), 'state.json');
  const first = demo(t);
  const done = first.l.SubmitJob([shutdown]);
  first.clock.advance(100);
  first.l.SetDrainFlag(true);
  const started = first.l.SubmitJobToDrainedQueue([delay(60)]);
  first.clock.advance(20);
  assert.equal(status(first.l, started)?.[0], 'running');
  first.l.SetDrainFlag(false);
  first.l.ChangeJobPriority(done, 0);
  const queued = first.l.SubmitJob([delay(0.5)]);
  writeStateFile(file, first.l.snapshot());
  first.l.close();

  const state = readStateFile(file);
  assert.ok(state);
  const second = demo(t, { state });
  // What the finished job changed, and the job itself, survive.
  assert.deepEqual(second.l.QueryInstances(['web1.example.com'], ['status'], false), [['ADMIN_down']]);
  assert.deepEqual(status(second.l, done), ['success', [null]]);
  // A job that had started fails as luxid's death detection fails it; exact big integers stay.
  assert.deepEqual(status(second.l, started), ['error', [`detected death of job ${started}`]]);
  const ops = second.l.QueryJobs([started], ['ops'])[0]?.[0] as Array<{ reason: unknown[][] }>;
  assert.equal(ops[0]?.reason[0]?.[2], 1795633315754584001n);
  // A job that never started runs now; new jobs get the next ids.
  second.clock.advance(1000);
  assert.deepEqual(status(second.l, queued), ['success', [null]]);
  assert.equal(second.l.SubmitJob([delay(0.1)]), Number(queued) + 1);
});

test('the drain flag, filters and the watcher pause are part of the state', (t) => {
  const { l } = demo(t);
  l.SetDrainFlag(true);
  l.SetWatcherPause(2_000_000_000);
  const uuid = l.ReplaceFilter(null, 5, [], 'PAUSE', []);
  const again = demo(t, { state: l.snapshot() }).l;
  assert.throws(() => again.SubmitJob([delay(1)]), /Queue drained/);
  assert.deepEqual(again.QueryConfigValues(['drain_flag']), [true]);
  assert.deepEqual(
    again.QueryFilters([uuid], ['uuid', 'action']).map((r) => r[1]),
    ['PAUSE'],
  );
  assert.equal(again.cluster.watcherPause, 2_000_000_000);
});

test('a state file that is not a state is an error naming the file; a missing one starts afresh', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'state.json');
  assert.equal(readStateFile(file), undefined);
  const refuses = (text: string, problem: RegExp) => {
    writeFileSync(file, text);
    assert.throws(
      () => readStateFile(file),
      (err: unknown) => err instanceof StateFileError && err.file === file && problem.test(err.message) && err.message.includes(file),
    );
  };
  refuses('{"ganetiUdsDemoState": 1, "cluster"', /not valid JSON/);
  refuses('{"some": "thing"}', /not a ganeti-uds demo state of version 1/);
  const good = demo(t).l.snapshot();
  const asText = (over: Record<string, unknown>) => stringifyExactJson({ ganetiUdsDemoState: 1, ...good, ...over }) ?? '';
  refuses(asText({ cluster: { info: {} } }), /cluster data: \(top\)\.nodes: missing required key/);
  refuses(asText({ nextJobId: 0 }), /nextJobId/);
  refuses(asText({ jobs: [{ id: 3, ops: [{}] }] }), /jobs\[0\]\.ops\[0\] is not a queued opcode/);
  refuses(asText({ jobs: [{ id: 7, ops: [] }], nextJobId: 5 }), /job 7 is not below nextJobId 5/);
});

test('writes are atomic: the file appears whole with mode 0600 and no temporary file is left', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'state.json');
  const { l, clock } = demo(t);
  const errors: unknown[] = [];
  const saver = new StateSaver(
    file,
    () => l.snapshot(),
    (err) => errors.push(err),
  );
  l.onChange(() => saver.schedule());
  l.SubmitJob([shutdown]);
  clock.advance(100);
  // Saves are coalesced to one write per event-loop turn.
  await new Promise<void>((resolve) => setImmediate(resolve));
  assert.deepEqual(errors, []);
  assert.deepEqual(readdirSync(dir), ['state.json']);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(
    readStateFile(file)?.jobs.map((j) => j.id),
    [1],
  );
  l.SetDrainFlag(true);
  saver.flush();
  assert.equal(readStateFile(file)?.drained, true);
});
