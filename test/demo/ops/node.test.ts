import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildContext, NODE_FIELDS } from '../../../src/demo/fields.js';
import { assertGanetiError, harness, node } from './harness.js';

const N1 = 'node1.example.com';
const N2 = 'node2.example.com';
const N4 = 'node4.example.com';
const N5 = 'node5.example.com';

function nodeField(h: ReturnType<typeof harness>, name: string, field: string): unknown {
  const spec = NODE_FIELDS.find((f) => f.def.name === field);
  const n = h.cluster.nodes.find((x) => x.name === name);
  assert.ok(spec && n);
  return spec.get(n, buildContext(h.cluster));
}

test('node set-params offline on a candidate answers str()ed flag changes and clears master_candidate', () => {
  const h = harness();
  const before = node(h.cluster, 2).serialNo;
  const result = h.run({ OP_ID: 'OP_NODE_SET_PARAMS', node_name: 'node2', offline: true, force: false, auto_promote: false });
  assert.deepEqual(result, [
    ['master_candidate', 'False'],
    ['offline', 'True'],
  ]);
  const n2 = node(h.cluster, 2);
  assert.equal(n2.offline, true);
  assert.equal(n2.masterCandidate, false);
  assert.equal(n2.serialNo, before + 1);
  assert.equal(n2.mtime, 2000000000.5);
  assert.deepEqual(nodeField(h, N2, 'role'), [0, 'O']);
});

test('node set-params refuses the master, empty modifications and two states at once', () => {
  const h = harness();
  assertGanetiError(() => h.run({ OP_ID: 'OP_NODE_SET_PARAMS', node_name: N1, drained: true }), 'OpPrereqError', [
    'The master role can be changed only via master-failover',
    'wrong_input',
  ]);
  assertGanetiError(() => h.run({ OP_ID: 'OP_NODE_SET_PARAMS', node_name: N2 }), 'OpPrereqError', [
    'Please pass at least one modification',
    'wrong_input',
  ]);
  assertGanetiError(() => h.run({ OP_ID: 'OP_NODE_SET_PARAMS', node_name: N2, drained: true, offline: true }), 'OpPrereqError', [
    "Can't set the node into more than one state at the same time",
    'wrong_input',
  ]);
  assertGanetiError(() => h.run({ OP_ID: 'OP_NODE_SET_PARAMS', node_name: 'nodeX', drained: true }), 'OpPrereqError', [
    "Node 'nodeX' not known",
    'unknown_entity',
  ]);
  assertGanetiError(() => h.run({ OP_ID: 'OP_NODE_SET_PARAMS', node_name: N1, master_capable: false }), 'OpPrereqError', [
    'Master must remain master capable',
    'wrong_state',
  ]);
});

test('un-draining a node promotes it to master candidate and logs it', () => {
  const h = harness();
  const result = h.run({ OP_ID: 'OP_NODE_SET_PARAMS', node_name: N4, drained: false });
  assert.deepEqual(result, [
    ['master_candidate', 'True'],
    ['drained', 'False'],
  ]);
  assert.ok(h.logs.includes(' - INFO: Auto-promoting node to master candidate'));
  assert.equal(node(h.cluster, 4).drained, false);
  assert.equal(node(h.cluster, 4).masterCandidate, true);
});

test('de-offlining a node whose daemon does not answer fails with its version error', () => {
  const h = harness();
  assertGanetiError(() => h.run({ OP_ID: 'OP_NODE_SET_PARAMS', node_name: N5, offline: false }), 'OpPrereqError', [
    'Node node5.example.com is being de-offlined but fails to report its version: Error 7: Failed to connect to 192.0.2.15 port 1811: Connection refused',
    'wrong_state',
  ]);
});

