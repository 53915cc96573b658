// The REAL Python `ganeti.luxi.Client` (Debian's Ganeti 3.0) calling every method it has
// against our demo luxid run through the real CLI (`node dist/cli.js serve --demo`).
// Expected values come from the demo itself, read with our LuxiClient on the same socket
// and from sampleCluster(); errors must raise the classes the Python client expects.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sampleCluster } from '../../src/demo/cluster.js';
import { LuxiClient } from '../../src/protocols/luxi/client.js';
import {
  bigintSafe,
  ganetiSkip,
  runDriver,
  startDemoCli,
  type DemoServer,
  type DriverCall,
  type DriverLine,
  testDelayOp,
} from './peers.js';

const skip = ganetiSkip();

const BIG_NS = 1795633315754584001n;
const NON_ASCII = sampleCluster()
  .instances.map((i) => i.name)
  .find((n) => /[^\x00-\x7f]/.test(n));
const delay = testDelayOp;

const script: DriverCall[] = [
  { id: 'info', method: 'QueryClusterInfo', args: [] },
  { id: 'config', method: 'QueryConfigValues', args: [['cluster_name', 'master_node', 'drain_flag', 'nosuch']] },
  { id: 'nodes', method: 'QueryNodes', args: [[], ['name', 'pip', 'offline', 'group', 'role', 'tags'], false] },
  { id: 'nodes-locked', method: 'QueryNodes', args: [[], ['name'], true] },
  { id: 'insts', method: 'QueryInstances', args: [[], ['name', 'pnode', 'snodes', 'status', 'be/memory', 'disk.sizes', 'tags'], false] },
  { id: 'inst-nonascii', method: 'QueryInstances', args: [[NON_ASCII ?? 'none'], ['name', 'pnode'], false] },
  { id: 'insts-badfield', method: 'QueryInstances', args: [[], ['name', 'nosuchfield'], false] },
  { id: 'groups', method: 'QueryGroups', args: [[], ['name', 'uuid', 'node_cnt', 'alloc_policy'], false] },
  { id: 'networks', method: 'QueryNetworks', args: [[], ['name', 'network', 'uuid'], false] },
  { id: 'exports', method: 'QueryExports', args: [[], false] },
  { id: 'tags-cluster', method: 'QueryTags', args: ['cluster', ''] },
  { id: 'tags-nonascii', method: 'QueryTags', args: ['instance', NON_ASCII ?? 'none'] },
  { id: 'tags-nosuch', method: 'QueryTags', args: ['node', 'nosuch-é'] },
  { id: 'fields', method: 'QueryFields', args: ['node', ['name', 'mfree', 'nosuch']] },
  { id: 'query', method: 'Query', args: ['instance', ['name', 'pnode', 'be/memory'], ['=', 'name', NON_ASCII ?? 'none']] },
  { id: 'filters', method: 'QueryFilters', args: [null, ['uuid', 'priority', 'action', 'reason_trail']] },
  { id: 'job', method: 'SubmitJob', args: [[delay(0.05, { reason: [['test:interop', 'demo é', BIG_NS]] })]] },
  { id: 'job-wait', method: 'WaitForJobChangeOnce', args: [{ $ref: 'job' }, ['status'], null, null], until_finalized: true },
  { id: 'job-wfjc', method: 'WaitForJobChange', args: [{ $ref: 'job' }, ['status'], null, null] },
  { id: 'job-row', method: 'QueryJobs', args: [[{ $ref: 'job' }], ['id', 'status', 'ops', 'opresult']] },
  { id: 'many', method: 'SubmitManyJobs', args: [[[delay(0.05)], [delay(0.05)]]] },
  { id: 'pickup', method: 'PickupJob', args: [{ $ref: 'job' }] },
  { id: 'archive', method: 'ArchiveJob', args: [{ $ref: 'job' }] },
  { id: 'autoarchive', method: 'AutoArchiveJobs', args: [0] },
  { id: 'cancel', method: 'CancelJob', args: [987654] },
  { id: 'prio', method: 'ChangeJobPriority', args: [987654, 5] },
  { id: 'filter', method: 'ReplaceFilter', args: [null, 10, [], 'CONTINUE', [['test:interop', 'x', BIG_NS]]] },
  { id: 'filter-del', method: 'DeleteFilter', args: [{ $ref: 'filter' }] },
  { id: 'drain', method: 'SetQueueDrainFlag', args: [true] },
  { id: 'drained-submit', method: 'SubmitJob', args: [[delay(0.05)]] },
  { id: 'drained-ok', method: 'SubmitJobToDrainedQueue', args: [[delay(0.05)]] },
  { id: 'undrain', method: 'SetDrainFlag', args: [false] },
  { id: 'watcher', method: 'SetWatcherPause', args: [1900000000.5] },
  { id: 'unknown-method', method: 'CallMethod', args: ['NoSuchMethod', []] },
  { id: 'after-unknown', method: 'QueryConfigValues', args: [['cluster_name']] },
  { id: 'wfjc-unknown', method: 'WaitForJobChangeOnce', args: [987654, ['status'], null, null] },
];
const at = new Map(script.map((c, i) => [c.id ?? String(i), i]));

