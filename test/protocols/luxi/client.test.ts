import { parseOpCode } from '../../../src/protocols/luxi/opcodes/parse.js';
import type { OpTestDelay } from '../../../src/protocols/luxi/opcodes/types.js';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { test, type TestContext } from 'node:test';
import { createServer } from '../../../src/dispatch/server.js';
import { ConnectionClosedError, JobLost, OpPrereqError, RequestError } from '../../../src/errors.js';
import { LuxiClient } from '../../../src/protocols/luxi/client.js';
import { createLuxiHandler } from '../../../src/protocols/luxi/handler.js';
import { LUXI_METHODS } from '../../../src/protocols/luxi/methods.js';
import { qlang } from '../../../src/protocols/luxi/qlang.js';
import { queryRecords, rowsToRecords } from '../../../src/protocols/luxi/query-result.js';
import type { JobLogEntry, LuxiMethod } from '../../../src/protocols/luxi/types.js';
import { tempSocketPath } from '../../helpers/tmp.js';
import { FakeLuxid } from './fake-luxid.js';

async function setup(t: TestContext, impl = new FakeLuxid()): Promise<{ luxi: LuxiClient; impl: FakeLuxid; path: string }> {
  const path = tempSocketPath(t, 'q.sock');
  const server = createServer(createLuxiHandler(impl));
  await server.listen(path);
  t.after(() => server.close(100));
  const luxi = await LuxiClient.connect(path, { requestTimeoutMs: 5000 });
  t.after(() => luxi.destroy());
  return { luxi, impl, path };
}

const OP: OpTestDelay = { OP_ID: 'OP_TEST_DELAY', duration: 0, reason: [['test', 'why', 1795633315754584001n]] };

test('every Luxi call made through LuxiClient reaches the implementation with its arguments', { timeout: 15_000 }, async (t) => {
  const { luxi, impl } = await setup(t);
  const expected: Array<[LuxiMethod, unknown[], unknown]> = [];
  const check = async (method: LuxiMethod, params: unknown[], result: unknown, answer: Promise<unknown>): Promise<void> => {
    expected.push([method, params, result]);
    assert.deepEqual(await answer, result, method);
  };
  await check('QueryNodes', [['n1'], ['name'], false], [['node-name']], luxi.queryNodes(['n1'], ['name']));
  await check('QueryInstances', [[], ['name', 'pnode'], false], [['inst-name', 'inst-pnode']], luxi.queryInstances([], ['name', 'pnode']));
  await check('QueryGroups', [[], ['name'], false], [['default']], luxi.queryGroups([], ['name']));
  await check('QueryNetworks', [[], ['name'], false], [], luxi.queryNetworks([], ['name']));
  await check('QueryExports', [['node1'], false], [['node1', null]], luxi.queryExports(['node1']));
  await check('QueryJobs', [[4], ['id']], [[4]], luxi.queryJobs([4], ['id']));
  await check('QueryFilters', [[], ['uuid']], [], luxi.queryFilters(null, ['uuid']));
  await check('QueryConfigValues', [['cluster_name']], ['cluster.example.com'], luxi.queryConfigValues(['cluster_name']));
  await check('QueryClusterInfo', [], { name: 'cluster.example.com', master: 'node1', protocol_version: 2020000 }, luxi.queryClusterInfo());
  await check('QueryTags', ['node', 'n1'], ['node:n1'], luxi.queryTags('node', 'n1'));
  const filter = qlang.and(qlang.eq('name', 'x'), qlang.regexp('name', '^web'));
  await check('Query', ['node', ['name'], filter], new FakeLuxid().Query('node', ['name'], null), luxi.query('node', ['name'], filter));
  // luxid reads a null field list as [] (all fields).
  await check('QueryFields', ['node', []], { fields: [] }, luxi.queryFields('node'));
  // The implementation receives opcodes as luxid stores them (defaults filled in).
  const stored = parseOpCode(OP);
  await check('SubmitJob', [[stored]], 1, luxi.submitJob([OP]));
  await check('SubmitJobToDrainedQueue', [[stored]], 2, luxi.submitJobToDrainedQueue([OP]));
  await check(
    'SubmitManyJobs',
    [[[stored], [stored]]],
    [
      [true, 10],
      [true, 11],
    ],
    luxi.submitManyJobs([[OP], [OP]]),
  );
  await check(
    'WaitForJobChange',
    [1, ['status'], ['queued'], 3, 2],
    [['queued'], []],
    luxi.waitForJobChangeOnce(1, ['status'], ['queued'], 3, 2),
  );
  await check('PickupJob', [7], null, luxi.pickupJob(7));
  await check('ArchiveJob', [7], true, luxi.archiveJob(7));
  await check('AutoArchiveJobs', [3600, 89], [3, 0], luxi.autoArchiveJobs(3600));
  await check('CancelJob', [7, true], [true, 'Dequeued job 7'], luxi.cancelJob(7, true));
  await check('ChangeJobPriority', [7, -5], [true, 'priority -5'], luxi.changeJobPriority(7, -5));
  await check('SetDrainFlag', [true], true, luxi.setDrainFlag(true));
  await check('SetWatcherPause', [1900000000.5], 1900000000.5, luxi.setWatcherPause(1900000000.5));
  const reason = [['gnt-filter', 'pause', 1795633315754584001n]];
  await check(
    'ReplaceFilter',
    [null, 0, [['jobid', ['>', 'id', 5]]], 'PAUSE', reason],
    'new-uuid',
    luxi.replaceFilter(null, 0, [['jobid', ['>', 'id', 5]]], 'PAUSE', reason),
  );
  await check('DeleteFilter', ['u-1'], null, luxi.deleteFilter('u-1'));

  assert.deepEqual(new Set(expected.map((e) => e[0])), new Set(LUXI_METHODS));
  assert.deepEqual(
    impl.calls.map((c) => [c.method, c.params]),
    expected.map(([m, p]) => [m, p]),
  );
});