test('node set-params: vm_capable with instances, ndparams, powered without OOB, secondary ip', () => {
  const h = harness();
  assertGanetiError(() => h.run({ OP_ID: 'OP_NODE_SET_PARAMS', node_name: N2, vm_capable: false }), 'OpPrereqError', [
    'Node node2.example.com hosts instances, cannot unset the vm_capable flag',
    'wrong_state',
  ]);
  // Ganeti does not count `powered` as a modification of its own.
  assertGanetiError(() => h.run({ OP_ID: 'OP_NODE_SET_PARAMS', node_name: N2, powered: false }), 'OpPrereqError', [
    'Please pass at least one modification',
    'wrong_input',
  ]);
  assertGanetiError(() => h.run({ OP_ID: 'OP_NODE_SET_PARAMS', node_name: N2, powered: false, ndparams: {} }), 'OpPrereqError', [
    'Unable to change powered state for node node2.example.com as it does not support out-of-band handling',
    'wrong_state',
  ]);
  assertGanetiError(() => h.run({ OP_ID: 'OP_NODE_SET_PARAMS', node_name: N2, ndparams: { exclusive_storage: true } }), 'OpPrereqError', [
    'The following node parameters are global and cannot be customized at node level, please modify them at cluster or group level: exclusive_storage',
    'wrong_input',
  ]);
  assertGanetiError(() => h.run({ OP_ID: 'OP_NODE_SET_PARAMS', node_name: N2, ndparams: { bogus: 1 } }), 'TypeEnforcementError', [
    "Unknown parameter 'bogus'",
  ]);
  assert.deepEqual(h.run({ OP_ID: 'OP_NODE_SET_PARAMS', node_name: N2, ndparams: { spindle_count: '4', oob_program: '/bin/oob' } }), []);
  assert.deepEqual(node(h.cluster, 2).ndparams, { spindle_count: 4, oob_program: '/bin/oob' });
  assert.deepEqual(nodeField(h, N2, 'powered'), [0, true]);
  // With an OOB program the power state can be recorded.
  h.run({ OP_ID: 'OP_NODE_SET_PARAMS', node_name: N2, powered: false, ndparams: {} });
  assert.deepEqual(nodeField(h, N2, 'powered'), [0, false]);
  assertGanetiError(() => h.run({ OP_ID: 'OP_NODE_SET_PARAMS', node_name: N2, secondary_ip: '198.51.100.99' }), 'OpPrereqError', [
    "Instance 'web1.example.com' is marked to be up, cannot change secondary ip",
    'wrong_state',
  ]);
  assert.deepEqual(h.run({ OP_ID: 'OP_NODE_SET_PARAMS', node_name: N4, secondary_ip: '198.51.100.44' }), [
    ['secondary_ip', '198.51.100.44'],
  ]);
});

test('a dry run checks and answers null', () => {
  const h = harness({ dryRun: true });
  assert.equal(h.run({ OP_ID: 'OP_NODE_SET_PARAMS', node_name: N2, offline: true }), null);
  assertGanetiError(() => h.run({ OP_ID: 'OP_NODE_REMOVE', node_name: N1 }), 'OpPrereqError', [
    'Node is the master node, failover to another node is required',
    'wrong_input',
  ]);
});

test('node add appends a node that later queries show; re-adding it is refused', () => {
  const h = harness();
  assertGanetiError(
    () => h.run({ OP_ID: 'OP_NODE_ADD', node_name: 'node6', readd: false, secondary_ip: '198.51.100.16' }),
    'OpPrereqError',
    ['More than one node group exists. Target group must be specified explicitly.'],
  );
  assertGanetiError(() => h.run({ OP_ID: 'OP_NODE_ADD', node_name: 'node6', readd: false, group: 'rack2' }), 'OpPrereqError', [
    "The master has a secondary ip but the new node doesn't have one",
    'wrong_input',
  ]);
  const result = h.run({ OP_ID: 'OP_NODE_ADD', node_name: 'node6', group: 'rack2', secondary_ip: '198.51.100.16', readd: false });
  assert.equal(result, null);
  const n6 = h.cluster.nodes.find((n) => n.name === 'node6.example.com');
  assert.ok(n6);
  assert.equal(n6.group, 'rack2');
  assert.equal(n6.primaryIp, '192.0.2.10');
  assert.equal(n6.masterCandidate, true);
  assert.ok(h.logs.includes(' - INFO: Node will be a master candidate'));
  assertGanetiError(
    () => h.run({ OP_ID: 'OP_NODE_ADD', node_name: 'node6.example.com', group: 'rack2', secondary_ip: '198.51.100.17' }),
    'OpPrereqError',
    ['Node node6.example.com is already in the configuration', 'already_exists'],
  );
  assertGanetiError(
    () => h.run({ OP_ID: 'OP_NODE_ADD', node_name: 'node7', group: 'rack2', secondary_ip: '198.51.100.16' }),
    'OpPrereqError',
    ['New node ip address(es) conflict with existing node node6.example.com', 'resource_not_unique'],
  );
});

test('re-adding an offline node resets its flags and brings its daemon back', () => {
  const h = harness();
  assert.equal(h.run({ OP_ID: 'OP_NODE_ADD', node_name: N5, readd: true, secondary_ip: '198.51.100.15' }), null);
  const n5 = node(h.cluster, 5);
  assert.equal(n5.offline, false);
  assert.ok(n5.live);
  assert.ok(h.logs.includes(' - INFO: Readding a node, the offline/drained flags were reset'));
});

