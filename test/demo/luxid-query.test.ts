import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DemoLuxid } from '../../src/demo/luxid.js';
import { sampleCluster } from '../../src/demo/cluster.js';
import { GanetiError, OpPrereqError, ParameterError, GenericError } from '../../src/errors.js';
import { DemoParseError } from '../../src/demo/qlang.js';

const HTOOLS_NODE = [
  'name',
  'mtotal',
  'mnode',
  'mfree',
  'dtotal',
  'dfree',
  'ctotal',
  'cnos',
  'offline',
  'drained',
  'vm_capable',
  'ndp/spindle_count',
  'group.uuid',
  'tags',
  'ndp/exclusive_storage',
  'sptotal',
  'spfree',
  'ndp/cpu_speed',
];
const HTOOLS_INSTANCE = [
  'name',
  'disk_usage',
  'be/memory',
  'be/vcpus',
  'status',
  'pnode',
  'snodes',
  'tags',
  'be/auto_balance',
  'disk_template',
  'be/spindle_use',
  'disk.sizes',
  'disk.spindles',
  'forthcoming',
];
const HTOOLS_GROUP = ['uuid', 'name', 'alloc_policy', 'ipolicy', 'tags'];

function luxid(): DemoLuxid {
  return new DemoLuxid();
}

function typeOfValue(v: unknown): string {
  return Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v;
}

test('the htools node query gives normal cells of the right types for every online node', () => {
  const l = luxid();
  const r = l.Query('node', HTOOLS_NODE, null);
  assert.equal(r.fields.length, HTOOLS_NODE.length);
  assert.equal(r.fields.find((f) => f.name === 'ndp/cpu_speed')?.kind, 'float');
  const want = [
    'string',
    'number',
    'number',
    'number',
    'number',
    'number',
    'number',
    'number',
    'boolean',
    'boolean',
    'boolean',
    'number',
    'string',
    'array',
    'boolean',
    'number',
    'number',
    'number',
  ];
  assert.equal(r.data.length, 5);
  for (const row of r.data) {
    const offline = row[8]?.[1] === true;
    row.forEach(([status, value], i) => {
      const live = ['mtotal', 'mnode', 'mfree', 'dtotal', 'dfree', 'ctotal', 'cnos', 'sptotal', 'spfree'].includes(
        HTOOLS_NODE[i] as string,
      );
      if (offline && live) {
        assert.deepEqual([status, value], [4, null], `offline node, field ${HTOOLS_NODE[i]}`);
      } else {
        assert.equal(status, 0, `field ${HTOOLS_NODE[i]}`);
        assert.equal(typeOfValue(value), want[i], `field ${HTOOLS_NODE[i]}`);
      }
    });
  }
  assert.deepEqual(
    r.data.map((row) => row[0]?.[1]),
    [1, 2, 3, 4, 5].map((n) => `node${n}.example.com`),
  );
});

test('the htools instance query gives normal cells, with statuses htools understand', () => {
  const r = luxid().Query('instance', HTOOLS_INSTANCE, null);
  assert.equal(r.data.length, 8);
  const statuses = new Set(['running', 'ADMIN_down', 'ERROR_up', 'ERROR_down', 'ADMIN_offline', 'ERROR_nodeoffline']);
  for (const row of r.data) {
    for (const [i, cell] of row.entries()) assert.equal(cell[0], 0, `field ${HTOOLS_INSTANCE[i]}`);
    const v = row.map((c) => c[1]);
    assert.equal(typeof v[0], 'string');
    assert.equal(typeof v[1], 'number');
    assert.equal(typeof v[2], 'number');
    assert.ok(statuses.has(v[4] as string));
    assert.ok(Array.isArray(v[6]) && Array.isArray(v[11]) && Array.isArray(v[12]));
    assert.equal(typeof v[8], 'boolean');
    assert.equal(typeof v[13], 'boolean');
    if (v[9] === 'drbd') assert.equal((v[6] as string[]).length, 1);
  }
  const names = r.data.map((row) => row[0]?.[1]);
  assert.ok(names.includes('café.example.com'));
  const web1 = r.data.find((row) => row[0]?.[1] === 'web1.example.com')?.map((c) => c[1]);
  assert.deepEqual(web1?.slice(1, 4), [20480 + 128, 2048, 2]);
  assert.ok(r.data.some((row) => row[4]?.[1] === 'ADMIN_down'));
});

