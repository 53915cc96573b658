import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { NodeData } from '../../../src/demo/cluster.js';
import { sampleCluster } from '../../../src/demo/cluster-sample.js';
import { INSTANCE_OPS } from '../../../src/demo/ops/instance.js';
import { OpExecError } from '../../../src/errors.js';
import { assertGanetiError, type Harness, harness, NOW } from './harness.js';

const WEB1 = 'web1.example.com';
const BUILD1 = 'build1.example.com';
const NODE = (n: number) => `node${n}.example.com`;

/** Asserts an OpPrereqError with Ganeti's exact wire arguments. */
function assertPrereq(fn: () => unknown, message: string, code?: string) {
  assertGanetiError(fn, 'OpPrereqError', code === undefined ? [message] : [message, code]);
}

/** mfree = mtotal - 4096 - running primaries' maxmem; dfree = dtotal - disk usage (cluster-sample.ts). */
function assertAccounting(h: Harness) {
  for (const n of h.cluster.nodes) {
    if (!n.live) continue;
    const running = h.cluster.instances.filter((i) => i.primaryNode === n.name && i.running);
    const mem = running.reduce((s, i) => s + Number(i.beparams['maxmem'] ?? 512), 0);
    assert.equal(n.live.mfree, n.live.mtotal - 4096 - mem, `mfree of ${n.name}`);
    const onNode = h.cluster.instances.filter((i) => i.primaryNode === n.name || i.secondaryNodes.includes(n.name));
    const disk = onNode.reduce((s, i) => {
      if (i.diskTemplate === 'diskless') return s;
      return s + i.disks.reduce((a, d) => a + d.size + (i.diskTemplate === 'drbd' ? 128 : 0), 0);
    }, 0);
    assert.equal(n.live.dfree, n.live.dtotal - disk, `dfree of ${n.name}`);
  }
}

const op = (OP_ID: string, params: Record<string, unknown> = {}) => ({ OP_ID, reason: [], ...params });

describe('startup and shutdown', () => {
  test('shutdown stops the instance, marks it down and gives its memory back to the primary', () => {
    const h = harness();
    const before = h.node(1).live?.mfree ?? 0;
    assert.equal(h.run(op('OP_INSTANCE_SHUTDOWN', { instance_name: WEB1, timeout: 120, force: false })), null);
    const web1 = h.inst(WEB1);
    assert.equal(web1.adminState, 'down');
    assert.equal(web1.adminStateSource, 'admin');
    assert.equal(web1.running, false);
    assert.equal(web1.serialNo, 5);
    assert.equal(web1.mtime, NOW);
    assert.equal(h.node(1).live?.mfree, before + 2048);
    assertAccounting(h);
  });

  test('startup takes the memory from the primary and is allowed on a running instance', () => {
    const h = harness();
    h.run(op('OP_INSTANCE_STARTUP', { instance_name: BUILD1 }));
    assert.equal(h.inst(BUILD1).running, true);
    assert.equal(h.inst(BUILD1).adminState, 'up');
    assert.equal(h.node(3).live?.mfree, 20480 - 1024);
    assert.equal(h.run(op('OP_INSTANCE_STARTUP', { instance_name: WEB1 })), null);
    assert.equal(h.inst(WEB1).serialNo, 5);
    assertAccounting(h);
  });

  test('startup fails with CheckNodeFreeMemory text when the primary lacks memory', () => {
    const h = harness();
    h.inst(BUILD1).beparams = { maxmem: 30000, minmem: 30000, vcpus: 1 };
    assertPrereq(
      () => h.run(op('OP_INSTANCE_STARTUP', { instance_name: BUILD1 })),
      'Not enough memory on node node3.example.com for starting instance build1.example.com: needed 30000 MiB, available 20480 MiB',
      'insufficient_resources',
    );
    assert.equal(h.inst(BUILD1).running, false);
  });

  test('unknown instances and offline instances fail as the LU does', () => {
    const h = harness();
    assertPrereq(() => h.run(op('OP_INSTANCE_STARTUP', { instance_name: 'nope' })), "Instance 'nope' not known", 'unknown_entity');
    h.inst(BUILD1).adminState = 'offline';
    assertPrereq(
      () => h.run(op('OP_INSTANCE_STARTUP', { instance_name: BUILD1 })),
      "Instance 'build1.example.com' is marked to be offline, can't use instance from outside down, up states",
      'wrong_state',
    );
  });

  test('shutdown with admin_state_source user fails without an error code, as the LU raises it', () => {
    const h = harness();
    assertPrereq(
      () => h.run(op('OP_INSTANCE_SHUTDOWN', { instance_name: WEB1, admin_state_source: 'user' })),
      "Instance 'web1.example.com' was not shutdown by the user",
    );
  });

  test('a dry run checks and changes nothing', () => {
    const h = harness({ dryRun: true });
    h.run(op('OP_INSTANCE_SHUTDOWN', { instance_name: WEB1 }));
    assert.deepEqual(h.cluster, sampleCluster());
  });

  test('reboot of a stopped instance starts it and marks it up', () => {
    const h = harness();
    h.inst(BUILD1).adminState = 'down';
    h.run(op('OP_INSTANCE_REBOOT', { instance_name: BUILD1, reboot_type: 'hard' }));
    assert.equal(h.inst(BUILD1).running, true);
    assert.ok(h.logs.includes('Instance build1.example.com was already stopped, starting now'));
    assertAccounting(h);
  });
});