test('node remove refuses nodes with instances and removes an empty one', () => {
  const h = harness();
  assertGanetiError(() => h.run({ OP_ID: 'OP_NODE_REMOVE', node_name: N2 }), 'OpPrereqError', [
    'Instance web1.example.com is still running on the node, please remove first',
    'wrong_input',
  ]);
  assert.equal(h.run({ OP_ID: 'OP_NODE_REMOVE', node_name: 'node5' }), null);
  assert.equal(
    h.cluster.nodes.some((n) => n.name === N5),
    false,
  );
  assertGanetiError(() => h.run({ OP_ID: 'OP_NODE_REMOVE', node_name: N4, node_uuid: 'bad-uuid' }), 'OpPrereqError', [
    "The nodes UUID '0e6f3a0c-0000-4000-8000-000000000004' does not match the expected UUID 'bad-uuid' for node 'node4.example.com'. Maybe the node changed since you submitted this job.",
    'resource_not_unique',
  ]);
});

test('node powercycle answers the daemon text, renews the boot id and needs force for the master', () => {
  const h = harness();
  assertGanetiError(() => h.run({ OP_ID: 'OP_NODE_POWERCYCLE', node_name: N1, force: false }), 'OpPrereqError', [
    'The node is the master and the force parameter was not set',
    'wrong_input',
  ]);
  const boot = node(h.cluster, 2).live?.bootid;
  assert.equal(h.run({ OP_ID: 'OP_NODE_POWERCYCLE', node_name: N2, force: false }), 'Reboot scheduled in 5 seconds');
  assert.notEqual(node(h.cluster, 2).live?.bootid, boot);
  assert.equal(h.cluster.instances.find((i) => i.name === 'web2.example.com')?.running, false);
  assertGanetiError(() => h.run({ OP_ID: 'OP_NODE_POWERCYCLE', node_name: N5, force: false }), 'OpExecError', [
    'Failed to schedule the reboot: Error 7: Failed to connect to 192.0.2.15 port 1811: Connection refused',
  ]);
});

test('node migrate submits one OP_INSTANCE_MIGRATE job per primary instance', () => {
  const h = harness();
  const result = h.run({ OP_ID: 'OP_NODE_MIGRATE', node_name: N1, mode: 'live', allow_runtime_changes: true, ignore_ipolicy: false });
  assert.deepEqual(result, {
    jobs: [
      [true, 100],
      [true, 101],
      [true, 102],
    ],
  });
  assert.deepEqual(
    h.submitted.map((j) => j[0]?.['instance_name']),
    ['web1.example.com', 'pxe1.example.com', 'old1.example.com'],
  );
  const op = h.submitted[0]?.[0];
  assert.equal(op?.OP_ID, 'OP_INSTANCE_MIGRATE');
  assert.equal(op?.['mode'], 'live');
  assert.equal(op?.['comment'], 'Submitted by OP_NODE_MIGRATE');
  assert.deepEqual(op?.['reason'], [['gnt:client', 'test', 1]]);
  assert.equal(op?.['cleanup'], false);
  assert.equal('target_node' in (op ?? {}), false);
  assertGanetiError(() => h.run({ OP_ID: 'OP_NODE_MIGRATE', node_name: 'zz' }), 'OpPrereqError', ["Node 'zz' not known", 'unknown_entity']);
});

test('node evacuate of secondaries with hail replaces each secondary inside the group', () => {
  const h = harness();
  const result = h.run({ OP_ID: 'OP_NODE_EVACUATE', node_name: 'node3', mode: 'secondary-only', early_release: true });
  assert.deepEqual(result, { jobs: [[true, 100]] });
  const op = h.submitted[0]?.[0];
  assert.equal(op?.OP_ID, 'OP_INSTANCE_REPLACE_DISKS');
  assert.equal(op?.['instance_name'], 'old1.example.com');
  assert.equal(op?.['mode'], 'replace_new_secondary');
  assert.equal(op?.['remote_node'], N2);
  assert.equal(op?.['early_release'], true);
  assert.ok(h.logs.includes(" - INFO: Evacuating instances from node 'node3.example.com': old1.example.com"));
  assert.ok(h.logs.includes(' - INFO: Instances to be moved: old1.example.com (to node1.example.com, node2.example.com)'));
  // node3 has too little free disk for web1's secondary, and node1 is its primary.
  assertGanetiError(() => h.run({ OP_ID: 'OP_NODE_EVACUATE', node_name: N2, mode: 'secondary-only' }), 'OpExecError', [
    "Unable to evacuate instances web1.example.com (Can't find any good node: Allocation failed: FailDisk)",
  ]);
});