test('an implementation failure arrives as the typed Ganeti error and the client stays usable', { timeout: 10_000 }, async (t) => {
  const { luxi } = await setup(t);
  await assert.rejects(luxi.queryNodes([], ['name'], true), (err: unknown) => {
    assert.ok(err instanceof OpPrereqError);
    assert.equal(err.errCode, 'wrong_input');
    assert.equal(err.message, 'Sync queries are not allowed');
    return true;
  });
  await assert.rejects(luxi.waitForJobChangeOnce(99, ['status'], null, null, 1), JobLost);
  assert.deepEqual(await luxi.queryTags('cluster', ''), ['cluster:']);
});

test('a parse failure arrives as RequestError and the next call reconnects', { timeout: 10_000 }, async (t) => {
  const { luxi } = await setup(t);
  await assert.rejects(luxi.query('nosuch' as 'node', ['name']), (err: unknown) => {
    assert.ok(err instanceof RequestError);
    assert.match(err.message, /^Failed to parse request: .*neitherQueryTypeLuxi nor QueryTypeOp/);
    return true;
  });
  // The server closed after its answer; the client dropped that connection and opens a new one.
  assert.equal(await luxi.setDrainFlag(false), true);
});

test('queryAsRecords and rowsToRecords unwrap results into records', { timeout: 10_000 }, async (t) => {
  const { luxi } = await setup(t);
  assert.deepEqual(await luxi.queryAsRecords('node', ['name', 'mfree']), [
    { name: 'node1-name', mfree: 'node1-mfree' },
    { name: null, mfree: null },
  ]);
  await assert.rejects(luxi.queryAsRecords('node', ['name'], null, { badCell: 'throw' }), /No data for a field: name/);
  assert.deepEqual(rowsToRecords(['name', 'pnode'], [['i1', 'n1']]), [{ name: 'i1', pnode: 'n1' }]);
  assert.deepEqual(queryRecords({ fields: [], data: [] }), []);
});

/**
 * A raw server that drops the first connection on its first request, then answers
 * every request with `result`. Counts the requests it saw, by method.
 */
