import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleCluster } from '../../src/demo/cluster.js';
import { opLocks } from '../../src/demo/locks.js';

const cluster = sampleCluster();
const node = (n: number) => `node/0e6f3a0c-0000-4000-8000-00000000000${n}`;
const res = (n: number) => `node-res/0e6f3a0c-0000-4000-8000-00000000000${n}`;
const group1 = 'nodegroup/9c2a0f10-aaaa-4bbb-8ccc-000000000001';

test('opcodes whose LU keeps REQ_BGL take the BGL exclusively and nothing else', () => {
  for (const id of ['OP_CLUSTER_RENAME', 'OP_NODE_ADD', 'OP_NODE_REMOVE', 'OP_CLUSTER_DESTROY', 'OP_TEST_ALLOCATOR']) {
    assert.deepEqual(opLocks({ OP_ID: id, node_name: 'node2.example.com' }, cluster), { bgl: 'exclusive', levels: [] }, id);
  }
});

test('an instance opcode locks the instance by name and its nodes by UUID, in level order', () => {
  assert.deepEqual(opLocks({ OP_ID: 'OP_INSTANCE_REMOVE', instance_name: 'web1' }, cluster), {
    bgl: 'shared',
    levels: [
      ['instance/web1.example.com', 'exclusive'],
      [node(1), 'exclusive'],
      [node(2), 'exclusive'],
      [res(1), 'exclusive'],
      [res(2), 'exclusive'],
    ],
  });
  // LUInstanceStartup: only the primary's node-res lock besides the instance.
  assert.deepEqual(opLocks({ OP_ID: 'OP_INSTANCE_STARTUP', instance_name: 'web2.example.com' }, cluster).levels, [
    ['instance/web2.example.com', 'exclusive'],
    [res(2), 'exclusive'],
  ]);
  // LUInstanceConsole shares everything.
  assert.deepEqual(opLocks({ OP_ID: 'OP_INSTANCE_CONSOLE', instance_name: 'web1' }, cluster).levels, [
    ['instance/web1.example.com', 'shared'],
  ]);
});

test('whole levels are the lockset lock, in the LU share mode', () => {
  assert.deepEqual(opLocks({ OP_ID: 'OP_CLUSTER_VERIFY_CONFIG' }, cluster).levels, [
    ['instance/[lockset]', 'shared'],
    ['nodegroup/[lockset]', 'shared'],
    ['node/[lockset]', 'shared'],
    ['node-res/[lockset]', 'shared'],
    ['network/[lockset]', 'shared'],
  ]);
  assert.deepEqual(opLocks({ OP_ID: 'OP_BACKUP_REMOVE', instance_name: 'x' }, cluster).levels, [['node/[lockset]', 'exclusive']]);
});

test('OP_TEST_DELAY locks its nodes exclusively whatever no_locks says, the master with on_master', () => {
  assert.deepEqual(opLocks({ OP_ID: 'OP_TEST_DELAY', duration: 1, on_master: false, on_nodes: [] }, cluster), {
    bgl: 'shared',
    levels: [],
  });
  assert.deepEqual(opLocks({ OP_ID: 'OP_TEST_DELAY', duration: 1, on_master: true, on_nodes: ['node3'], no_locks: true }, cluster).levels, [
    [node(1), 'exclusive'],
    [node(3), 'exclusive'],
  ]);
});

test('tags lock the tagged object; group opcodes lock the group by UUID', () => {
  assert.deepEqual(opLocks({ OP_ID: 'OP_TAGS_SET', kind: 'node', name: 'node4', tags: ['a'] }, cluster).levels, [[node(4), 'exclusive']]);
  assert.deepEqual(opLocks({ OP_ID: 'OP_TAGS_SET', kind: 'cluster', name: '', tags: ['a'] }, cluster).levels, []);
  assert.deepEqual(opLocks({ OP_ID: 'OP_TAGS_GET', kind: 'node', name: 'node4' }, cluster).levels, [], 'without use_locking');
  assert.deepEqual(opLocks({ OP_ID: 'OP_GROUP_RENAME', group_name: 'default', new_name: 'x' }, cluster).levels, [[group1, 'exclusive']]);
});

test('a name that resolves to nothing locks nothing below the BGL (ExpandNames fails first)', () => {
  assert.deepEqual(opLocks({ OP_ID: 'OP_INSTANCE_REMOVE', instance_name: 'nosuch' }, cluster), { bgl: 'shared', levels: [] });
  assert.deepEqual(opLocks({ OP_ID: 'OP_TEST_DELAY', duration: 1, on_master: true, on_nodes: ['nosuch'] }, cluster).levels, []);
});