test('node evacuate of primaries fails on a plain instance as hail does, and checks its arguments', () => {
  const h = harness();
  assertGanetiError(() => h.run({ OP_ID: 'OP_NODE_EVACUATE', node_name: N2, mode: 'primary-only' }), 'OpExecError', [
    'Unable to evacuate instances cache1.example.com (Instances of type plain cannot be relocated)',
  ]);
  assertGanetiError(
    () => h.run({ OP_ID: 'OP_NODE_EVACUATE', node_name: N2, mode: 'primary-only', remote_node: 'node3' }),
    'OpPrereqError',
    ['Without the use of an iallocator only secondary instances can be evacuated', 'wrong_input'],
  );
  assertGanetiError(() => h.run({ OP_ID: 'OP_NODE_EVACUATE', node_name: N2, mode: 'all' }), 'OpPrereqError', [
    'Due to an issue with the iallocator interface it is not possible to evacuate all instances at once; specify explicitly whether to evacuate primary or secondary instances',
    'wrong_input',
  ]);
  assertGanetiError(
    () => h.run({ OP_ID: 'OP_NODE_EVACUATE', node_name: N2, mode: 'secondary-only', remote_node: 'node3', iallocator: 'hail' }),
    'OpPrereqError',
    ['Do not specify both, iallocator and node', 'wrong_input'],
  );
  const ok = h.run({ OP_ID: 'OP_NODE_EVACUATE', node_name: N1, mode: 'secondary-only', remote_node: 'node4', early_release: false });
  assert.deepEqual(ok, {
    jobs: [
      [true, 100],
      [true, 101],
    ],
  });
  assert.deepEqual(
    h.submitted.map((j) => [j[0]?.['instance_name'], j[0]?.['remote_node'], j[0]?.['mode']]),
    [
      ['web2.example.com', N4, 'replace_new_secondary'],
      ['db1.example.com', N4, 'replace_new_secondary'],
    ],
  );
  assertGanetiError(
    () => h.run({ OP_ID: 'OP_NODE_EVACUATE', node_name: 'node3.example.com', mode: 'secondary-only', remote_node: 'node1' }),
    'OpPrereqError',
    ['Node node1.example.com is the primary node of instance old1.example.com, cannot use it as secondary', 'wrong_input'],
  );
});

test('OOB commands answer per-node rows and refuse the master for power-off', () => {
  const h = harness();
  assert.deepEqual(h.run({ OP_ID: 'OP_OOB_COMMAND', node_names: [N2, N1], command: 'power-status', timeout: 60 }), [
    [
      [0, N1],
      [3, null],
    ],
    [
      [0, N2],
      [3, null],
    ],
  ]);
  assertGanetiError(() => h.run({ OP_ID: 'OP_OOB_COMMAND', node_names: [N1], command: 'power-off' }), 'OpPrereqError', [
    'Operating on the master node node1.example.com is not allowed for power-off; it does not support out-of-band operations',
    'wrong_input',
  ]);
  assertGanetiError(() => h.run({ OP_ID: 'OP_OOB_COMMAND', node_names: [N2], command: 'power-off' }), 'OpPrereqError', [
    'Cannot power off node node2.example.com because it is not marked offline',
    'wrong_state',
  ]);
  node(h.cluster, 5).ndparams = { oob_program: '/usr/lib/oob' };
  assert.deepEqual(h.run({ OP_ID: 'OP_OOB_COMMAND', node_names: [N5], command: 'power-off', ignore_status: false }), [
    [
      [0, N5],
      [0, null],
    ],
  ]);
  assert.equal(node(h.cluster, 5).powered, false);
  assert.deepEqual(h.run({ OP_ID: 'OP_OOB_COMMAND', node_names: [N5], command: 'power-status' }), [
    [
      [0, N5],
      [0, { powered: false }],
    ],
  ]);
});

test('restricted commands fail on every node as on nodes without the command directory', () => {
  const h = harness();
  assert.deepEqual(h.run({ OP_ID: 'OP_RESTRICTED_COMMAND', nodes: ['node2', N5], command: 'uptime', use_locking: false }), [
    [false, "Command 'uptime' on node 'node2.example.com' failed: Executing command 'uptime' failed"],
    [false, "Command 'uptime' on node 'node5.example.com' failed: Node is marked offline"],
  ]);
  assertGanetiError(() => h.run({ OP_ID: 'OP_RESTRICTED_COMMAND', nodes: ['nope'], command: 'x' }), 'OpPrereqError', [
    "Node 'nope' not known",
    'unknown_entity',
  ]);
});

