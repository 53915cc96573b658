// Our LuxiClient against the REAL ganeti-luxid (+ ganeti-wconfd) of Debian's Ganeti 3.0,
// started for this file by test/interop/real-ganeti.sh. Skipped loudly without the packages.
import type { OpTestDelay } from '../../src/protocols/luxi/opcodes/types.js';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { GanetiError, JobLost, OpPrereqError, RequestError } from '../../src/errors.js';
import { LuxiClient } from '../../src/protocols/luxi/client.js';
import { qlang } from '../../src/protocols/luxi/qlang.js';
import type { JobId, JobStatus } from '../../src/protocols/luxi/types.js';
import { bigintSafe, ganetiSkip, startRealGaneti, type RealGaneti } from './peers.js';

const skip = ganetiSkip();

/** A reason-trail timestamp above 2^53 that must come back exactly. */
const REASON_NS = 1795633315754584001n;

/** OP_TEST_DELAY as the Python opcode constructor fills it in (luxid needs `reason` etc.). */
function testDelay(duration: number, reason: OpTestDelay['reason']): OpTestDelay {
  return {
    OP_ID: 'OP_TEST_DELAY',
    comment: null,
    debug_level: null,
    depends: null,
    dry_run: null,
    duration,
    interruptible: false,
    no_locks: true,
    on_master: false,
    on_node_uuids: null,
    on_nodes: [],
    priority: 0,
    reason,
    repeat: 0,
  };
}

function isPrereq(message: string, code: string) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof OpPrereqError, `expected OpPrereqError, got ${String(err)}`);
    assert.deepEqual(err.args, [message, code]);
    return true;
  };
}