describe('the real Python luxi client against serve --demo (real CLI)', { skip, timeout: 60_000 }, () => {
  let demo: DemoServer | undefined;
  let ours: LuxiClient | undefined;
  let lines: DriverLine[] = [];
  let failure: unknown;

  const line = (id: string): DriverLine => {
    if (failure !== undefined) throw failure;
    const l = lines[at.get(id) ?? -1];
    assert.ok(l, `no driver line for ${id}`);
    return l;
  };
  const ok = (id: string): unknown => {
    const l = line(id);
    if (!l.ok) assert.fail(`${id}: ${l.error_class} ${JSON.stringify(l.error_args, bigintSafe)}`);
    return l.result;
  };
  const raised = (id: string): { cls: string; module: string; args: unknown[] } => {
    const l = line(id);
    if (l.ok) assert.fail(`${id} succeeded: ${JSON.stringify(l.result, bigintSafe)}`);
    return { cls: l.error_class, module: l.error_module, args: l.error_args };
  };
  const luxi = (): LuxiClient => ours ?? assert.fail('not connected');

  before(
    async () => {
      try {
        demo = await startDemoCli();
        ours = await LuxiClient.connect(demo.socket, { requestTimeoutMs: 10_000 });
        lines = await runDriver(demo.socket, script, 30_000);
      } catch (err) {
        failure = err;
      }
    },
    { timeout: 45_000 },
  );

  after(
    async () => {
      ours?.destroy();
      const code = await demo?.stop();
      if (demo !== undefined) assert.equal(code, 0, `serve --demo exited ${code} on SIGTERM:\n${demo.stderr()}`);
    },
    { timeout: 15_000 },
  );

  test('the sample cluster has a non-ASCII instance name to test with', () => {
    assert.ok(NON_ASCII, 'sampleCluster() has no non-ASCII instance name');
  });

  test('the Python client ran every entry', { timeout: 1000 }, () => {
    if (failure !== undefined) throw failure;
    assert.equal(lines.length, script.length);
  });

  test('QueryClusterInfo and QueryConfigValues agree with what our client reads', { timeout: 10_000 }, async () => {
    const info = (await luxi().queryClusterInfo()) as Record<string, unknown>;
    assert.deepEqual(ok('info'), info);
    assert.deepEqual(ok('config'), [info['name'], info['master'], false, null]);
  });

  test('QueryNodes/Instances/Groups/Networks/Exports and QueryTags give the rows our client reads', { timeout: 10_000 }, async () => {
    const c = luxi();
    assert.deepEqual(ok('nodes'), await c.queryNodes([], ['name', 'pip', 'offline', 'group', 'role', 'tags']));
    assert.deepEqual(ok('insts'), await c.queryInstances([], ['name', 'pnode', 'snodes', 'status', 'be/memory', 'disk.sizes', 'tags']));
    assert.deepEqual(ok('groups'), await c.queryGroups([], ['name', 'uuid', 'node_cnt', 'alloc_policy']));
    assert.deepEqual(ok('networks'), await c.queryNetworks([], ['name', 'network', 'uuid']));
    assert.deepEqual(ok('exports'), await c.queryExports([]));
    assert.deepEqual(ok('tags-cluster'), await c.queryTags('cluster', ''));
    assert.deepEqual(ok('fields'), await c.queryFields('node', ['name', 'mfree', 'nosuch']));
    assert.deepEqual(ok('filters'), await c.queryFilters(null, ['uuid', 'priority', 'action', 'reason_trail']));
    // Names agree with the sample cluster the CLI serves by default.
    const names = (ok('insts') as unknown[][]).map((r) => r[0]).sort();
    assert.deepEqual(
      names,
      sampleCluster()
        .instances.map((i) => i.name)
        .sort(),
    );
  });

  test('a non-ASCII instance name reaches Python intact (as a name, in a filter, in tags)', { timeout: 10_000 }, async () => {
    assert.deepEqual(
      (ok('inst-nonascii') as unknown[][]).map((r) => r[0]),
      [NON_ASCII],
    );
    const q = ok('query') as { data: unknown[][][] };
    assert.equal(q.data.length, 1);
    assert.deepEqual(q.data[0]?.[0], [0, NON_ASCII]);
    assert.deepEqual(ok('tags-nonascii'), await luxi().queryTags('instance', NON_ASCII ?? ''));
  });

  test('errors raise the classes the Python client expects', () => {
    assert.deepEqual(raised('nodes-locked'), {
      cls: 'OpPrereqError',
      module: 'ganeti.errors',
      args: ['Sync queries are not allowed', 'wrong_input'],
    });
    assert.deepEqual(raised('insts-badfield'), {
      cls: 'OpPrereqError',
      module: 'ganeti.errors',
      args: ['Unknown output fields selected: nosuchfield', 'wrong_input'],
    });
    // The real luxid would send raw 0xE9 here and make Python raise UnicodeDecodeError.
    assert.deepEqual(raised('tags-nosuch'), {
      cls: 'OpPrereqError',
      module: 'ganeti.errors',
      args: ['Node name nosuch-é not found', 'unknown_entity'],
    });
    assert.deepEqual(raised('pickup'), {
      cls: 'GenericError',
      module: 'ganeti.errors',
      args: ["Luxi call 'PickupJob' is for internal use only"],
    });
    assert.deepEqual(raised('drained-submit'), { cls: 'GenericError', module: 'ganeti.errors', args: ['Queue drained'] });
    assert.deepEqual(raised('wfjc-unknown'), { cls: 'JobLost', module: 'ganeti.errors', args: ["Can't load job file"] });
    // An unknown method is answered with the plain parse-error string: RequestError.
    assert.deepEqual(raised('unknown-method'), {
      cls: 'RequestError',
      module: 'ganeti.rpc.errors',
      args: ['Failed to parse request: Unable to parse LUXI request method: Invalid string value for type LuxiReq: "NoSuchMethod"'],
    });
    // The demo closed the connection after it; the client reconnected for the next call.
    assert.equal((ok('after-unknown') as unknown[]).length, 1);
  });

  test('a job runs to success; its reason trail keeps the 19-digit timestamp and the non-ASCII text', { timeout: 10_000 }, async () => {
    const id = ok('job');
    assert.equal(typeof id, 'number');
    assert.deepEqual((ok('job-wait') as unknown[])[0], ['success']);
    assert.deepEqual((ok('job-wfjc') as unknown[])[0], ['success']);
    const row = (ok('job-row') as unknown[][])[0] ?? [];
    assert.equal(row[0], id);
    assert.equal(row[1], 'success');
    assert.deepEqual(row[3], [null]);
    const reason = (row[2] as Array<{ reason: unknown[][] }>)[0]?.reason ?? [];
    assert.deepEqual(reason[0], ['test:interop', 'demo é', BIG_NS]);
    assert.equal(typeof reason[1]?.[2], 'bigint');
    // Our client reads the same job identically.
    assert.deepEqual((await luxi().queryJobs([id as number], ['id', 'status', 'ops', 'opresult']))[0], row);
  });

  test('job control calls answer with the shapes the Python client returns', () => {
    const many = ok('many') as unknown[][];
    assert.equal(many.length, 2);
    for (const e of many) assert.ok(e[0] === true && typeof e[1] === 'number');
    assert.equal(ok('archive'), true);
    const auto = ok('autoarchive') as unknown[];
    assert.ok(auto.length === 2 && auto.every((n) => typeof n === 'number'));
    assert.deepEqual(ok('cancel'), [false, 'Job 987654 not found in queue']);
    assert.deepEqual(ok('prio'), [false, 'Job 987654 not found in queue']);
    assert.match(ok('filter') as string, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(ok('filter-del'), null);
    assert.equal(ok('drain'), true);
    assert.equal(typeof ok('drained-ok'), 'number');
    assert.equal(ok('undrain'), true);
    assert.equal(ok('watcher'), 1900000000.5);
  });
});
