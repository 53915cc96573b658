/**
 * The cluster, verify, query, OS/ExtStorage, backup, tags and test executors
 * (src/demo/ops/cluster*.ts), run directly against the test harness's OpContext over a copy
 * of the sample cluster (harness.ts). Expected texts are Ganeti 3.0's (several observed on the real luxid).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleCluster } from '../../../src/demo/cluster.js';
import { CLUSTER_OPS } from '../../../src/demo/ops/cluster.js';
import { GanetiError } from '../../../src/errors.js';
import { assertGanetiError, harness, instance, NOW, node } from './harness.js';

test('every opcode of the area has an executor', () => {
  const ids = [
    'OP_CLUSTER_POST_INIT',
    'OP_CLUSTER_DESTROY',
    'OP_CLUSTER_QUERY',
    'OP_CLUSTER_VERIFY',
    'OP_CLUSTER_VERIFY_CONFIG',
    'OP_CLUSTER_VERIFY_GROUP',
    'OP_CLUSTER_VERIFY_DISKS',
    'OP_CLUSTER_REPAIR_DISK_SIZES',
    'OP_CLUSTER_CONFIG_QUERY',
    'OP_CLUSTER_RENAME',
    'OP_CLUSTER_SET_PARAMS',
    'OP_CLUSTER_REDIST_CONF',
    'OP_CLUSTER_ACTIVATE_MASTER_IP',
    'OP_CLUSTER_DEACTIVATE_MASTER_IP',
    'OP_CLUSTER_RENEW_CRYPTO',
    'OP_QUERY',
    'OP_QUERY_FIELDS',
    'OP_OS_DIAGNOSE',
    'OP_EXT_STORAGE_DIAGNOSE',
    'OP_BACKUP_PREPARE',
    'OP_BACKUP_EXPORT',
    'OP_BACKUP_REMOVE',
    'OP_TAGS_GET',
    'OP_TAGS_SEARCH',
    'OP_TAGS_SET',
    'OP_TAGS_DEL',
    'OP_TEST_DELAY',
    'OP_TEST_ALLOCATOR',
    'OP_TEST_JQUEUE',
    'OP_TEST_OS_PARAMS',
    'OP_TEST_DUMMY',
  ];
  assert.deepEqual(
    ids.filter((id) => typeof CLUSTER_OPS[id] !== 'function'),
    [],
  );
  assert.equal(Object.keys(CLUSTER_OPS).length, ids.length);
});

// ---- tags --------------------------------------------------------------------------------

test('tags set adds to every kind of object, stamps it, and tags get answers the list', () => {
  const h = harness();
  const targets: Array<[string, string | undefined]> = [
    ['cluster', undefined],
    ['node', 'node2'],
    ['instance', 'web1'],
    ['nodegroup', 'rack2'],
    ['network', 'backend'],
  ];
  for (const [kind, name] of targets) {
    assert.equal(h.run({ OP_ID: 'OP_TAGS_SET', kind, name, tags: ['new:one', 'env:demo'] }), null);
    const tags = h.run({ OP_ID: 'OP_TAGS_GET', kind, name, use_locking: false }) as string[];
    assert.ok(tags.includes('new:one'), `${kind}: ${tags.join(',')}`);
    assert.equal(tags.filter((t) => t === 'env:demo').length, 1);
  }
  // Tags are a set in Ganeti: kept sorted.
  assert.deepEqual(h.cluster.info.tags, ['env:demo', 'new:one', 'owner:ops']);
  assert.equal(h.cluster.info['mtime'], NOW);
  assert.equal(node(h.cluster, 2).serialNo, 3);
  assert.equal(node(h.cluster, 2).mtime, NOW);
  assert.deepEqual(instance(h.cluster, 'web1').tags, ['app:web', 'env:demo', 'new:one']);
});

test('tags set refuses invalid tags with TagError texts and changes nothing', () => {
  const h = harness();
  const set = (tags: unknown[]) => () => h.run({ OP_ID: 'OP_TAGS_SET', kind: 'cluster', tags });
  assertGanetiError(set(['a b']), 'TagError', ['Tag contains invalid characters']);
  assertGanetiError(set(['x'.repeat(129)]), 'TagError', ['Tag too long (>128 characters)']);
  assertGanetiError(set(['']), 'TagError', ['Tags cannot be empty']);
  assert.equal(h.run({ OP_ID: 'OP_TAGS_SET', kind: 'cluster', tags: ['é'.repeat(128), 'a.b+c*d/e:f@g-h_1'] }), null);
  assert.deepEqual(h.cluster.info.tags, ['a.b+c*d/e:f@g-h_1', 'env:demo', 'owner:ops', 'é'.repeat(128)]);
});

test('tags set past 4096 tags fails with OpExecError "Error while setting tag: Too many tags"', () => {
  const h = harness();
  node(h.cluster, 3).tags = Array.from({ length: 4096 }, (_, i) => `t${i}`);
  assertGanetiError(() => h.run({ OP_ID: 'OP_TAGS_SET', kind: 'node', name: 'node3', tags: ['t0'] }), 'OpExecError', [
    'Error while setting tag: Too many tags',
  ]);
});

test('tags of unknown objects fail with the lookup texts', () => {
  const h = harness();
  const get = (kind: string, name?: string) => () => h.run({ OP_ID: 'OP_TAGS_GET', kind, name });
  assertGanetiError(get('node', 'nosuch'), 'OpPrereqError', ["Node 'nosuch' not known", 'unknown_entity']);
  assertGanetiError(get('instance', 'nosuch'), 'OpPrereqError', ["Instance 'nosuch' not known", 'unknown_entity']);
  assertGanetiError(get('nodegroup', 'nosuch'), 'OpPrereqError', ["Node group 'nosuch' not found", 'unknown_entity']);
  assertGanetiError(get('network', 'nosuch'), 'OpPrereqError', ["Network 'nosuch' not found", 'unknown_entity']);
  // Observed on the real luxid: a missing name is Python tripping over None.
  assertGanetiError(get('node'), 'OpExecError', ["'NoneType' object has no attribute 'upper'"]);
  assertGanetiError(get('network'), 'OpExecError', ["'NoneType' object has no attribute 'GetTags'"]);
  assertGanetiError(get('nodegroup'), 'OpPrereqError', ['More than one node group exists. Target group must be specified explicitly.']);
});

test('tags del removes tags, and names the missing ones sorted when any is absent', () => {
  const h = harness();
  assertGanetiError(() => h.run({ OP_ID: 'OP_TAGS_DEL', kind: 'cluster', tags: ['zz', 'env:demo', 'aa'] }), 'OpPrereqError', [
    "Tag(s) 'aa', 'zz' not found",
    'unknown_entity',
  ]);
  assert.deepEqual(h.cluster.info.tags, ['env:demo', 'owner:ops']);
  assert.equal(h.run({ OP_ID: 'OP_TAGS_DEL', kind: 'instance', name: 'web1.example.com', tags: ['app:web'] }), null);
  assert.deepEqual(instance(h.cluster, 'web1').tags, []);
  assert.equal(instance(h.cluster, 'web1').mtime, NOW);
});

test('tags search answers [path, tag] pairs in the LU order and refuses a bad pattern', () => {
  const h = harness();
  assert.deepEqual(h.run({ OP_ID: 'OP_TAGS_SEARCH', pattern: '^(app:web|dc:|public|rack|env)' }), [
    ['/cluster', 'env:demo'],
    ['/instances/web1.example.com', 'app:web'],
    ['/instances/web2.example.com', 'app:web'],
    ['/nodes/node3.example.com', 'rack:a'],
    ['/nodegroup/default', 'dc:one'],
    ['/network/frontend', 'public'],
  ]);
  assert.throws(
    () => h.run({ OP_ID: 'OP_TAGS_SEARCH', pattern: '(' }),
    (e: unknown) => e instanceof GanetiError && e.args[1] === 'wrong_input' && String(e.args[0]).startsWith("Invalid search pattern '(': "),
  );
});

test('a dry-run tags set checks but answers null and changes nothing', () => {
  const h = harness({ dryRun: true });
  assert.equal(h.run({ OP_ID: 'OP_TAGS_SET', kind: 'cluster', tags: ['ok'] }), null);
  assert.deepEqual(h.cluster.info.tags, ['env:demo', 'owner:ops']);
  assertGanetiError(() => h.run({ OP_ID: 'OP_TAGS_SET', kind: 'cluster', tags: ['no way'] }), 'TagError', [
    'Tag contains invalid characters',
  ]);
});

// ---- cluster -------------------------------------------------------------------------------

test('cluster rename changes info.name and answers the new name', () => {
  const h = harness();
  assert.equal(h.run({ OP_ID: 'OP_CLUSTER_RENAME', name: 'Other.Example.COM' }), 'other.example.com');
  assert.equal(h.cluster.info.name, 'other.example.com');
  assert.equal(h.cluster.info['mtime'], NOW);
  assertGanetiError(() => h.run({ OP_ID: 'OP_CLUSTER_RENAME', name: 'other.example.com' }), 'OpPrereqError', [
    'Neither the name nor the IP address of the cluster has changed',
    'wrong_input',
  ]);
  assertGanetiError(() => h.run({ OP_ID: 'OP_CLUSTER_RENAME', name: 'bad name' }), 'OpPrereqError', [
    "Invalid hostname 'bad name'",
    'wrong_input',
  ]);
});

test('cluster set-params applies parameters to the info dict and answers null', () => {
  const h = harness();
  const result = h.run({
    OP_ID: 'OP_CLUSTER_SET_PARAMS',
    force: false,
    beparams: { memory: 1024, vcpus: '2' },
    hvparams: { kvm: { acpi: false } },
    ndparams: { ssh_port: 2222 },
    candidate_pool_size: 3,
    maintain_node_health: true,
    uid_pool: [[1000, 2000]],
    mac_prefix: 'aa:bb:cc',
    hidden_os: [
      ['add', 'noop'],
      ['remove', 'nosuch'],
    ],
    ipolicy: { 'vcpu-ratio': 2, 'disk-templates': ['drbd', 'plain'] },
    compression_tools: ['gzip', 'lzop'],
    enabled_data_collectors: { lv: false },
  });
  assert.equal(result, null);
  const info = h.cluster.info;
  assert.deepEqual((info['beparams'] as Record<string, unknown>)['default'], {
    maxmem: 1024,
    minmem: 1024,
    vcpus: 2,
    always_failover: false,
    auto_balance: true,
    spindle_use: 1,
  });
  assert.equal((info['hvparams'] as Record<string, Record<string, unknown> | undefined>)['kvm']?.['acpi'], false);
  assert.equal((info['ndparams'] as Record<string, unknown>)['ssh_port'], 2222);
  assert.equal(info['candidate_pool_size'], 3);
  assert.equal(info['maintain_node_health'], true);
  assert.deepEqual(info['uid_pool'], [[1000, 2000]]);
  assert.equal(info['mac_prefix'], 'aa:bb:cc');
  assert.deepEqual(info['hidden_os'], ['noop']);
  assert.equal(info.ipolicy['vcpu-ratio'], 2);
  assert.deepEqual(info.ipolicy['disk-templates'], ['drbd', 'plain']);
  assert.deepEqual(info['compression_tools'], ['gzip', 'lzop']);
  assert.equal((info['enabled_data_collectors'] as Record<string, unknown>)['lv'], false);
  assert.equal(info['mtime'], NOW);
  assert.ok(h.logs.includes('OS nosuch not found in hidden OS list, ignoring'));
});

test('the sample policy allows only enabled disk templates, so a policy-only set-params passes the check', () => {
  const info = sampleCluster().info;
  const enabled = info['enabled_disk_templates'] as string[];
  assert.deepEqual(
    info.ipolicy['disk-templates'].filter((t) => !enabled.includes(t)),
    [],
  );
  const h = harness();
  assert.equal(h.run({ OP_ID: 'OP_CLUSTER_SET_PARAMS', force: false, ipolicy: { 'vcpu-ratio': 3 } }), null);
  assert.equal(h.cluster.info.ipolicy['vcpu-ratio'], 3);
});

test('cluster set-params refuses what the LU refuses, before changing anything', () => {
  const h = harness();
  const set = (extra: Record<string, unknown>) => () => h.run({ OP_ID: 'OP_CLUSTER_SET_PARAMS', force: false, ...extra });
  assertGanetiError(set({ mac_prefix: 'zz:00:00' }), 'OpPrereqError', ["Invalid MAC address prefix 'zz:00:00'", 'wrong_input']);
  assertGanetiError(set({ uid_pool: [[10, 5]] }), 'OpPrereqError', [
    'Lower user-id range boundary value (10) is larger than higher boundary value (5)',
    'wrong_input',
  ]);
  assertGanetiError(set({ enabled_disk_templates: ['drbd', 'diskless'] }), 'OpPrereqError', [
    `Cannot disable disk template 'plain', because there is at least one disk using it:\n * disk/0 ${instance(h.cluster, 'cache1').disks[0]?.uuid} (on cache1.example.com)\n * disk/0 ${instance(h.cluster, 'build1').disks[0]?.uuid} (on build1.example.com)\n * disk/0 ${instance(h.cluster, 'café').disks[0]?.uuid} (on café.example.com)`,
    'wrong_state',
  ]);
  assertGanetiError(set({ vg_name: '' }), 'OpPrereqError', [
    'Cannot unset volume group if lvm-based disk templates are or get enabled.',
    'wrong_input',
  ]);
  assertGanetiError(set({ ipolicy: { nosuch: 1 } }), 'OpPrereqError', ['Invalid key in new ipolicy: nosuch', 'wrong_input']);
  assertGanetiError(set({ ipolicy: { 'disk-templates': ['plain', 'sharedfile', 'file'] } }), 'OpPrereqError', [
    'The following disk templates are allowed by the ipolicy, but not enabled on the cluster: file, sharedfile',
    'wrong_input',
  ]);
  assertGanetiError(set({ default_iallocator: 'nosuch' }), 'OpPrereqError', [
    "Invalid default iallocator script 'nosuch' specified",
    'wrong_input',
  ]);
  assertGanetiError(set({ compression_tools: ['lzop'] }), 'OpPrereqError', [
    'For compatibility reasons, the gzip utility must be present among the compression tools',
    'wrong_input',
  ]);
  assertGanetiError(set({ beparams: { nosuch: 1 } }), 'TypeEnforcementError', ["Unknown parameter 'nosuch'"]);
  assert.deepEqual(h.cluster.info, sampleCluster().info);
});

test('cluster set-params with a new instance communication network submits its jobs', () => {
  const h = harness();
  const result = h.run({ OP_ID: 'OP_CLUSTER_SET_PARAMS', force: false, instance_communication_network: 'comm' });
  assert.deepEqual(result, { jobs: [[true, 100]] });
  assert.equal(h.cluster.info['instance_communication_network'], 'comm');
  const [job] = h.submitted;
  assert.deepEqual(
    job?.map((o) => [o.OP_ID, o['network_name'], o['group_name'] ?? null]),
    [
      ['OP_NETWORK_ADD', 'comm', null],
      ['OP_NETWORK_CONNECT', 'comm', h.cluster.groups[0]?.uuid],
      ['OP_NETWORK_CONNECT', 'comm', h.cluster.groups[1]?.uuid],
    ],
  );
  assert.equal(job?.[0]?.['comment'], 'Submitted by OP_CLUSTER_SET_PARAMS');
});

test('cluster query answers the LU dict; config query answers the requested values', () => {
  const h = harness();
  const q = h.run({ OP_ID: 'OP_CLUSTER_QUERY' }) as Record<string, unknown>;
  assert.equal(Object.keys(q).length, 48);
  assert.equal(q['name'], 'cluster.example.com');
  assert.equal(q['master'], 'node1.example.com');
  assert.deepEqual(q['tags'], ['env:demo', 'owner:ops']);
  assert.equal('enabled_data_collectors' in q, false);
  h.cluster.watcherPause = NOW + 60;
  assert.deepEqual(
    h.run({ OP_ID: 'OP_CLUSTER_CONFIG_QUERY', output_fields: ['name', 'master_node', 'tags', 'drain_flag', 'watcher_pause'] }),
    ['cluster.example.com', 'node1.example.com', ['env:demo', 'owner:ops'], false, NOW + 60],
  );
  assertGanetiError(() => h.run({ OP_ID: 'OP_CLUSTER_CONFIG_QUERY', output_fields: ['name', 'nosuch'] }), 'OpPrereqError', [
    'Unknown output fields selected: nosuch',
    'wrong_input',
  ]);
});

test('cluster destroy refuses while other nodes remain, then answers the master uuid', () => {
  const h = harness();
  assertGanetiError(() => h.run({ OP_ID: 'OP_CLUSTER_DESTROY' }), 'OpPrereqError', [
    'There are still 4 node(s) in this cluster.',
    'wrong_input',
  ]);
  h.cluster.nodes = [node(h.cluster, 1)];
  assertGanetiError(() => h.run({ OP_ID: 'OP_CLUSTER_DESTROY' }), 'OpPrereqError', [
    'There are still 8 instance(s) in this cluster.',
    'wrong_input',
  ]);
  h.cluster.instances = [];
  assert.equal(h.run({ OP_ID: 'OP_CLUSTER_DESTROY' }), node(h.cluster, 1).uuid);
});

test('post-init, redist-conf, master IP and repair-disk-sizes answer as their LUs', () => {
  const h = harness();
  assert.equal(h.run({ OP_ID: 'OP_CLUSTER_POST_INIT' }), true);
  assert.equal(h.run({ OP_ID: 'OP_CLUSTER_REDIST_CONF' }), null);
  assert.equal(h.cluster.info['mtime'], NOW);
  assert.equal(h.run({ OP_ID: 'OP_CLUSTER_ACTIVATE_MASTER_IP' }), null);
  assert.equal(h.run({ OP_ID: 'OP_CLUSTER_DEACTIVATE_MASTER_IP' }), null);
  node(h.cluster, 1).offline = true;
  assertGanetiError(() => h.run({ OP_ID: 'OP_CLUSTER_ACTIVATE_MASTER_IP' }), 'OpExecError', [
    'Could not activate the master IP: Node is marked offline',
  ]);
  assert.deepEqual(h.run({ OP_ID: 'OP_CLUSTER_REPAIR_DISK_SIZES', instances: [] }), []);
  assert.ok(h.logs.includes(' - WARNING: Failure in blockdev_getdimensions call to node node1.example.com, ignoring'));
  assertGanetiError(() => h.run({ OP_ID: 'OP_CLUSTER_REPAIR_DISK_SIZES', instances: ['nosuch'] }), 'OpPrereqError', [
    "Instance 'nosuch' not known",
    'unknown_entity',
  ]);
});

test('renew crypto records a new SSH key type and checks the key size', () => {
  const h = harness();
  const renew = (extra: Record<string, unknown>) =>
    h.run({ OP_ID: 'OP_CLUSTER_RENEW_CRYPTO', node_certificates: false, renew_ssh_keys: true, verbose: false, debug: false, ...extra });
  assertGanetiError(() => renew({ ssh_key_type: 'dsa', ssh_key_bits: 2048 }), 'OpPrereqError', [
    'Invalid key type and bit size combination: dsa with 2048 bits',
    'wrong_input',
  ]);
  assert.equal(renew({ ssh_key_type: 'ecdsa' }), null);
  assert.equal(h.cluster.info['ssh_key_type'], 'ecdsa');
  assert.equal(h.cluster.info['ssh_key_bits'], 384);
  assert.ok(h.logs.includes('Renewing SSH keys'));
});

// ---- verify --------------------------------------------------------------------------------

test('cluster verify submits the config job and one group job per group, depending on it', () => {
  const h = harness();
  const result = h.run({
    OP_ID: 'OP_CLUSTER_VERIFY',
    debug_simulate_errors: false,
    error_codes: false,
    skip_checks: [],
    ignore_errors: [],
    verbose: false,
    verify_clutter: false,
  });
  assert.deepEqual(result, {
    jobs: [
      [true, 100],
      [true, 101],
      [true, 102],
    ],
  });
  const ops = h.submitted.map((j) => j[0]);
  assert.deepEqual(ops[0], {
    OP_ID: 'OP_CLUSTER_VERIFY_CONFIG',
    debug_simulate_errors: false,
    error_codes: false,
    ignore_errors: [],
    verbose: false,
    debug_level: 0,
    priority: 0,
    comment: 'Submitted by OP_CLUSTER_VERIFY',
    reason: [['gnt:client', 'test', 1]],
  });
  assert.deepEqual(
    ops.slice(1).map((o) => [o?.OP_ID, o?.['group_name'], o?.['depends']]),
    [
      ['OP_CLUSTER_VERIFY_GROUP', h.cluster.groups[0]?.uuid, [[-1, []]]],
      ['OP_CLUSTER_VERIFY_GROUP', h.cluster.groups[1]?.uuid, [[-2, []]]],
    ],
  );
  const one = harness();
  one.run({ OP_ID: 'OP_CLUSTER_VERIFY', group_name: 'nosuch', skip_checks: [], ignore_errors: [] });
  assert.deepEqual(
    one.submitted.map((j) => j.map((o) => [o.OP_ID, o['group_name']])),
    [[['OP_CLUSTER_VERIFY_GROUP', 'nosuch']]],
  );
});

test('verify group is true on the sample and false once a running instance lives on an offline node', () => {
  const h = harness();
  const verify = (group: string, extra: Record<string, unknown> = {}) =>
    h.run({ OP_ID: 'OP_CLUSTER_VERIFY_GROUP', group_name: group, skip_checks: [], ignore_errors: [], error_codes: false, ...extra });
  assert.equal(verify('rack2'), true);
  assert.ok(h.logs.includes('  - NOTICE: 1 offline node(s) found.'));
  assert.equal(verify('default'), true);
  node(h.cluster, 2).offline = true;
  assert.equal(verify('default'), false);
  assert.ok(
    h.logs.includes('  - ERROR: instance web2.example.com: instance is marked as running and lives on offline node node2.example.com'),
  );
  assert.ok(h.logs.includes('  - ERROR: instance web1.example.com: instance has offline secondary node(s) node2.example.com'));
  h.logs.length = 0;
  assert.equal(verify('default', { ignore_errors: ['EINSTANCEBADNODE'], error_codes: true }), true);
  assert.ok(
    h.logs.includes(
      '  - WARNING:EINSTANCEBADNODE:instance:web2.example.com:instance is marked as running and lives on offline node node2.example.com',
    ),
  );
  assertGanetiError(() => verify('nosuch'), 'OpPrereqError', ["Node group 'nosuch' not found", 'unknown_entity']);
});

test('verify group reports an N+1 memory shortfall', () => {
  const h = harness();
  const live = node(h.cluster, 1).live;
  assert.ok(live);
  live.mfree = 100;
  assert.equal(h.run({ OP_ID: 'OP_CLUSTER_VERIFY_GROUP', group_name: 'default', skip_checks: [], ignore_errors: [] }), false);
  assert.ok(
    h.logs.includes(
      '  - ERROR: node node1.example.com: not enough memory to accomodate instance failovers should node node3.example.com fail (8192MiB needed, 100MiB available)',
    ),
  );
  assert.equal(h.run({ OP_ID: 'OP_CLUSTER_VERIFY_GROUP', group_name: 'default', skip_checks: ['nplusone_mem'], ignore_errors: [] }), true);
});

test('verify config is true on the sample; verify disks submits one group job per group', () => {
  const h = harness();
  assert.equal(h.run({ OP_ID: 'OP_CLUSTER_VERIFY_CONFIG', ignore_errors: [] }), true);
  assert.deepEqual(h.logs.slice(0, 1), ['* Verifying cluster config']);
  assert.equal(h.run({ OP_ID: 'OP_CLUSTER_VERIFY_CONFIG', ignore_errors: [], debug_simulate_errors: true }), false);
  assert.deepEqual(h.run({ OP_ID: 'OP_CLUSTER_VERIFY_DISKS' }), {
    jobs: [
      [true, 100],
      [true, 101],
    ],
  });
  assert.deepEqual(
    h.submitted.map((j) => [j[0]?.OP_ID, j[0]?.['group_name']]),
    [
      ['OP_GROUP_VERIFY_DISKS', h.cluster.groups[0]?.uuid],
      ['OP_GROUP_VERIFY_DISKS', h.cluster.groups[1]?.uuid],
    ],
  );
  assertGanetiError(() => h.run({ OP_ID: 'OP_CLUSTER_VERIFY_DISKS', group_name: 'nosuch' }), 'OpPrereqError', [
    "Node group 'nosuch' not found",
    'unknown_entity',
  ]);
});

// ---- queries, OS, ExtStorage -----------------------------------------------------------------

test('OP_QUERY serves cluster, os and extstorage only, as LUQuery does', () => {
  const h = harness();
  assertGanetiError(() => h.run({ OP_ID: 'OP_QUERY', what: 'node', fields: ['name'], use_locking: false }), 'OpPrereqError', [
    "Unknown query resource 'node'",
    'wrong_input',
  ]);
  const r = h.run({
    OP_ID: 'OP_QUERY',
    what: 'os',
    fields: ['name', 'valid', 'nosuch'],
    use_locking: false,
    qfilter: ['=', 'name', 'noop'],
  });
  assert.deepEqual(r, {
    fields: [
      { name: 'name', title: 'Name', kind: 'text', doc: 'Operating system name' },
      { name: 'valid', title: 'Valid', kind: 'bool', doc: 'Whether operating system definition is valid' },
      { name: 'nosuch', title: 'nosuch', kind: 'unknown', doc: "Unknown field 'nosuch'" },
    ],
    data: [
      [
        [0, 'noop'],
        [0, true],
        [1, null],
      ],
    ],
  });
  const c = h.run({ OP_ID: 'OP_QUERY', what: 'cluster', fields: ['cluster_name'], use_locking: false }) as { data: unknown };
  assert.deepEqual(c.data, [[[0, 'cluster.example.com']]]);
  assertGanetiError(() => h.run({ OP_ID: 'OP_QUERY', what: 'cluster', fields: ['name'], use_locking: true }), 'OpPrereqError', [
    'Can not use locking for cluster queries',
    'wrong_input',
  ]);
  const f = h.run({ OP_ID: 'OP_QUERY_FIELDS', what: 'cluster' }) as { fields: Array<{ name: string }> };
  assert.equal(f.fields.length, 16);
  assert.equal(f.fields[0]?.name, 'architecture');
});

test('os diagnose answers rows of the requested fields from the OS catalogue', () => {
  const h = harness();
  assert.deepEqual(h.run({ OP_ID: 'OP_OS_DIAGNOSE', output_fields: ['name', 'variants'], names: [] }), [
    ['debootstrap', ['default', 'minimal']],
    ['noop', []],
  ]);
  h.cluster.info['hidden_os'] = ['noop'];
  assert.deepEqual(h.run({ OP_ID: 'OP_OS_DIAGNOSE', output_fields: ['name'], names: [] }), [['debootstrap']]);
  const [row] = h.run({
    OP_ID: 'OP_OS_DIAGNOSE',
    output_fields: ['name', 'hidden', 'blacklisted', 'valid', 'node_status', 'api_versions'],
    names: ['noop'],
  }) as unknown[][];
  assert.deepEqual(row?.slice(0, 4), ['noop', true, false, true]);
  // Online vm-capable nodes only: node5 is offline.
  assert.equal(Object.keys(row?.[4] as object).length, 4);
  assert.deepEqual(row?.[5], [20]);
  assertGanetiError(() => h.run({ OP_ID: 'OP_OS_DIAGNOSE', output_fields: ['nosuch'], names: [] }), 'OpPrereqError', [
    'Unknown output fields selected: nosuch',
    'wrong_input',
  ]);
});

test('extstorage diagnose answers the provider with its group status', () => {
  const h = harness();
  assert.deepEqual(h.run({ OP_ID: 'OP_EXT_STORAGE_DIAGNOSE', output_fields: ['name', 'nodegroup_status', 'parameters'], names: [] }), [
    ['demo-ext', { default: true, rack2: true }, [['pool', 'The storage pool to create volumes in']]],
  ]);
  assertGanetiError(() => h.run({ OP_ID: 'OP_EXT_STORAGE_DIAGNOSE', output_fields: ['name'], names: ['nosuch'] }), 'OpExecError', [
    "Some items were removed before retrieving their data: {'nosuch'}",
  ]);
});

// ---- backups -------------------------------------------------------------------------------

const exportOp = (extra: Record<string, unknown> = {}) => ({
  OP_ID: 'OP_BACKUP_EXPORT',
  compress: 'none',
  shutdown_timeout: 120,
  shutdown: true,
  remove_instance: false,
  ignore_remove_failures: false,
  mode: 'local',
  zero_free_space: false,
  long_sleep: false,
  ...extra,
});

test('backup export writes the export to the target, drops older ones, answers the status tuple', () => {
  const h = harness();
  assert.deepEqual(h.run(exportOp({ instance_name: 'web1', target_node: 'node3' })), [true, [true]]);
  assert.deepEqual(h.cluster.exports, { 'node2.example.com': ['cache1.example.com'], 'node3.example.com': ['web1.example.com'] });
  assert.equal(instance(h.cluster, 'web1').running, true);
  assert.deepEqual(h.run(exportOp({ instance_name: 'db1', target_node: 'node2' })), [true, [true, true]]);
  assertGanetiError(() => h.run(exportOp({ instance_name: 'web1', target_node: 'node4' })), 'OpPrereqError', [
    "Can't use drained node node4.example.com",
    'wrong_state',
  ]);
  assertGanetiError(() => h.run(exportOp({ instance_name: 'web1', target_node: 'node5' })), 'OpPrereqError', [
    "Can't use offline node: node5.example.com",
    'wrong_state',
  ]);
  assertGanetiError(
    () => h.run(exportOp({ instance_name: 'web1', target_node: 'node2', remove_instance: true, shutdown: false })),
    'OpPrereqError',
    ['Can not remove instance without shutting it down before', 'wrong_state'],
  );
  assertGanetiError(() => h.run(exportOp({ instance_name: 'web1', target_node: 'node2', mode: 'remote' })), 'OpPrereqError', [
    'Missing X509 key name for encryption',
    'wrong_input',
  ]);
});

test('backup export with remove_instance removes the instance and frees its node resources', () => {
  const h = harness();
  const before = node(h.cluster, 2).live?.mfree ?? 0;
  assert.deepEqual(h.run(exportOp({ instance_name: 'cache1', target_node: 'node1', remove_instance: true })), [true, [true]]);
  assert.equal(
    h.cluster.instances.some((i) => i.name === 'cache1.example.com'),
    false,
  );
  assert.equal(node(h.cluster, 2).live?.mfree, before + 4096);
  assert.deepEqual(h.cluster.exports['node1.example.com'], ['cache1.example.com']);
});

test('backup prepare answers null for local and the handshake dict for remote; remove drops exports', () => {
  const h = harness();
  assert.equal(h.run({ OP_ID: 'OP_BACKUP_PREPARE', instance_name: 'web1', mode: 'local' }), null);
  const remote = h.run({ OP_ID: 'OP_BACKUP_PREPARE', instance_name: 'web1', mode: 'remote' }) as Record<string, unknown[]>;
  assert.deepEqual(Object.keys(remote), ['handshake', 'x509_key_name', 'x509_ca']);
  assert.equal(remote['handshake']?.[0], 0);
  assert.equal(remote['x509_key_name']?.length, 3);
  assertGanetiError(() => h.run({ OP_ID: 'OP_BACKUP_PREPARE', instance_name: 'nosuch', mode: 'local' }), 'OpPrereqError', [
    "Instance 'nosuch' not known",
    'unknown_entity',
  ]);
  assert.equal(h.run({ OP_ID: 'OP_BACKUP_REMOVE', instance_name: 'web1' }), null);
  assert.deepEqual(h.cluster.exports, { 'node2.example.com': ['cache1.example.com'] });
  assert.equal(h.run({ OP_ID: 'OP_BACKUP_REMOVE', instance_name: 'gone.example.com' }), null);
  assert.ok(h.logs.at(-1)?.startsWith('Export not found. If trying to remove an export belonging to a deleted instance'));
  assert.ok(h.logs.includes(' - WARNING: Failed to query node node5.example.com (continuing): Node is marked offline'));
});

// ---- test opcodes ----------------------------------------------------------------------------

test('test delay resolves on_nodes onto the opcode and refuses a duration of zero', () => {
  const h = harness();
  const op: Record<string, unknown> = { OP_ID: 'OP_TEST_DELAY', duration: 0.5, on_master: true, on_nodes: ['node2'], repeat: 0 };
  const exec = CLUSTER_OPS['OP_TEST_DELAY'];
  assert.ok(exec);
  assert.equal(exec(op, h.ctx), null);
  assert.deepEqual(op['on_nodes'], ['node2.example.com']);
  assert.deepEqual(op['on_node_uuids'], [node(h.cluster, 2).uuid, node(h.cluster, 1).uuid]);
  assertGanetiError(() => h.run({ OP_ID: 'OP_TEST_DELAY', duration: 0 }), 'OpPrereqError', ['Duration must be greater than zero']);
  assertGanetiError(() => h.run({ OP_ID: 'OP_TEST_DELAY', duration: 1, on_nodes: ['nosuch'] }), 'OpPrereqError', [
    "Node 'nosuch' not known",
    'unknown_entity',
  ]);
});

test('test jqueue, os params and dummy answer as on the real master', () => {
  const h = harness();
  assert.equal(h.run({ OP_ID: 'OP_TEST_JQUEUE', notify_waitlock: false, notify_exec: false, log_messages: [], fail: false }), true);
  assert.deepEqual(h.logs, [' - INFO: Expanding names', ' - INFO: Executing']);
  assertGanetiError(() => h.run({ OP_ID: 'OP_TEST_JQUEUE', log_messages: [], fail: true }), 'OpExecError', [
    'Opcode failure was requested',
  ]);
  assertGanetiError(() => h.run({ OP_ID: 'OP_TEST_JQUEUE', log_messages: ['x'] }), 'OpExecError', [
    "Client didn't connect in time (timed out)",
  ]);
  h.logs.length = 0;
  assert.equal(h.run({ OP_ID: 'OP_TEST_OS_PARAMS', osparams_secret: { a: 'b' } }), null);
  assert.deepEqual(h.logs, ["Secret OS parameters: {'a': 'b'}"]);
  assertGanetiError(() => h.run({ OP_ID: 'OP_TEST_OS_PARAMS' }), 'OpExecError', ['Opcode needs secret parameters']);
  assertGanetiError(() => h.run({ OP_ID: 'OP_TEST_DUMMY', result: 1, messages: [], fail: false, submit_jobs: false }), 'OpCodeUnknown', [
    'Unknown opcode',
  ]);
});

test('test allocator answers the iallocator input text and runs the stand-in allocator', () => {
  const h = harness();
  const alloc = (extra: Record<string, unknown>) =>
    h.run({
      OP_ID: 'OP_TEST_ALLOCATOR',
      mode: 'allocate',
      name: 'new1.example.com',
      disks: [{ size: 1024, mode: 'rw' }],
      nics: [],
      memory: 1024,
      vcpus: 1,
      os: 'debootstrap+default',
      disk_template: 'drbd',
      tags: [],
      spindle_use: 1,
      count: 1,
      ...extra,
    });
  const text = alloc({ direction: 'in' }) as string;
  assert.ok(text.endsWith('\n'));
  const input = JSON.parse(text) as Record<string, Record<string, unknown>>;
  assert.equal(input['version'] as unknown, 2);
  assert.deepEqual(Object.keys(input['nodes'] ?? {}).length, 5);
  assert.equal(input['request']?.['type'], 'allocate');
  assert.equal(input['request']?.['disk_space_total'], 1024 + 128);
  assert.equal(input['request']?.['required_nodes'], 2);
  assert.ok(text.includes('"caf\\u00e9.example.com": {'));
  const out = JSON.parse(alloc({ direction: 'out', iallocator: 'hail' }) as string) as { success: boolean; result: string[] };
  assert.equal(out.success, true);
  assert.deepEqual(out.result, ['node2.example.com', 'node1.example.com']);
  assertGanetiError(() => alloc({ direction: 'out' }), 'OpPrereqError', ['Missing allocator name', 'wrong_input']);
  assertGanetiError(() => alloc({ direction: 'in', name: 'web1' }), 'OpPrereqError', [
    "Instance 'web1.example.com' already in the cluster",
    'already_exists',
  ]);
  assertGanetiError(() => alloc({ direction: 'out', iallocator: 'nosuch' }), 'OpExecError', [
    "Failure while running the iallocator script: iallocator module 'nosuch' not found in the search path",
  ]);
  assertGanetiError(() => alloc({ direction: 'in', mode: 'relocate', name: 'cache1' }), 'OpPrereqError', [
    "Can't relocate non-mirrored instances",
    'wrong_input',
  ]);
});
