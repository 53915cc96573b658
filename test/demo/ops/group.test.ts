import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildContext, GROUP_FIELDS, NETWORK_FIELDS } from '../../../src/demo/fields.js';
import { assertGanetiError, harness, node } from './harness.js';

function groupField(h: ReturnType<typeof harness>, name: string, field: string): unknown {
  const spec = GROUP_FIELDS.find((f) => f.def.name === field);
  const g = h.cluster.groups.find((x) => x.name === name);
  assert.ok(spec && g);
  return spec.get(g, buildContext(h.cluster));
}

test('group add creates an empty group; a taken name is refused', () => {
  const h = harness();
  assert.equal(h.run({ OP_ID: 'OP_GROUP_ADD', group_name: 'rack3', alloc_policy: 'unallocable', ndparams: { spindle_count: 3 } }), null);
  assert.deepEqual(groupField(h, 'rack3', 'alloc_policy'), [0, 'unallocable']);
  assert.deepEqual(groupField(h, 'rack3', 'node_cnt'), [0, 0]);
  assertGanetiError(() => h.run({ OP_ID: 'OP_GROUP_ADD', group_name: 'rack2' }), 'OpPrereqError', [
    "Desired group name 'rack2' already exists as a node group (UUID: 9c2a0f10-aaaa-4bbb-8ccc-000000000002)",
    'already_exists',
  ]);
  assertGanetiError(() => h.run({ OP_ID: 'OP_GROUP_ADD', group_name: 'rack4', diskparams: { drbd: { stripes: 2 } } }), 'OpPrereqError', [
    "While verify diskparams options: ('Provided option keys not supported: drbd/stripes', 'wrong_input')",
    'wrong_input',
  ]);
});

test('group rename answers the new name and moves the nodes with it', () => {
  const h = harness();
  assert.equal(h.run({ OP_ID: 'OP_GROUP_RENAME', group_name: 'rack2', new_name: 'rack9' }), 'rack9');
  assert.equal(node(h.cluster, 4).group, 'rack9');
  assert.deepEqual(groupField(h, 'rack9', 'node_cnt'), [0, 2]);
  assertGanetiError(() => h.run({ OP_ID: 'OP_GROUP_RENAME', group_name: 'rack9', new_name: 'default' }), 'OpPrereqError', [
    "Desired new name 'default' clashes with existing node group (UUID: 9c2a0f10-aaaa-4bbb-8ccc-000000000001)",
    'already_exists',
  ]);
  assertGanetiError(() => h.run({ OP_ID: 'OP_GROUP_RENAME', group_name: 'nope', new_name: 'x' }), 'OpPrereqError', [
    "Node group 'nope' not found",
    'unknown_entity',
  ]);
});

test('group remove refuses a group with nodes (listed by UUID) and removes an empty one', () => {
  const h = harness();
  assertGanetiError(() => h.run({ OP_ID: 'OP_GROUP_REMOVE', group_name: 'rack2' }), 'OpPrereqError', [
    "Group 'rack2' not empty, has the following nodes: 0e6f3a0c-0000-4000-8000-000000000004, 0e6f3a0c-0000-4000-8000-000000000005",
    'wrong_state',
  ]);
  h.run({ OP_ID: 'OP_GROUP_ADD', group_name: 'spare' });
  assert.equal(h.run({ OP_ID: 'OP_GROUP_REMOVE', group_name: 'spare' }), null);
  assert.equal(
    h.cluster.groups.some((g) => g.name === 'spare'),
    false,
  );
});

test('assign nodes moves nodes; splitting a drbd instance needs force', () => {
  const h = harness();
  assertGanetiError(() => h.run({ OP_ID: 'OP_GROUP_ASSIGN_NODES', group_name: 'rack2', nodes: ['node3'], force: false }), 'OpExecError', [
    'The following instances get split by this change and --force was not given: db1.example.com, old1.example.com',
  ]);
  assert.equal(h.run({ OP_ID: 'OP_GROUP_ASSIGN_NODES', group_name: 'rack2', nodes: ['node3'], force: true }), null);
  assert.equal(node(h.cluster, 3).group, 'rack2');
  assert.ok(h.logs.includes(' - WARNING: This operation will split the following instances: db1.example.com, old1.example.com'));
});