describe('create, remove, rename, reinstall', () => {
  const createOp = (params: Record<string, unknown> = {}) =>
    op('OP_INSTANCE_CREATE', {
      instance_name: 'new1.example.com',
      mode: 'create',
      os_type: 'debootstrap+default',
      disk_template: 'drbd',
      disks: [{ size: 1024 }],
      nics: [{}],
      pnode: NODE(1),
      snode: NODE(2),
      beparams: { memory: 1024 },
      start: true,
      ...params,
    });

  test('create adds a running instance and answers its node names', () => {
    const h = harness();
    assert.deepEqual(h.run(createOp()), [NODE(1), NODE(2)]);
    const inst = h.inst('new1.example.com');
    assert.equal(inst.adminState, 'up');
    assert.equal(inst.running, true);
    assert.deepEqual(inst.secondaryNodes, [NODE(2)]);
    assert.deepEqual(inst.beparams, { maxmem: 1024, minmem: 1024 });
    assert.equal(inst.nics[0]?.link, 'br0');
    assert.ok(h.logs.includes('* creating instance disks...'));
    assertAccounting(h);
  });

  test('a dry-run create answers node uuids, as LUInstanceCreate.dry_run_result does', () => {
    const h = harness({ dryRun: true });
    assert.deepEqual(h.run(createOp()), [h.node(1).uuid, h.node(2).uuid]);
  });

  test('create refuses a name in use and a drained primary', () => {
    const h = harness();
    assertPrereq(() => h.run(createOp({ instance_name: WEB1 })), "Instance 'web1.example.com' is already in the cluster", 'already_exists');
    assertPrereq(
      () => h.run(createOp({ pnode: NODE(4), disk_template: 'plain', snode: undefined })),
      "Cannot use drained primary node 'node4.example.com'",
      'wrong_state',
    );
    assert.equal(h.cluster.instances.length, 8);
  });

  test('remove drops the instance and frees its memory and disks', () => {
    const h = harness();
    h.run(op('OP_INSTANCE_REMOVE', { instance_name: WEB1 }));
    assert.equal(
      h.cluster.instances.some((i) => i.name === WEB1),
      false,
    );
    assert.equal(h.node(2).live?.dfree, 997120 + 20480 + 128);
    assertAccounting(h);
  });

  test('rename answers the new name and refuses running instances and names in use', () => {
    const h = harness();
    assertPrereq(
      () => h.run(op('OP_INSTANCE_RENAME', { instance_name: WEB1, new_name: 'x.example.com' })),
      "Instance 'web1.example.com' is marked to be up, cannot rename",
      'wrong_state',
    );
    assertPrereq(
      () => h.run(op('OP_INSTANCE_RENAME', { instance_name: BUILD1, new_name: WEB1 })),
      "Instance 'web1.example.com' is already in the cluster",
      'already_exists',
    );
    assert.equal(h.run(op('OP_INSTANCE_RENAME', { instance_name: BUILD1, new_name: 'ci1.example.com' })), 'ci1.example.com');
    assert.deepEqual(h.inst('ci1.example.com').tags, ['app:ci']);
  });

  test('reinstall changes the OS of a stopped instance and refuses a running one', () => {
    const h = harness();
    assertPrereq(
      () => h.run(op('OP_INSTANCE_REINSTALL', { instance_name: WEB1 })),
      "Instance 'web1.example.com' is marked to be up, cannot reinstall",
      'wrong_state',
    );
    h.run(op('OP_INSTANCE_REINSTALL', { instance_name: BUILD1, os_type: 'image+debian' }));
    assert.equal(h.inst(BUILD1).os, 'image+debian');
  });

  test('multi-alloc submits one create job per instance and answers allocatable/failed/jobs', () => {
    const h = harness();
    const inst = (name: string) => ({
      instance_name: name,
      mode: 'create',
      disk_template: 'plain',
      disks: [{ size: 1024 }],
      nics: [],
      os_type: 'x',
    });
    const result = h.run(op('OP_INSTANCE_MULTI_ALLOC', { instances: [inst('a.example.com'), inst('b.example.com')] }));
    assert.deepEqual(result, {
      allocatable: ['a.example.com', 'b.example.com'],
      failed: [],
      jobs: [
        [true, 100],
        [true, 101],
      ],
    });
    assert.equal(h.submitted.length, 2);
    assert.equal(h.submitted[0]?.[0]?.OP_ID, 'OP_INSTANCE_CREATE');
    assert.equal(typeof h.submitted[0]?.[0]?.['pnode'], 'string');
    assertPrereq(
      () => h.run(op('OP_INSTANCE_MULTI_ALLOC', { instances: [inst('a.example.com'), inst('a.example.com')] })),
      'There are duplicate instance names: a.example.com',
      'wrong_input',
    );
  });
});