describe('our LuxiClient against the real ganeti-luxid', { skip, timeout: 90_000 }, () => {
  let real: RealGaneti | undefined;
  let luxi: LuxiClient | undefined;
  let info: Record<string, unknown> = {};

  const client = (): LuxiClient => {
    if (luxi === undefined) throw new Error('the real daemons did not start');
    return luxi;
  };

  before(
    async () => {
      real = await startRealGaneti();
      luxi = await LuxiClient.connect(real.luxiSocket, { requestTimeoutMs: 10_000, connectTimeoutMs: 5000 });
      info = await luxi.queryClusterInfo();
    },
    { timeout: 45_000 },
  );

  after(
    async () => {
      luxi?.destroy();
      await real?.stop();
    },
    { timeout: 45_000 },
  );

  test('QueryClusterInfo describes the running cluster', { timeout: 10_000 }, async () => {
    assert.equal(info['master'], real?.hostname);
    assert.equal(typeof info['name'], 'string');
    assert.equal(typeof info['uuid'], 'string');
    assert.ok(Array.isArray(info['tags']));
    assert.equal(typeof info['config_version'], 'number');
    for (const key of [
      'software_version',
      'protocol_version',
      'default_hypervisor',
      'enabled_hypervisors',
      'beparams',
      'ipolicy',
      'ndparams',
      'ctime',
      'mtime',
    ]) {
      assert.ok(key in info, `QueryClusterInfo lacks ${key}`);
    }
    // Extra arguments are ignored by luxid for this call; our client sends none anyway.
    assert.deepEqual(Object.keys(await client().queryClusterInfo()).sort(), Object.keys(info).sort());
  });

  test('QueryNodes, QueryInstances and QueryGroups answer classic row sets consistent with Query', { timeout: 10_000 }, async () => {
    const c = client();
    const nodeFields = ['name', 'pip', 'sip', 'master_candidate', 'offline', 'group', 'role'];
    const nodes = await c.queryNodes([], nodeFields);
    assert.ok(nodes.length > 0);
    for (const row of nodes) assert.equal(row.length, nodeFields.length);
    const nodeNames = nodes.map((r) => r[0]);
    assert.ok(nodeNames.includes(info['master']), `master ${String(info['master'])} not in ${nodeNames.join(', ')}`);
    const master = nodes.find((r) => r[0] === info['master']);
    assert.equal(master?.[6], 'M');

    const viaQuery = await c.queryAsRecords('node', ['name', 'role']);
    assert.deepEqual(
      viaQuery.map((r) => r['name']),
      nodeNames,
    );

    const instFields = ['name', 'pnode', 'snodes', 'admin_state', 'disk_template', 'be/memory', 'tags'];
    const instances = await c.queryInstances([], instFields);
    assert.ok(instances.length > 0);
    for (const row of instances) {
      assert.equal(row.length, instFields.length);
      assert.ok(nodeNames.includes(row[1]), `pnode ${String(row[1])} is not a node`);
      assert.ok(Array.isArray(row[2]));
      assert.equal(typeof row[5], 'number');
    }
    // Names given: only those, unknown names dropped.
    const first = instances[0]?.[0] as string;
    assert.deepEqual(await c.queryInstances([first, 'unknown.name'], ['name']), [[first]]);

    const groups = await c.queryGroups([], ['name', 'uuid', 'node_cnt', 'alloc_policy']);
    assert.ok(groups.length > 0);
    const nodeCount = groups.reduce((sum, g) => sum + (g[2] as number), 0);
    assert.equal(nodeCount, nodes.length);
  });

  test('Query with a filter returns exactly the matching rows', { timeout: 10_000 }, async () => {
    const c = client();
    const names = (await c.queryInstances([], ['name'])).map((r) => r[0] as string);
    const target = names[names.length - 1] ?? '';
    const result = await c.query('instance', ['name', 'pnode'], qlang.eq('name', target));
    assert.deepEqual(
      result.fields.map((f) => f.name),
      ['name', 'pnode'],
    );
    assert.equal(result.data.length, 1);
    assert.deepEqual(result.data[0]?.[0], [0, target]);

    const none = await c.query('instance', ['name'], qlang.and(qlang.eq('name', target), qlang.ne('name', target)));
    assert.deepEqual(none.data, []);

    const master = await c.query('node', ['name'], qlang.simple('name', [info['master'] as string]));
    assert.deepEqual(master.data, [[[0, info['master']]]]);
    // A name filter (what gnt-* send for name arguments) naming an unknown node is an error,
    // not an empty answer.
    await assert.rejects(
      c.query('node', ['name'], qlang.simple('name', [info['master'] as string, 'no.such.node'])),
      isPrereq('Node name no.such.node not found', 'unknown_entity'),
    );
    // Any other filter that matches nothing is an empty answer.
    assert.deepEqual((await c.query('node', ['name'], qlang.regexp('name', '^no\\.such'))).data, []);
  });

  test('QueryConfigValues answers the known fields and null for unknown ones', { timeout: 10_000 }, async () => {
    const values = await client().queryConfigValues(['cluster_name', 'master_node', 'drain_flag', 'nosuch']);
    assert.deepEqual(values, [info['name'], info['master'], false, null]);
  });

  test('errors decode into the classes luxid raised', { timeout: 10_000 }, async () => {
    const c = client();
    await assert.rejects(c.queryNodes([], ['name'], true), isPrereq('Sync queries are not allowed', 'wrong_input'));
    await assert.rejects(
      c.queryInstances([], ['name', 'nosuchfield']),
      isPrereq('Unknown output fields selected: nosuchfield', 'wrong_input'),
    );
    await assert.rejects(c.queryTags('node', 'nosuch'), isPrereq('Node name nosuch not found', 'unknown_entity'));
    await assert.rejects(c.waitForJobChangeOnce(987654, ['status'], null, null, 1), (err: unknown) => err instanceof JobLost);
    await assert.rejects(
      c.pickupJob(1),
      (err: unknown) => err instanceof GanetiError && err.message === "Luxi call 'PickupJob' is for internal use only",
    );
    // A parse failure is a plain string (RequestError); luxid then closes, and the next
    // call goes out on a new connection.
    await assert.rejects(c.query('nosuchresource', ['name']), (err: unknown) => {
      assert.ok(err instanceof RequestError, `got ${String(err)}`);
      assert.match(err.message, /^Failed to parse request: .*nosuchresource/);
      return true;
    });
    assert.deepEqual(await c.queryConfigValues(['cluster_name']), [info['name']]);
  });

  test("a non-ASCII name in luxid's answer: 'é' (raw byte 0xE9) decodes, 'ă' (0x03) fails only that call", {
    timeout: 15_000,
  }, async () => {
    const c = client();
    await assert.rejects(c.queryTags('node', 'nosuch-é'), isPrereq('Node name nosuch-é not found', 'unknown_entity'));
    assert.deepEqual(await c.queryConfigValues(['cluster_name']), [info['name']]);
    const started = Date.now();
    await assert.rejects(c.queryTags('node', 'nosuch-ă'));
    assert.ok(Date.now() - started < 5000, 'the split answer took a timeout to fail');
    // The client must not be one answer behind, as the Python client is.
    assert.deepEqual(await c.queryConfigValues(['cluster_name']), [info['name']]);
    assert.deepEqual(await c.queryConfigValues(['master_node']), [info['master']]);
  });

  test('19-digit job ids in QueryJobs come back exactly', { timeout: 10_000 }, async () => {
    const big = REASON_NS as unknown as JobId;
    const rows = await client().queryJobs([987654, big], ['id', 'status']);
    assert.deepEqual(rows, [
      [987654, null],
      [REASON_NS, null],
    ]);
    assert.equal(typeof rows[1]?.[0], 'bigint');
  });

  test('an OP_TEST_DELAY job runs to success; its reason trail keeps 19-digit nanosecond timestamps exactly', {
    timeout: 30_000,
  }, async () => {
    const c = client();
    const before = BigInt(Date.now()) * 1_000_000n;
    const jobId = await c.submitJob([testDelay(0.1, [['test:interop', 'ganeti-uds LuxiClient', REASON_NS]])]);
    assert.equal(typeof jobId, 'number');
    const statuses: JobStatus[] = [];
    const outcome = await c.waitForJob(jobId, { pollTimeoutSeconds: 10, onStatus: (s) => statuses.push(s) });
    const afterNs = BigInt(Date.now()) * 1_000_000n;
    assert.equal(outcome.status, 'success');
    assert.deepEqual(outcome.opresult, [null]);
    assert.equal(statuses.at(-1), 'success');
    const order: JobStatus[] = ['queued', 'waiting', 'running', 'success'];
    assert.deepEqual(
      [...statuses].sort((a, b) => order.indexOf(a) - order.indexOf(b)),
      statuses,
      `statuses out of order: ${statuses.join(' ')}`,
    );

    const rows = await c.queryJobs([jobId], ['id', 'status', 'ops', 'summary', 'received_ts', 'end_ts']);
    const [id, status, ops, summary, received, ended] = rows[0] ?? [];
    assert.equal(id, jobId);
    assert.equal(status, 'success');
    assert.deepEqual(summary, ['TEST_DELAY(0.1)']);
    assert.ok(Array.isArray(received) && Array.isArray(ended));
    const op = (ops as Array<{ OP_ID: string; reason: unknown[][] }>)[0];
    assert.equal(op?.OP_ID, 'OP_TEST_DELAY');
    const reason = op?.reason ?? [];
    assert.equal(reason.length, 2, JSON.stringify(reason, bigintSafe));
    assert.deepEqual(reason[0], ['test:interop', 'ganeti-uds LuxiClient', REASON_NS]);
    const [source, text, ts] = reason[1] ?? [];
    assert.equal(source, 'gnt:opcode:test_delay');
    assert.equal(text, `job=${jobId};index=0`);
    assert.equal(typeof ts, 'bigint');
    const ns = ts as bigint;
    assert.equal(ns.toString().length, 19);
    assert.equal(ns % 1000n, 0n, 'luxid stamps microseconds as nanoseconds');
    assert.ok(
      ns >= before - 1_000_000_000n && ns <= afterNs + 1_000_000_000n,
      `luxid timestamp ${ns} not between ${before} and ${afterNs}`,
    );
    // The same instant as received_ts [sec, usec].
    const [sec, usec] = received as [number, number];
    assert.equal(ns, BigInt(sec) * 1_000_000_000n + BigInt(usec) * 1000n);

    // The generic Query on jobs, with a filter on the id.
    const viaQuery = await c.queryAsRecords('job', ['id', 'status'], qlang.eq('id', jobId));
    assert.deepEqual(viaQuery, [{ id: jobId, status: 'success' }]);
  });

  test('submitJobAndWait reports a failing opcode as status error with its OpPrereqError', { timeout: 30_000 }, async () => {
    const outcome = await client().submitJobAndWait([testDelay(-1, [])], { pollTimeoutSeconds: 10 });
    assert.equal(outcome.status, 'error');
    assert.deepEqual(outcome.opresult, [['OpPrereqError', ['Duration must be greater than zero']]]);
  });
});