test('group set-params answers str()ed ndparams and diskparams and records the rest', () => {
  const h = harness();
  const result = h.run({
    OP_ID: 'OP_GROUP_SET_PARAMS',
    group_name: 'rack2',
    ndparams: { ssh_port: 2222 },
    diskparams: { plain: { stripes: 2 } },
    alloc_policy: 'preferred',
    ipolicy: { 'vcpu-ratio': 3 },
  });
  assert.deepEqual(result, [
    ['ndparams', "{'spindle_count': 2, 'ssh_port': 2222}"],
    ['diskparams', "{'plain': {'stripes': 2}}"],
  ]);
  assert.deepEqual(groupField(h, 'rack2', 'alloc_policy'), [0, 'preferred']);
  assert.deepEqual(groupField(h, 'rack2', 'custom_ipolicy'), [0, { 'vcpu-ratio': 3 }]);
  assertGanetiError(() => h.run({ OP_ID: 'OP_GROUP_SET_PARAMS', group_name: 'rack2' }), 'OpPrereqError', [
    'Please pass at least one modification',
    'wrong_input',
  ]);
  assertGanetiError(() => h.run({ OP_ID: 'OP_GROUP_SET_PARAMS', group_name: 'rack2', ipolicy: { foo: 1 } }), 'OpPrereqError', [
    'Invalid key in new ipolicy: foo',
    'wrong_input',
  ]);
});

test('group evacuate submits hail change-group jobs (replace, migrate, replace) into the target group', () => {
  const h = harness();
  // Give rack2 two healthy nodes and drop the plain instance that hail cannot move.
  node(h.cluster, 4).drained = false;
  h.run({ OP_ID: 'OP_NODE_ADD', node_name: 'node6', group: 'rack2', secondary_ip: '198.51.100.16' });
  h.cluster.instances = h.cluster.instances.filter((i) => i.name === 'web1.example.com');
  const result = h.run({ OP_ID: 'OP_GROUP_EVACUATE', group_name: 'default', early_release: false, sequential: true });
  assert.deepEqual(result, { jobs: [[true, 100]] });
  assert.deepEqual(
    h.submitted[0]?.map((o) => [o.OP_ID, o['remote_node'] ?? null]),
    [
      ['OP_INSTANCE_REPLACE_DISKS', 'node6.example.com'],
      ['OP_INSTANCE_MIGRATE', null],
      ['OP_INSTANCE_REPLACE_DISKS', 'node4.example.com'],
    ],
  );
  assert.ok(h.logs.includes(' - INFO: Instances to be moved: web1.example.com (to rack2)'));
  assert.ok(h.logs.includes(' - INFO: Iallocator returned 1 job(s) for evacuating node group default'));
  assertGanetiError(() => h.run({ OP_ID: 'OP_GROUP_EVACUATE', group_name: 'default', target_groups: ['default'] }), 'OpPrereqError', [
    'Group to be evacuated (9c2a0f10-aaaa-4bbb-8ccc-000000000001) can not be used as a target group (targets are 9c2a0f10-aaaa-4bbb-8ccc-000000000001)',
    'wrong_input',
  ]);
});

test('group evacuate on the sample fails as hail does on a plain instance', () => {
  const h = harness();
  assertGanetiError(() => h.run({ OP_ID: 'OP_GROUP_EVACUATE', group_name: 'rack2' }), 'OpExecError', [
    'Unable to evacuate instances café.example.com (Instances of type plain cannot be relocated)',
  ]);
});

test('group verify-disks answers node errors, instances to activate and missing volumes', () => {
  const h = harness();
  assert.deepEqual(h.run({ OP_ID: 'OP_GROUP_VERIFY_DISKS', group_name: 'default' }), [{}, [], {}]);
  node(h.cluster, 2).offline = true;
  const [errors, , missing] = h.run({ OP_ID: 'OP_GROUP_VERIFY_DISKS', group_name: 'default' }) as [
    Record<string, string>,
    string[],
    Record<string, string[][]>,
  ];
  assert.deepEqual(errors, { '0e6f3a0c-0000-4000-8000-000000000002': 'Node is marked offline' });
  assert.deepEqual(Object.keys(missing).sort(), ['cache1.example.com', 'web1.example.com', 'web2.example.com']);
  assertGanetiError(() => h.run({ OP_ID: 'OP_GROUP_VERIFY_DISKS', group_name: 'x' }), 'OpPrereqError', [
    "Node group 'x' not found",
    'unknown_entity',
  ]);
});

function networkField(h: ReturnType<typeof harness>, name: string, field: string): unknown {
  const spec = NETWORK_FIELDS.find((f) => f.def.name === field);
  const w = h.cluster.networks.find((x) => x.name === name);
  assert.ok(spec && w);
  return spec.get(w, buildContext(h.cluster));
}