test('query storage answers rows of the requested fields for lvm-vg, skipping offline nodes', () => {
  const h = harness();
  const rows = h.run({
    OP_ID: 'OP_NODE_QUERY_STORAGE',
    output_fields: ['node', 'type', 'name', 'size', 'used', 'free', 'allocatable'],
    storage_type: 'lvm-vg',
    nodes: [],
  });
  assert.deepEqual(rows, [
    [N1, 'lvm-vg', 'xenvg', 1048576, 524288, 524288, true],
    [N2, 'lvm-vg', 'xenvg', 1048576, 51456, 997120, true],
    ['node3.example.com', 'lvm-vg', 'xenvg', 524288, 513792, 10496, true],
    [N4, 'lvm-vg', 'xenvg', 524288, 8192, 516096, true],
  ]);
  assertGanetiError(
    () => h.run({ OP_ID: 'OP_NODE_QUERY_STORAGE', output_fields: ['name', 'color'], storage_type: 'lvm-vg' }),
    'OpPrereqError',
    ['Unknown output fields selected: color', 'wrong_input'],
  );
  assertGanetiError(() => h.run({ OP_ID: 'OP_NODE_QUERY_STORAGE', output_fields: ['name'], storage_type: 'file' }), 'OpPrereqError', [
    "No disk template of storage type 'file' is enabled in this cluster. Enabled disk templates are: drbd,plain,diskless",
  ]);
});

test('modify storage toggles a PV allocatable flag seen by the next lvm-pv query', () => {
  const h = harness();
  assert.equal(
    h.run({ OP_ID: 'OP_NODE_MODIFY_STORAGE', node_name: N2, storage_type: 'lvm-pv', name: '/dev/sdb', changes: { allocatable: false } }),
    null,
  );
  assert.deepEqual(h.run({ OP_ID: 'OP_NODE_QUERY_STORAGE', output_fields: ['name', 'allocatable'], storage_type: 'lvm-pv', nodes: [N2] }), [
    ['/dev/sdb', false],
  ]);
  assertGanetiError(
    () => h.run({ OP_ID: 'OP_NODE_MODIFY_STORAGE', node_name: N2, storage_type: 'lvm-pv', name: '/dev/sdb', changes: { size: 1 } }),
    'OpPrereqError',
    ["The following fields can not be modified for storage units of type 'lvm-pv': ['size']", 'wrong_input'],
  );
  assertGanetiError(
    () => h.run({ OP_ID: 'OP_NODE_MODIFY_STORAGE', node_name: N2, storage_type: 'lvm-vg', name: 'xenvg', changes: {} }),
    'OpPrereqError',
    ["Storage units of type 'lvm-vg' can not be modified", 'wrong_input'],
  );
});

test('repair storage logs its feedback; only lvm-vg can be repaired', () => {
  const h = harness();
  assert.equal(h.run({ OP_ID: 'OP_REPAIR_NODE_STORAGE', node_name: N2, storage_type: 'lvm-vg', name: 'xenvg' }), null);
  assert.ok(h.logs.includes("Repairing storage unit 'xenvg' on node2.example.com ..."));
  assertGanetiError(
    () => h.run({ OP_ID: 'OP_REPAIR_NODE_STORAGE', node_name: N2, storage_type: 'lvm-pv', name: '/dev/sdb' }),
    'OpPrereqError',
    ["Storage units of type 'lvm-pv' can not be repaired", 'wrong_input'],
  );
});

test('queryvols lists the instances logical volumes as strings', () => {
  const h = harness();
  const rows = h.run({ OP_ID: 'OP_NODE_QUERYVOLS', output_fields: ['node', 'vg', 'size', 'instance'], nodes: [N4] });
  assert.deepEqual(rows, [[N4, 'xenvg', '8192', 'café.example.com']]);
  const n2 = h.run({ OP_ID: 'OP_NODE_QUERYVOLS', output_fields: ['instance', 'size'], nodes: [N2] }) as string[][];
  assert.deepEqual(n2.map((r) => r.join(' ')).sort(), [
    'cache1.example.com 10240',
    'web1.example.com 128',
    'web1.example.com 20480',
    'web2.example.com 128',
    'web2.example.com 20480',
  ]);
  assertGanetiError(() => h.run({ OP_ID: 'OP_NODE_QUERYVOLS', output_fields: ['colour'], nodes: [] }), 'OpPrereqError', [
    'Unknown output fields selected: colour',
    'wrong_input',
  ]);
});
