import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BGL, LockAllocation, impliedLock } from '../../src/demo/lock-allocation.js';

const node = (n: number) => `node/0e6f3a0c-0000-4000-8000-00000000000${n}`;

test('every lock implies its level lockset; the BGL implies the cluster lockset', () => {
  assert.equal(impliedLock(BGL), 'cluster/[lockset]');
  assert.equal(impliedLock('instance/web1.example.com'), 'instance/[lockset]');
  assert.equal(impliedLock('node/[lockset]'), undefined);
});

test('shared locks share, exclusive ones exclude, also through the lockset', () => {
  const a = new LockAllocation();
  assert.ok(a.tryAcquire(1, [[BGL, 'shared']]));
  assert.ok(a.tryAcquire(2, [[BGL, 'shared']]));
  assert.deepEqual([...a.blockers(3, [[BGL, 'exclusive']])], [1, 2]);
  assert.ok(a.tryAcquire(1, [[node(1), 'exclusive']]));
  assert.equal(a.tryAcquire(2, [[node(1), 'shared']]), false);
  assert.ok(a.tryAcquire(2, [[node(2), 'exclusive']]), 'another member is free');
  // The whole level: blocked by every member owner when exclusive, by exclusive ones when shared.
  assert.deepEqual([...a.blockers(3, [['node/[lockset]', 'exclusive']])].sort(), [1, 2]);
  assert.deepEqual([...a.blockers(3, [['node/[lockset]', 'shared']])].sort(), [1, 2]);
  assert.ok(a.tryAcquire(3, [['instance/[lockset]', 'shared']]));
  assert.ok(a.tryAcquire(4, [['instance/web1.example.com', 'shared']]), 'a shared member under a shared lockset');
  assert.equal(a.tryAcquire(4, [['instance/web2.example.com', 'exclusive']]), false, 'an exclusive member under a shared lockset');
  // All or nothing: a blocked request takes none of its locks.
  assert.equal(
    a.tryAcquire(5, [
      [node(3), 'exclusive'],
      [node(1), 'exclusive'],
    ]),
    false,
  );
  assert.equal(a.held(5).size, 0);
  a.release(1);
  assert.ok(
    a.tryAcquire(5, [
      [node(3), 'exclusive'],
      [node(1), 'exclusive'],
    ]),
  );
});

test('rows list held, implied and pending locks as Query lock shows them', () => {
  const a = new LockAllocation();
  a.tryAcquire(7, [[BGL, 'shared']]);
  a.tryAcquire(7, [[node(1), 'exclusive']]);
  const rows = a.rows([{ owner: 9, priority: 0, locks: [[node(1), 'exclusive']] }]);
  const byName = new Map(rows.map((r) => [r.name, r]));
  assert.deepEqual(byName.get(BGL), { name: BGL, mode: 'shared', owners: [7], pending: [] });
  assert.deepEqual(byName.get('cluster/[lockset]'), { name: 'cluster/[lockset]', mode: null, owners: [], pending: [] });
  assert.deepEqual(byName.get(node(1)), { name: node(1), mode: 'exclusive', owners: [7], pending: [['exclusive', 9]] });
  assert.deepEqual(byName.get('node/[lockset]'), { name: 'node/[lockset]', mode: null, owners: [], pending: [] });
  a.release(7);
  assert.deepEqual(a.rows([]), []);
});