describe('moves', () => {
  test('failover of a drbd instance swaps primary and secondary and moves its memory', () => {
    const h = harness();
    h.run(op('OP_INSTANCE_FAILOVER', { instance_name: WEB1, shutdown_timeout: 120 }));
    const web1 = h.inst(WEB1);
    assert.equal(web1.primaryNode, NODE(2));
    assert.deepEqual(web1.secondaryNodes, [NODE(1)]);
    assert.equal(web1.running, true);
    assert.equal(h.node(1).live?.mfree, 40960 + 2048);
    assert.equal(h.node(2).live?.mfree, 55296 - 2048);
    assert.ok(h.logs.includes('* starting the instance on the target node node2.example.com'));
    assertAccounting(h);
  });

  test('migrate moves a running instance and refuses a stopped one', () => {
    const h = harness();
    h.run(op('OP_INSTANCE_MIGRATE', { instance_name: 'db1.example.com' }));
    assert.equal(h.inst('db1.example.com').primaryNode, NODE(1));
    assertAccounting(h);
    assertPrereq(
      () => h.run(op('OP_INSTANCE_MIGRATE', { instance_name: 'old1.example.com' })),
      "Can't migrate, please use failover: Instance old1.example.com is not running",
      'wrong_state',
    );
  });

  test('migrate refuses a plain instance and a target without memory', () => {
    const h = harness();
    assertPrereq(
      () => h.run(op('OP_INSTANCE_MIGRATE', { instance_name: 'cache1.example.com' })),
      "Instance's disk layout 'plain' does not allow migrations",
      'wrong_state',
    );
    h.node(1).live = { ...(h.node(1).live as NonNullable<NodeData['live']>), mfree: 100 };
    assertPrereq(
      () => h.run(op('OP_INSTANCE_MIGRATE', { instance_name: 'web2.example.com' })),
      'Not enough memory on node node1.example.com for migrating instance web2.example.com: needed 2048 MiB, available 100 MiB',
      'insufficient_resources',
    );
  });

  test('move copies a plain instance to another node and refuses the node it is on', () => {
    const h = harness();
    assertPrereq(
      () => h.run(op('OP_INSTANCE_MOVE', { instance_name: BUILD1, target_node: NODE(3) })),
      'Instance build1.example.com is already on the node node3.example.com',
      'wrong_state',
    );
    assertPrereq(
      () => h.run(op('OP_INSTANCE_MOVE', { instance_name: BUILD1, target_node: NODE(5) })),
      "Can't use offline node: node5.example.com",
      'wrong_state',
    );
    h.run(op('OP_INSTANCE_MOVE', { instance_name: BUILD1, target_node: NODE(2) }));
    assert.equal(h.inst(BUILD1).primaryNode, NODE(2));
    assertAccounting(h);
  });

  test('change-group submits the migrate job hail would for a diskless instance', () => {
    const h = harness();
    h.node(4).drained = false;
    const result = h.run(op('OP_INSTANCE_CHANGE_GROUP', { instance_name: 'pxe1.example.com', target_groups: ['rack2'] }));
    assert.deepEqual(result, { jobs: [[true, 100]] });
    const [migrate] = h.submitted[0] ?? [];
    assert.equal(migrate?.OP_ID, 'OP_INSTANCE_MIGRATE');
    assert.equal(migrate?.['target_node'], NODE(4));
    assert.equal(migrate?.['allow_failover'], true);
    assert.deepEqual(h.cluster.instances, sampleCluster().instances);
    assertPrereq(
      () => h.run(op('OP_INSTANCE_CHANGE_GROUP', { instance_name: WEB1, target_groups: ['default'] })),
      "Can't use group(s) '9c2a0f10-aaaa-4bbb-8ccc-000000000001' as targets, they are used by the instance 'web1.example.com'",
      'wrong_input',
    );
  });

  test('change-group of a drbd instance submits replace-disks, migrate, replace-disks', () => {
    const h = harness();
    h.node(4).drained = false;
    const n5 = h.node(5);
    n5.offline = false;
    n5.live = structuredClone(h.node(4).live);
    h.run(op('OP_INSTANCE_CHANGE_GROUP', { instance_name: 'web2.example.com', target_groups: ['rack2'] }));
    assert.deepEqual(
      h.submitted[0]?.map((o) => o.OP_ID),
      ['OP_INSTANCE_REPLACE_DISKS', 'OP_INSTANCE_MIGRATE', 'OP_INSTANCE_REPLACE_DISKS'],
    );
  });

  test('change-group of a plain instance fails in Exec as hail answers', () => {
    const h = harness();
    assert.throws(
      () => h.run(op('OP_INSTANCE_CHANGE_GROUP', { instance_name: 'cache1.example.com' })),
      (e: unknown) =>
        e instanceof OpExecError &&
        e.message === 'Unable to evacuate instances cache1.example.com (Instances of type plain cannot be relocated)',
    );
  });
});

