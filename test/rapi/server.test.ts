// The RAPI server's GET resources over the demo luxid: each answers what ganeti-rapi
// answers for the same cluster (field lists, URI lists, aliases, error bodies), in
// ganeti-rapi's JSON spelling.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { I_FIELDS } from '../../src/rapi/resources-instances.js';
import { N_FIELDS } from '../../src/rapi/resources-nodes.js';
import { G_FIELDS, NET_FIELDS } from '../../src/rapi/resources-groups.js';
import { J_FIELDS } from '../../src/rapi/resources-cluster.js';
import { RAPI_RESOURCES } from '../../src/rapi/routes.js';
import { READER, WRITER, startRapiFixture, waitJob } from './helpers.js';

type Rec = Record<string, unknown>;

describe('RAPI GET resources on the demo', { timeout: 30_000 }, () => {
  test('the URL map has the 60 patterns of connector.py', () => {
    assert.equal(RAPI_RESOURCES.length, 60);
    assert.equal(new Set(RAPI_RESOURCES.map((r) => r.pattern)).size, 60);
  });

  test('/, /2, /version and /2/features', async (t) => {
    const fx = await startRapiFixture(t);
    const root = await fx.call('GET', '/');
    assert.equal(root.status, 200);
    assert.equal(root.text, 'null\n');
    assert.equal(root.headers['content-type'], 'application/json');
    assert.equal((await fx.call('GET', '/2')).text, 'null\n');
    assert.equal((await fx.call('GET', '/version')).text, '2\n');
    const features = (await fx.call('GET', '/2/features')).json as string[];
    assert.deepEqual([...features].sort(), ['instance-create-reqv1', 'instance-reinstall-reqv1', 'node-evac-res1', 'node-migrate-reqv1']);
  });

  test('/2/info is QueryClusterInfo with the vg_name and drbd_helper aliases, in simplejson spelling', async (t) => {
    const fx = await startRapiFixture(t);
    const info = await fx.call('GET', '/2/info');
    assert.equal(info.status, 200);
    const truth = await fx.luxi.queryClusterInfo();
    const got = info.json as Rec;
    assert.equal(got['name'], 'cluster.example.com');
    assert.equal(got['master'], truth['master']);
    assert.equal(got['vg_name'], truth['volume_group_name']);
    assert.equal(got['drbd_helper'], truth['drbd_usermode_helper']);
    assert.ok(info.text.startsWith('{"software_version": "3.0.2", '), info.text.slice(0, 80));
    assert.ok(info.text.endsWith('}\n'));
  });

  test('/2/instances lists names sorted with URIs; bulk has every I_FIELDS field and beparams.memory', async (t) => {
    const fx = await startRapiFixture(t);
    const list = (await fx.call('GET', '/2/instances')).json as Rec[];
    const names = (await fx.luxi.queryInstances([], ['name'])).map((r) => r[0] as string).sort();
    assert.deepEqual(
      list.map((e) => e['id']),
      names,
    );
    assert.deepEqual(list[0], { id: names[0], uri: `/2/instances/${names[0]}` });
    const bulk = await fx.call('GET', '/2/instances?bulk=1');
    // non-ASCII names go out as \u escapes, as simplejson writes them
    assert.ok(bulk.text.includes('caf\\u00e9.example.com'));
    const rows = bulk.json as Rec[];
    assert.equal(rows.length, names.length);
    for (const row of rows) {
      assert.deepEqual(Object.keys(row), [...I_FIELDS]);
      const be = row['beparams'] as Rec;
      assert.equal(be['memory'], be['maxmem']);
    }
  });

  test('/2/instances/[name] is one record; an unknown instance is 404 with ganeti-rapi body', async (t) => {
    const fx = await startRapiFixture(t);
    const web1 = (await fx.call('GET', '/2/instances/web1.example.com')).json as Rec;
    assert.equal(web1['pnode'], 'node1.example.com');
    assert.deepEqual(web1['snodes'], ['node2.example.com']);
    const missing = await fx.call('GET', '/2/instances/nosuch.example.com');
    assert.equal(missing.status, 404);
    assert.equal(missing.text, '{"code": 404, "message": "Not Found", "explain": "Nothing matches the given URI"}\n');
  });

  test('/2/nodes, bulk, one node with the secondary_ip alias, and its role', async (t) => {
    const fx = await startRapiFixture(t);
    const list = (await fx.call('GET', '/2/nodes')).json as Rec[];
    assert.equal(list.length, 5);
    assert.deepEqual(list[0], { id: 'node1.example.com', uri: '/2/nodes/node1.example.com' });
    const bulk = (await fx.call('GET', '/2/nodes?bulk=1')).json as Rec[];
    assert.deepEqual(Object.keys(bulk[0] ?? {}), [...N_FIELDS]);
    const node = (await fx.call('GET', '/2/nodes/node1.example.com')).json as Rec;
    assert.deepEqual(Object.keys(node), [...N_FIELDS, 'secondary_ip']);
    assert.equal(node['secondary_ip'], node['sip']);
    assert.equal((await fx.call('GET', '/2/nodes/node1.example.com/role')).json, 'master');
    assert.equal((await fx.call('GET', '/2/nodes/node4.example.com/role')).json, 'drained');
    assert.equal((await fx.call('GET', '/2/nodes/node5.example.com/role')).json, 'offline');
    assert.equal((await fx.call('GET', '/2/nodes/nosuch')).status, 404);
  });

  test('/2/groups and /2/networks, lists, bulk and one of each', async (t) => {
    const fx = await startRapiFixture(t);
    const groups = (await fx.call('GET', '/2/groups')).json as Rec[];
    const groupNames = (await fx.luxi.queryGroups([], ['name'])).map((r) => r[0]);
    assert.deepEqual(
      groups.map((g) => g['name']),
      [...groupNames].sort(),
    );
    assert.equal(groups[0]?.['uri'], '/2/groups/default');
    const gbulk = (await fx.call('GET', '/2/groups?bulk=1')).json as Rec[];
    assert.deepEqual(Object.keys(gbulk[0] ?? {}), [...G_FIELDS]);
    assert.equal(((await fx.call('GET', '/2/groups/default')).json as Rec)['name'], 'default');
    assert.equal((await fx.call('GET', '/2/groups/nosuch')).status, 404);
    const nets = (await fx.call('GET', '/2/networks')).json as Rec[];
    assert.equal(nets.length, 2);
    const nbulk = (await fx.call('GET', '/2/networks?bulk=1')).json as Rec[];
    assert.deepEqual(Object.keys(nbulk[0] ?? {}), [...NET_FIELDS]);
    const first = nets[0]?.['name'] as string;
    assert.equal(((await fx.call('GET', `/2/networks/${first}`)).json as Rec)['name'], first);
    assert.equal((await fx.call('GET', '/2/networks/nosuch')).status, 404);
  });

  test('tags of the cluster, an instance, a node, a group; an unknown node is a 500 with the OpPrereqError tuple', async (t) => {
    const fx = await startRapiFixture(t);
    assert.deepEqual((await fx.call('GET', '/2/tags')).json, await fx.luxi.queryTags('cluster', ''));
    assert.deepEqual((await fx.call('GET', '/2/instances/web1.example.com/tags')).json, ['app:web']);
    assert.deepEqual((await fx.call('GET', '/2/nodes/node1.example.com/tags')).json, await fx.luxi.queryTags('node', 'node1.example.com'));
    assert.deepEqual((await fx.call('GET', '/2/groups/default/tags')).json, await fx.luxi.queryTags('nodegroup', 'default'));
    const bad = await fx.call('GET', '/2/nodes/nosuch/tags');
    assert.equal(bad.status, 500);
    assert.deepEqual(bad.json, {
      code: 500,
      message: '(&#x27;Node name nosuch not found&#x27;, &#x27;unknown_entity&#x27;)',
      explain: 'Server got itself in trouble',
    });
  });

  test('/2/query/[resource] needs a user; fields, qfilter by PUT, and /fields needs none', async (t) => {
    const fx = await startRapiFixture(t);
    assert.equal((await fx.call('GET', '/2/query/instance?fields=name')).status, 401);
    const q = await fx.call('GET', '/2/query/node?fields=name,%20role', { auth: READER });
    assert.equal(q.status, 200);
    const body = q.json as { data: unknown[][]; fields: Rec[] };
    assert.deepEqual(Object.keys(body), ['data', 'fields']);
    assert.deepEqual(
      body.fields.map((f) => f['name']),
      ['name', 'role'],
    );
    assert.deepEqual(body.data[0], [
      [0, 'node1.example.com'],
      [0, 'M'],
    ]);
    const put = await fx.call('PUT', '/2/query/instance', {
      body: { fields: ['name'], qfilter: ['=', 'name', 'web1.example.com'] },
      auth: WRITER,
    });
    assert.deepEqual((put.json as { data: unknown }).data, [[[0, 'web1.example.com']]]);
    assert.equal(
      (await fx.call('GET', '/2/query/node', { auth: READER })).text.includes('Missing &#x27;fields&#x27; query argument'),
      true,
    );
    const fields = await fx.call('GET', '/2/query/instance/fields?fields=name,os');
    assert.deepEqual(fields.json, {
      fields: [
        { name: 'name', title: 'Instance', kind: 'text', doc: 'Instance name' },
        { name: 'os', title: 'OS', kind: 'text', doc: 'Operating system' },
      ],
    });
    const unknown = await fx.call('GET', '/2/query/nosuch?fields=name', { auth: READER });
    assert.equal(unknown.status, 502);
    assert.match((unknown.json as Rec)['message'] as string, /^Failed to parse request: /);
  });

  test('jobs: list, bulk, one job, an unknown job (all null fields), and filters', async (t) => {
    const fx = await startRapiFixture(t);
    const id = await fx.luxi.submitJob([{ OP_ID: 'OP_TEST_DELAY', duration: 0.01, on_master: false }]);
    assert.equal((await fx.luxi.waitForJob(id)).status, 'success');
    assert.deepEqual((await fx.call('GET', '/2/jobs')).json, [{ id, uri: `/2/jobs/${id}` }]);
    const bulk = (await fx.call('GET', '/2/jobs?bulk=1')).json as Rec[];
    assert.equal(bulk[0]?.['status'], 'success');
    const job = (await fx.call('GET', `/2/jobs/${id}`)).json as Rec;
    assert.deepEqual(Object.keys(job), [...J_FIELDS]);
    const none = (await fx.call('GET', '/2/jobs/999')).json as Rec;
    assert.deepEqual(none, Object.fromEntries(J_FIELDS.map((f) => [f, f === 'id' ? 999 : null])));
    const filters = (await fx.call('GET', '/2/filters')).json as Rec[];
    const uuid = filters[0]?.['uuid'] as string;
    assert.equal(filters[0]?.['uri'], `/2/filters/${uuid}`);
    const one = (await fx.call('GET', `/2/filters/${uuid}`)).json as Rec;
    assert.equal(one['uuid'], uuid);
    assert.equal((await fx.call('GET', '/2/filters/nosuch')).status, 404);
    assert.equal(((await fx.call('GET', '/2/filters?bulk=1')).json as Rec[]).length, filters.length);
  });

  test('/2/os runs OP_OS_DIAGNOSE and lists name+variant', async (t) => {
    const fx = await startRapiFixture(t);
    const os = await fx.call('GET', '/2/os');
    assert.equal(os.status, 200, os.text);
    assert.ok((os.json as string[]).includes('debootstrap+default'), os.text);
  });

  test('console of a running instance; a stopped one is 503', async (t) => {
    const fx = await startRapiFixture(t);
    const c = (await fx.call('GET', '/2/instances/web1.example.com/console', { auth: READER })).json as Rec;
    assert.equal(c['instance'], 'web1.example.com');
    const down = await fx.call('GET', '/2/instances/old1.example.com/console', { auth: READER });
    assert.equal(down.status, 503);
    assert.equal((down.json as Rec)['message'], 'Instance console unavailable');
  });

  test('instance info is a job whose result describes the instance', async (t) => {
    const fx = await startRapiFixture(t);
    const submitted = await fx.call('GET', '/2/instances/web1.example.com/info');
    assert.equal(submitted.status, 200, submitted.text);
    const job = await waitJob(fx, submitted.json);
    assert.equal(job['status'], 'success');
    const [data] = job['opresult'] as [Record<string, Rec>];
    assert.equal(data['web1.example.com']?.['pnode'], 'node1.example.com');
  });
});
