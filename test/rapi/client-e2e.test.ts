/**
 * The RAPI client against this project's RAPI server on the demo luxid (src/rapi/server.ts,
 * in this process): real answers through every layer, typed records checked against
 * rlib2's field lists, and writes followed to the end with waitForJob.
 */
import assert from 'node:assert/strict';
import test, { type TestContext } from 'node:test';
import { RapiClient } from '../../src/rapi/client.js';
import { RapiErrorCodes, RapiStatusError } from '../../src/rapi/client-errors.js';
import { GROUP_FIELDS, INSTANCE_FIELDS, JOB_FIELDS, NETWORK_FIELDS, NODE_FIELDS } from '../../src/rapi/types.js';
import { startRapiFixture } from './helpers.js';

async function setUp(t: TestContext, credentials?: { username: string; password: string }) {
  const fx = await startRapiFixture(t);
  const url = `http://${fx.rapi.address.host}:${fx.rapi.address.port}`;
  const rapi = new RapiClient({ url, ...credentials });
  t.after(() => rapi.destroy());
  return { fx, rapi, url };
}

const sorted = (list: readonly string[]) => [...list].sort();

test('reads answer the typed records, with exactly rlib2 fields', { timeout: 20_000 }, async (t) => {
  // /2/query needs a user with read or write rights; the other reads need none.
  const { rapi } = await setUp(t, { username: 'reader', password: 'r3ad' });
  assert.equal(await rapi.getVersion(), 2);
  assert.ok((await rapi.getFeatures()).includes('instance-create-reqv1'));
  const info = await rapi.getInfo();
  assert.equal(info.name, 'cluster.example.com');
  assert.equal(info.master, 'node1.example.com');
  assert.equal(info.vg_name, info.volume_group_name);

  const entries = await rapi.getInstances();
  assert.ok(entries.some((e) => e.id === 'web1.example.com' && e.uri === '/2/instances/web1.example.com'));
  const instances = await rapi.getInstances({ bulk: true });
  assert.equal(instances.length, entries.length);
  for (const inst of instances) {
    assert.deepEqual(sorted(Object.keys(inst)), sorted(INSTANCE_FIELDS), inst.name);
    assert.equal(inst.beparams.memory, inst.beparams.maxmem);
  }
  const web1 = await rapi.getInstance('web1.example.com');
  assert.equal(web1.pnode, 'node1.example.com');
  assert.deepEqual(
    web1,
    instances.find((i) => i.name === 'web1.example.com'),
  );

  for (const node of await rapi.getNodes({ bulk: true })) assert.deepEqual(sorted(Object.keys(node)), sorted(NODE_FIELDS), node.name);
  assert.equal(await rapi.getNodeRole('node1.example.com'), 'master');
  assert.equal((await rapi.getNode('node1.example.com')).role, 'M');
  for (const group of await rapi.getGroups({ bulk: true })) assert.deepEqual(sorted(Object.keys(group)), sorted(GROUP_FIELDS));
  assert.deepEqual(
    (await rapi.getGroups()).map((g) => g.name),
    ['default', 'rack2'],
  );
  for (const net of await rapi.getNetworks({ bulk: true })) assert.deepEqual(sorted(Object.keys(net)), sorted(NETWORK_FIELDS));
  assert.deepEqual(await rapi.getClusterTags(), ['env:demo', 'owner:ops']);

  const q = await rapi.query('node', ['name', 'offline'], ['=', 'name', 'node2.example.com']);
  assert.deepEqual(q.data, [
    [
      [0, 'node2.example.com'],
      [0, false],
    ],
  ]);
  assert.equal((await rapi.getQueryFields('node', ['mfree'])).fields[0]?.name, 'mfree');

  await assert.rejects(rapi.getInstance('nosuch.example.com'), (err: unknown) => {
    assert.ok(err instanceof RapiStatusError);
    assert.equal(err.status, 404);
    assert.equal(err.code, RapiErrorCodes.http);
    return true;
  });
});

test('writes submit jobs that waitForJob follows to the end', { timeout: 20_000 }, async (t) => {
  const { rapi, url } = await setUp(t, { username: 'admin', password: 's3cret' });
  const statuses: string[] = [];
  const shutdown = await rapi.shutdownInstance('web1.example.com', { timeout: 5 }, { reason: 'maintenance' });
  const job = await rapi.waitForJob(shutdown, { onStatus: (s) => statuses.push(s), timeoutMs: 15_000 });
  assert.equal(job.status, 'success');
  assert.deepEqual(sorted(Object.keys(job)), sorted(JOB_FIELDS));
  assert.equal(statuses.at(-1), 'success');
  assert.equal(job.ops[0]?.OP_ID, 'OP_INSTANCE_SHUTDOWN');
  // The user's reason is in the trail, with its nanosecond timestamp kept exact.
  const trail = job.ops[0]?.['reason'] as Array<[string, string, number | bigint]>;
  assert.deepEqual(trail[0]?.slice(0, 2), ['gnt:user', 'maintenance']);
  assert.equal(typeof trail[0]?.[2], 'bigint');
  assert.equal((await rapi.getInstance('web1.example.com')).admin_state, 'down');

  assert.equal((await rapi.waitForJob(await rapi.startupInstance('web1.example.com'))).status, 'success');
  assert.equal((await rapi.getInstance('web1.example.com')).admin_state, 'up');
  assert.equal((await rapi.waitForJob(await rapi.addInstanceTags('web1.example.com', ['role:front']))).status, 'success');
  assert.ok((await rapi.getInstanceTags('web1.example.com')).includes('role:front'));

  // A dry run checks and changes nothing; a failing prerequisite ends the job in error.
  const dry = await rapi.waitForJob(await rapi.deleteGroup('default', { dryRun: true }));
  assert.equal(dry.status, 'error');
  assert.deepEqual(
    (await rapi.getGroups()).map((g) => g.name),
    ['default', 'rack2'],
  );

  // Writes need a user with write rights.
  const anonymous = new RapiClient({ url });
  t.after(() => anonymous.destroy());
  await assert.rejects(anonymous.startupInstance('web1.example.com'), { name: 'RapiStatusError', status: 401 });
  const reader = new RapiClient({ url, username: 'reader', password: 'r3ad' });
  t.after(() => reader.destroy());
  await assert.rejects(reader.startupInstance('web1.example.com'), { name: 'RapiStatusError', status: 403 });
});