describe('disks', () => {
  test('grow-disk grows the disk and takes the space on both drbd nodes', () => {
    const h = harness();
    h.run(op('OP_INSTANCE_GROW_DISK', { instance_name: WEB1, disk: 0, amount: 1024, absolute: false }));
    assert.equal(h.inst(WEB1).disks[0]?.size, 21504);
    assert.equal(h.node(2).live?.dfree, 997120 - 1024);
    assert.ok(h.logs.includes("Growing disk 0 of instance 'web1.example.com' by 1.0G to 21.0G"));
    assertAccounting(h);
  });

  test('grow-disk refuses a bad index, a shrink and a full node', () => {
    const h = harness();
    assertPrereq(
      () => h.run(op('OP_INSTANCE_GROW_DISK', { instance_name: WEB1, disk: 3, amount: 1 })),
      'Invalid disk index: 3 (instace has disks 0 to 0',
      'wrong_input',
    );
    assertPrereq(
      () => h.run(op('OP_INSTANCE_GROW_DISK', { instance_name: WEB1, disk: 0, amount: 1024, absolute: true })),
      'Requested size (1.0G) is smaller than current disk size (20.0G)',
      'wrong_state',
    );
    assertPrereq(
      () => h.run(op('OP_INSTANCE_GROW_DISK', { instance_name: 'db1.example.com', disk: 0, amount: 20000 })),
      'Not enough disk space on target node node3.example.com vg xenvg: required 20000 MiB, available 10496 MiB',
      'insufficient_resources',
    );
  });

  test('activate-disks answers [node, iv_name, dev_path] per disk; deactivate refuses a running instance', () => {
    const h = harness();
    const res = h.run(op('OP_INSTANCE_ACTIVATE_DISKS', { instance_name: 'old1.example.com' }));
    assert.deepEqual(res, [
      [NODE(1), 'disk/0', '/dev/drbd4'],
      [NODE(1), 'disk/1', '/dev/drbd5'],
    ]);
    assert.equal(h.inst('old1.example.com').disksActive, true);
    assertPrereq(
      () => h.run(op('OP_INSTANCE_DEACTIVATE_DISKS', { instance_name: WEB1 })),
      "Instance 'web1.example.com' is marked to be up, cannot shutdown disks",
      'wrong_state',
    );
    h.run(op('OP_INSTANCE_DEACTIVATE_DISKS', { instance_name: 'old1.example.com' }));
    assert.equal(h.inst('old1.example.com').disksActive, false);
  });

  test('replace-disks with a new secondary moves the disk space; plain instances are refused', () => {
    const h = harness();
    const db1 = 'db1.example.com';
    h.run(op('OP_INSTANCE_REPLACE_DISKS', { instance_name: db1, mode: 'replace_new_secondary', remote_node: NODE(2), disks: [] }));
    assert.deepEqual(h.inst(db1).secondaryNodes, [NODE(2)]);
    assert.equal(h.node(1).live?.dfree, 524288 + 153856);
    assertAccounting(h);
    assertPrereq(
      () => h.run(op('OP_INSTANCE_REPLACE_DISKS', { instance_name: 'cache1.example.com', mode: 'replace_on_primary', disks: [] })),
      'The instance has a strange layout, expected one secondary but found 0',
      'internal_error',
    );
    assertPrereq(
      () => h.run(op('OP_INSTANCE_REPLACE_DISKS', { instance_name: WEB1, mode: 'replace_new_secondary', remote_node: NODE(1), disks: [] })),
      'The specified node is the primary node of the instance',
      'wrong_input',
    );
  });

  test('recreate-disks resizes a disk of a stopped instance and refuses a running one', () => {
    const h = harness();
    h.run(op('OP_INSTANCE_RECREATE_DISKS', { instance_name: BUILD1, disks: [[0, { size: 40960 }]], nodes: [] }));
    assert.equal(h.inst(BUILD1).disks[0]?.size, 40960);
    assertAccounting(h);
    assertPrereq(
      () => h.run(op('OP_INSTANCE_RECREATE_DISKS', { instance_name: WEB1, disks: [], nodes: [] })),
      "Instance 'web1.example.com' is marked to be up, cannot recreate disks",
      'wrong_state',
    );
  });
});