test('the htools group query and QueryClusterInfo carry an ipolicy shaped as htools need', () => {
  const l = luxid();
  const g = l.Query('group', HTOOLS_GROUP, null);
  assert.equal(g.data.length, 2);
  const info = l.QueryClusterInfo();
  assert.equal(Object.keys(info).length, 55);
  for (const pol of [info['ipolicy'], ...g.data.map((row) => row[3]?.[1])]) {
    const p = pol as Record<string, unknown>;
    assert.deepEqual(Object.keys(p).sort(), ['disk-templates', 'minmax', 'spindle-ratio', 'std', 'vcpu-ratio']);
    const std = p['std'] as Record<string, unknown>;
    assert.deepEqual(Object.keys(std).sort(), ['cpu-count', 'disk-count', 'disk-size', 'memory-size', 'nic-count', 'spindle-use']);
  }
  assert.equal(info['master'], 'node1.example.com');
  assert.equal(info['default_hypervisor'], 'kvm');
  assert.equal(info['software_version'], '3.0.2');
});

test('Query marks unknown fields as kind unknown with status 1 cells', () => {
  const r = luxid().Query('node', ['name', 'nosuch'], null);
  assert.deepEqual(r.fields[1], { name: 'nosuch', title: 'nosuch', kind: 'unknown', doc: "Unknown field 'nosuch'" });
  assert.deepEqual(r.data[0]?.[1], [1, null]);
});

test('Query on an unknown resource is a parse error; on cluster it is not supported', () => {
  const l = luxid();
  assert.throws(
    () => l.Query('nosuchresource', ['name'], null),
    (e: unknown) => e instanceof DemoParseError && e.code === 'UDS_ERR_LUXI_PARSE' && /^Cannot convert value/.test(e.message),
  );
  assert.throws(() => l.Query('cluster', ['name'], null), GenericError);
});

test('Query with a name filter keeps the requested order and fails on missing names', () => {
  const l = luxid();
  const r = l.Query('node', ['name'], ['|', ['=', 'name', 'node3.example.com'], ['=', 'name', 'node1']]);
  assert.deepEqual(r.data, [[[0, 'node3.example.com']], [[0, 'node1.example.com']]]);
  assert.throws(
    () => l.Query('node', ['name'], ['=', 'name', 'nosuch']),
    (e: unknown) => e instanceof OpPrereqError && e.message === 'Node name nosuch not found' && e.errCode === 'unknown_entity',
  );
});

test('Query filters with comparisons, regexps, lists and booleans', () => {
  const l = luxid();
  const names = (flt: unknown[]) => l.Query('instance', ['name'], flt).data.map((row) => row[0]?.[1]);
  assert.deepEqual(names(['&', ['==', 'disk_template', 'drbd'], ['>=', 'be/vcpus', 2]]), [
    'db1.example.com',
    'web1.example.com',
    'web2.example.com',
  ]);
  assert.deepEqual(names(['=~', 'name', '^web']), ['web1.example.com', 'web2.example.com']);
  assert.deepEqual(names(['=[]', 'tags', 'app:db']), ['db1.example.com']);
  assert.deepEqual(names(['!', ['?', 'admin_up']]), ['build1.example.com', 'old1.example.com']);
  assert.deepEqual(names(['!=', 'status', 'running']).length, 2);
  assert.throws(() => l.Query('node', ['name'], ['==', 'nosuch', 1]), ParameterError);
  assert.throws(() => l.Query('node', ['name'], ['==', 'mtotal', 'x']), ParameterError);
  assert.throws(() => l.Query('node', ['name'], ['~~', 'name', 'x']), DemoParseError);
});

test('classic queries return plain values, drop unknown names and refuse locking', () => {
  const l = luxid();
  assert.deepEqual(l.QueryNodes(['node2', 'nosuch'], ['name', 'pinst_cnt', 'sinst_cnt'], false), [['node2.example.com', 2, 1]]);
  assert.deepEqual(l.QueryInstances(['unknown.name'], ['name'], false), []);
  assert.deepEqual(l.QueryGroups([], ['name', 'node_cnt'], false), [
    ['default', 3],
    ['rack2', 2],
  ]);
  assert.deepEqual(l.QueryNetworks(['backend'], ['name', 'gateway'], false), [['backend', null]]);
  assert.throws(
    () => l.QueryNodes([], ['name'], true),
    (e: unknown) => e instanceof OpPrereqError && e.message === 'Sync queries are not allowed' && e.errCode === 'wrong_input',
  );
  assert.throws(
    () => l.QueryInstances([], ['name', 'nosuchfield', 'other'], false),
    (e: unknown) => e instanceof OpPrereqError && e.message === 'Unknown output fields selected: nosuchfield, other',
  );
});

test('QueryExports lists exports per node and a null for an offline node', () => {
  const l = luxid();
  assert.deepEqual(l.QueryExports(['node2.example.com'], false), [
    ['node2.example.com', 'web1.example.com'],
    ['node2.example.com', 'cache1.example.com'],
  ]);
  const all = l.QueryExports([], false);
  assert.deepEqual(all.at(-1), ['node5.example.com', null]);
});