async function flakyServer(t: TestContext, result: unknown): Promise<{ path: string; seen: string[] }> {
  const path = tempSocketPath(t, 'f.sock');
  const seen: string[] = [];
  let dropped = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      let end: number;
      while ((end = buffered.indexOf('\x03')) >= 0) {
        const request = JSON.parse(buffered.slice(0, end)) as { method: string };
        buffered = buffered.slice(end + 1);
        seen.push(request.method);
        if (!dropped) {
          dropped = true;
          socket.destroy();
          return;
        }
        socket.write(JSON.stringify({ success: true, result }) + '\x03');
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { path, seen };
}

test('a read-only query is re-sent once on a new connection after the server drops it', { timeout: 10_000 }, async (t) => {
  const { path, seen } = await flakyServer(t, [['node1']]);
  const luxi = await LuxiClient.connect(path, { requestTimeoutMs: 5000, readOnlyRetries: 1 });
  t.after(() => luxi.destroy());
  assert.deepEqual(await luxi.queryNodes([], ['name']), [['node1']]);
  assert.deepEqual(seen, ['QueryNodes', 'QueryNodes']);
});

test('SubmitJob is never re-sent: it fails with ConnectionClosedError and the server saw it once', { timeout: 10_000 }, async (t) => {
  const { path, seen } = await flakyServer(t, 1);
  const luxi = await LuxiClient.connect(path, { requestTimeoutMs: 5000, readOnlyRetries: 3 });
  t.after(() => luxi.destroy());
  await assert.rejects(luxi.submitJob([OP]), ConnectionClosedError);
  assert.deepEqual(seen, ['SubmitJob']);
});

test('without readOnlyRetries a dropped query fails with ConnectionClosedError', { timeout: 10_000 }, async (t) => {
  const { path, seen } = await flakyServer(t, []);
  const luxi = await LuxiClient.connect(path, { requestTimeoutMs: 5000 });
  t.after(() => luxi.destroy());
  await assert.rejects(luxi.queryClusterInfo(), ConnectionClosedError);
  assert.deepEqual(seen, ['QueryClusterInfo']);
});

test('waitForJob follows the job to its end, reporting each log entry once and skipping "nochange"', { timeout: 10_000 }, async (t) => {
  const impl = new FakeLuxid();
  const entry = (serial: number, msg: string): JobLogEntry => [serial, [1700000000, serial], 'message', msg];
  impl.steps = [
    { status: 'queued', log: [] },
    { status: 'running', log: [entry(1, 'starting')] },
    { status: 'running', log: [entry(2, 'half way')] },
    { status: 'success', log: [entry(3, 'done')] },
  ];
  impl.nochangeAt = new Set([1]);
  const { luxi } = await setup(t, impl);
  const progress: string[] = [];
  const statuses: string[] = [];
  const outcome = await luxi.waitForJob(1, {
    onProgress: (e) => progress.push(String(e[3])),
    onStatus: (s) => statuses.push(s),
    pollTimeoutSeconds: 1,
  });
  assert.deepEqual(outcome, { jobId: 1, status: 'success', opresult: ['done'] });
  assert.deepEqual(progress, ['starting', 'half way', 'done']);
  assert.deepEqual(statuses, ['queued', 'running', 'success']);
  const waits = impl.calls.filter((c) => c.method === 'WaitForJobChange').map((c) => c.params);
  assert.equal(waits.length, 5);
  assert.deepEqual(waits[0], [1, ['status'], null, null, 1]);
  assert.deepEqual(waits[4], [1, ['status'], ['running'], 2, 1]);
});

test('waitForJob keeps polling through luxid-style unchanged answers and stops on abort', { timeout: 10_000 }, async (t) => {
  const impl = new FakeLuxid(); // no steps: every answer is the unchanged value
  const { luxi } = await setup(t, impl);
  const controller = new AbortController();
  const waiting = luxi.waitForJob(1, { signal: controller.signal, pollTimeoutSeconds: 0 });
  setTimeout(() => controller.abort(new Error('stop')), 50);
  await assert.rejects(waiting, /stop/);
  assert.ok(impl.calls.filter((c) => c.method === 'WaitForJobChange').length >= 2);
});

test('submitJobAndWait submits and resolves with the final status', { timeout: 10_000 }, async (t) => {
  const impl = new FakeLuxid();
  impl.steps = [{ status: 'error', log: [] }];
  const { luxi } = await setup(t, impl);
  assert.deepEqual(await luxi.submitJobAndWait([OP]), { jobId: 1, status: 'error', opresult: ['done'] });
  assert.deepEqual(
    impl.calls.map((c) => c.method),
    ['SubmitJob', 'WaitForJobChange', 'QueryJobs'],
  );
});

test('waitForJob on a missing job rejects with JobLost', { timeout: 10_000 }, async (t) => {
  const { luxi } = await setup(t);
  await assert.rejects(luxi.waitForJob(42, { pollTimeoutSeconds: 0 }), JobLost);
});