describe('set-params, console, query-data', () => {
  test('set-params answers Ganeti labels and the change shows in the instance', () => {
    const h = harness();
    const res = h.run(
      op('OP_INSTANCE_SET_PARAMS', {
        instance_name: BUILD1,
        beparams: { memory: 2048 },
        disks: [['add', { size: 2048 }]],
        nics: [[0, { ip: '192.0.2.50' }]],
        hvparams: { acpi: false },
      }),
    );
    assert.deepEqual(res, [
      ['disk/1', 'add:size=2048,mode=rw'],
      ['nic.ip/0', '192.0.2.50'],
      ['hv/acpi', false],
      ['be/memory', 2048],
    ]);
    const b = h.inst(BUILD1);
    assert.equal(b.beparams['maxmem'], 2048);
    assert.equal(b.disks.length, 2);
    assert.equal(b.nics[0]?.ip, '192.0.2.50');
    assertAccounting(h);
  });

  test('set-params with no change and with offline on a running instance fail as the LU does', () => {
    const h = harness();
    assertPrereq(() => h.run(op('OP_INSTANCE_SET_PARAMS', { instance_name: WEB1 })), 'No changes submitted', 'wrong_input');
    assertPrereq(
      () => h.run(op('OP_INSTANCE_SET_PARAMS', { instance_name: WEB1, offline: true })),
      "Instance 'web1.example.com' is marked to be up, can't change to offline without being down first",
      'wrong_state',
    );
    assert.deepEqual(h.run(op('OP_INSTANCE_SET_PARAMS', { instance_name: BUILD1, offline: true })), [['admin_state', 'offline']]);
    assert.equal(h.inst(BUILD1).adminState, 'offline');
  });

  test('set-params converts plain to drbd with a secondary', () => {
    const h = harness();
    const res = h.run(op('OP_INSTANCE_SET_PARAMS', { instance_name: BUILD1, disk_template: 'drbd', remote_node: NODE(2) }));
    assert.deepEqual(res, [['disk_template', 'drbd']]);
    assert.deepEqual(h.inst(BUILD1).secondaryNodes, [NODE(2)]);
    assertAccounting(h);
  });

  test('console answers the kvm serial console over ssh and refuses a stopped instance', () => {
    const h = harness();
    const c = h.run(op('OP_INSTANCE_CONSOLE', { instance_name: WEB1 })) as Record<string, unknown>;
    assert.equal(c['kind'], 'ssh');
    assert.equal(c['host'], NODE(1));
    assert.equal(c['user'], 'root');
    assert.throws(
      () => h.run(op('OP_INSTANCE_CONSOLE', { instance_name: BUILD1 })),
      (e: unknown) => e instanceof OpExecError && e.message === 'Instance build1.example.com is not running (state ADMIN_down)',
    );
  });

  test('query-data answers a dict keyed by name with the keys gnt-instance info reads', () => {
    const h = harness();
    const res = h.run(op('OP_INSTANCE_QUERY_DATA', { instances: ['web1'], static: false, use_locking: false })) as Record<
      string,
      Record<string, unknown>
    >;
    const d = res[WEB1] as Record<string, unknown>;
    assert.deepEqual(Object.keys(res), [WEB1]);
    assert.equal(d['config_state'], 'up');
    assert.equal(d['run_state'], 'up');
    assert.equal(d['pnode_group_name'], 'default');
    assert.deepEqual(d['snodes'], [NODE(2)]);
    const disk = (d['disks'] as Array<Record<string, unknown>>)[0] as Record<string, unknown>;
    assert.equal(disk['dev_type'], 'drbd');
    assert.equal(disk['iv_name'], 'disk/0');
    assert.equal((disk['children'] as unknown[]).length, 2);
    assert.deepEqual((disk['drbd_info'] as Record<string, unknown>)['secondary_node'], NODE(2));
    assert.equal((d['be_actual'] as Record<string, unknown>)['auto_balance'], true);
    assertPrereq(() => h.run(op('OP_INSTANCE_QUERY_DATA', { instances: ['zzz'] })), "Instance 'zzz' not known", 'unknown_entity');
  });
});

test('every instance opcode has an executor', () => {
  const ids = [
    'CREATE',
    'MULTI_ALLOC',
    'REINSTALL',
    'REMOVE',
    'RENAME',
    'STARTUP',
    'SHUTDOWN',
    'REBOOT',
    'REPLACE_DISKS',
    'FAILOVER',
    'MIGRATE',
    'MOVE',
    'CONSOLE',
    'ACTIVATE_DISKS',
    'DEACTIVATE_DISKS',
    'RECREATE_DISKS',
    'QUERY_DATA',
    'SET_PARAMS',
    'GROW_DISK',
    'CHANGE_GROUP',
  ].map((s) => `OP_INSTANCE_${s}`);
  assert.deepEqual(Object.keys(INSTANCE_OPS).sort(), ids.sort());
});