test('QueryFields lists all fields sorted, or the named ones', () => {
  const l = luxid();
  const all = l.QueryFields('job', null).fields.map((f) => f.name);
  assert.ok(all.includes('received_ts') && all.includes('oplog'));
  assert.deepEqual(
    l.QueryFields('node', ['name', 'bogus']).fields.map((f) => f.kind),
    ['text', 'unknown'],
  );
  assert.deepEqual(l.QueryFields('instance', ['be/memory']).fields[0], {
    name: 'be/memory',
    title: 'ConfigMaxMem',
    kind: 'unit',
    doc: 'The "maxmem" backend parameter',
  });
});

test('QueryTags answers per kind and names the missing entity', () => {
  const l = luxid();
  assert.deepEqual(l.QueryTags('cluster', ''), ['env:demo', 'owner:ops']);
  assert.deepEqual(l.QueryTags('instance', 'db1.example.com'), ['app:db']);
  assert.deepEqual(l.QueryTags('nodegroup', 'default'), ['dc:one']);
  assert.deepEqual(l.QueryTags('network', 'frontend'), ['public']);
  assert.throws(
    () => l.QueryTags('node', 'nosuch'),
    (e: unknown) =>
      e instanceof GanetiError &&
      e.className === 'OpPrereqError' &&
      e.args[0] === 'Node name nosuch not found' &&
      e.args[1] === 'unknown_entity',
  );
});

test('QueryConfigValues answers the known keys and null for the rest', () => {
  const l = luxid();
  assert.deepEqual(l.QueryConfigValues(['cluster_name', 'master_node', 'drain_flag', 'nosuch', 'watcher_pause']), [
    'cluster.example.com',
    'node1.example.com',
    false,
    null,
    null,
  ]);
  l.SetDrainFlag(true);
  assert.deepEqual(l.QueryConfigValues(['drain_flag']), [true]);
});

test('SetWatcherPause returns its argument and shows in QueryConfigValues while in the future', () => {
  const l = luxid();
  const until = Date.now() / 1000 + 3600.5;
  assert.equal(l.SetWatcherPause(until), until);
  assert.deepEqual(l.QueryConfigValues(['watcher_pause']), [until]);
  assert.equal(l.SetWatcherPause(null), null);
  assert.deepEqual(l.QueryConfigValues(['watcher_pause']), [null]);
});

test('ReplaceFilter adds and replaces rules, QueryFilters shows them, DeleteFilter removes them', () => {
  const l = luxid();
  const uuid = l.ReplaceFilter(null, 5, [['opcode', ['=', 'OP_ID', 'OP_TEST_DELAY']]], 'REJECT', [['test', 'why', 1]]);
  assert.match(uuid, /^[0-9a-f-]{36}$/);
  assert.deepEqual(l.QueryFilters([uuid], ['uuid', 'priority', 'action']), [[uuid, 5, 'REJECT']]);
  assert.equal(l.ReplaceFilter(uuid, 7, [], 'ACCEPT', []), uuid);
  assert.deepEqual(l.QueryFilters([uuid], ['priority', 'action']), [[7, 'ACCEPT']]);
  const trail = l.QueryFilters([uuid], ['reason_trail'])[0]?.[0] as unknown[][];
  assert.equal(trail.at(-1)?.[0], 'luxid');
  assert.equal(typeof trail.at(-1)?.[2], 'bigint');
  assert.equal(l.QueryFilters(null, ['uuid']).length, 2);
  assert.equal(l.DeleteFilter(uuid), null);
  assert.throws(() => l.DeleteFilter(uuid), GenericError);
  assert.throws(() => l.ReplaceFilter('not-a-uuid', 1, [], 'ACCEPT', []), /Unable to parse UUID/);
});

test('a custom cluster is copied, so changes to the argument do not leak in', () => {
  const c = sampleCluster();
  const l = new DemoLuxid({ cluster: c });
  c.nodes.length = 0;
  assert.equal(l.QueryNodes([], ['name'], false).length, 5);
});

test('hv/* fields give the merged hypervisor parameter, or unavailable where the hypervisor lacks it', (t) => {
  const l = new DemoLuxid();
  t.after(() => l.close());
  const q = l.Query('instance', ['hv/acpi', 'hv/boot_order', 'hv/kernel_args', 'hv/nosuch'], ['=', 'name', 'web1.example.com']);
  assert.deepEqual(
    q.fields.map((f) => [f.name, f.title, f.kind]),
    [
      ['hv/acpi', 'ACPI', 'bool'],
      ['hv/boot_order', 'Boot_order', 'other'],
      ['hv/kernel_args', 'hv/kernel_args', 'other'],
      ['hv/nosuch', 'hv/nosuch', 'unknown'],
    ],
  );
  assert.deepEqual(q.data, [
    [
      [0, true],
      [0, 'disk'],
      // Query/Instance.hs hvParamGetter: rsMaybeUnavail of the filled parameters.
      [3, null],
      [1, null],
    ],
  ]);
  assert.equal(l.QueryFields('instance', null).fields.filter((f) => f.name.startsWith('hv/')).length, 82);
});