test('network add reserves node addresses; connect records mode, link and vlan', () => {
  const h = harness();
  assert.equal(
    h.run({
      OP_ID: 'OP_NETWORK_ADD',
      network_name: 'mgmt',
      network: '192.0.2.0/28',
      gateway: '192.0.2.1',
      conflicts_check: true,
      tags: ['x'],
    }),
    null,
  );
  assert.ok(h.logs.includes(" - INFO: Reserved IP address of node 'node1.example.com' (192.0.2.11)"));
  assert.deepEqual(networkField(h, 'mgmt', 'external_reservations'), [
    0,
    '192.0.2.0, 192.0.2.1, 192.0.2.11, 192.0.2.12, 192.0.2.13, 192.0.2.14, 192.0.2.15',
  ]);
  assertGanetiError(() => h.run({ OP_ID: 'OP_NETWORK_ADD', network_name: 'mgmt', network: '10.0.0.0/24' }), 'OpPrereqError', [
    `Desired network name 'mgmt' already exists as a network (UUID: ${h.cluster.networks.find((n) => n.name === 'mgmt')?.uuid})`,
    'already_exists',
  ]);
  assertGanetiError(() => h.run({ OP_ID: 'OP_NETWORK_ADD', network_name: 'big', network: '10.0.0.0/8' }), 'OpExecError', [
    "Cannot create IP address pool for network 'big': A big network with 16777216 host(s) is currently not supported. please specify at most a /16 network",
  ]);
  assert.equal(
    h.run({
      OP_ID: 'OP_NETWORK_CONNECT',
      group_name: 'rack2',
      network_name: 'mgmt',
      network_mode: 'bridged',
      network_link: 'br9',
      network_vlan: '100',
    }),
    null,
  );
  assert.deepEqual(networkField(h, 'mgmt', 'group_list'), [0, [['rack2', 'bridged', 'br9', '100']]]);
  assertGanetiError(() => h.run({ OP_ID: 'OP_NETWORK_REMOVE', network_name: 'mgmt' }), 'OpPrereqError', [
    'Network still connected',
    'wrong_state',
  ]);
  assert.equal(h.run({ OP_ID: 'OP_NETWORK_DISCONNECT', group_name: 'rack2', network_name: 'mgmt' }), null);
  assert.equal(h.run({ OP_ID: 'OP_NETWORK_REMOVE', network_name: 'mgmt' }), null);
  assert.equal(
    h.cluster.networks.some((n) => n.name === 'mgmt'),
    false,
  );
});

test('network connect and disconnect refuse conflicting NICs', () => {
  const h = harness();
  assertGanetiError(() => h.run({ OP_ID: 'OP_NETWORK_DISCONNECT', group_name: 'default', network_name: 'frontend' }), 'OpPrereqError', [
    'Conflicting IP addresses found;  remove/modify the corresponding network interfaces',
    'wrong_state',
  ]);
  assert.ok(
    h.logs.includes(
      " - WARNING: IP addresses from network 'frontend', which is about to disconnect from node group 'default', are in use: web1.example.com: nic0/192.0.2.101, web2.example.com: nic0/192.0.2.102",
    ),
  );
  assertGanetiError(
    () => h.run({ OP_ID: 'OP_NETWORK_CONNECT', group_name: 'rack2', network_name: 'nowhere', network_mode: 'routed', network_link: 'x' }),
    'OpPrereqError',
    ["Network 'nowhere' not found", 'unknown_entity'],
  );
});

test('network set-params changes gateway and reservations, with Ganeti warnings', () => {
  const h = harness();
  assertGanetiError(
    () => h.run({ OP_ID: 'OP_NETWORK_SET_PARAMS', network_name: 'frontend', gateway: '192.0.2.99', add_reserved_ips: ['192.0.2.100'] }),
    'OpPrereqError',
    ['Cannot modify gateway and reserved ips at once', 'wrong_input'],
  );
  assertGanetiError(() => h.run({ OP_ID: 'OP_NETWORK_SET_PARAMS', network_name: 'frontend', gateway: '192.0.2.101' }), 'OpPrereqError', [
    "Gateway IP address '192.0.2.101' is already reserved",
    'wrong_state',
  ]);
  assert.equal(h.run({ OP_ID: 'OP_NETWORK_SET_PARAMS', network_name: 'frontend', gateway: '192.0.2.99', mac_prefix: 'AA:00:02' }), null);
  const w = h.cluster.networks.find((n) => n.name === 'frontend');
  assert.equal(w?.gateway, '192.0.2.99');
  assert.equal(w?.macPrefix, 'aa:00:02');
  h.run({
    OP_ID: 'OP_NETWORK_SET_PARAMS',
    network_name: 'frontend',
    add_reserved_ips: ['192.0.2.110'],
    remove_reserved_ips: ['192.0.2.111'],
  });
  const w2 = h.cluster.networks.find((n) => n.name === 'frontend');
  assert.deepEqual(w2?.externalReservations, ['192.0.2.98', '192.0.2.110']);
  assert.ok(h.logs.includes(' - WARNING: Cannot release IP address 192.0.2.111: IP 192.0.2.111 is not externally reserved'));
});
