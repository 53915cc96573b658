import assert from 'node:assert/strict';
import * as net from 'node:net';
import { test, type TestContext } from 'node:test';
import { createServer } from '../../../src/dispatch/server.js';
import { ConnectionClosedError, GenericError, LockError } from '../../../src/errors.js';
import { FrameDecoder } from '../../../src/framing.js';
import { createRpcHandler, echoMethod, rpcMethodOfArity, type RpcMethod } from '../../../src/protocols/rpc/handler.js';
import {
  DEFAULT_WCONFD_CONNECT_TIMEOUT_MS,
  DEFAULT_WCONFD_REQUEST_TIMEOUT_MS,
  WCONFD_METHODS,
  WConfdClient,
  defaultWConfdSocketPath,
  isWConfdMethod,
  type ClientId,
  type WConfdMethodName,
} from '../../../src/protocols/rpc/wconfd.js';
import { tempSocketPath } from '../../helpers/tmp.js';

// The 54 wire names of Ganeti 3.0 (WConfd/Core.hs and ConfigModifications.hs exportedFunctions), spec §6.4.
const SPEC_NAMES = `echo cleanupLocks prepareClusterDestruction readConfig writeConfig verifyConfig lockConfig
unlockConfig writeConfigAndUnlock flushConfig flushConfigGroup dropAllReservations computeDRBDMap allocateDRBDMinor
releaseDRBDMinors reserveMAC generateMAC generateDRBDSecret reserveLV reserveIp releaseIp generateIp
commitTemporaryIps commitReleaseTemporaryIp listReservedIps listLocks listAllLocks listAllLocksOwners
listLocksWaitingStatus tryUpdateLocks updateLocksWaiting freeLocks freeLocksLevel downGradeLocksLevel intersectLocks
opportunisticLockUnion guardedOpportunisticLockUnion hasPendingRequest addInstance addInstanceDisk addTcpUdpPort
allocatePort attachInstanceDisk detachInstanceDisk removeInstance removeInstanceDisk setInstancePrimaryNode
setInstanceStatus updateCluster updateDisk updateInstance updateNetwork updateNode updateNodeGroup`.split(/\s+/);

test('the method table holds exactly the 54 WConfd wire methods', () => {
  assert.equal(SPEC_NAMES.length, 54);
  assert.deepEqual(Object.keys(WCONFD_METHODS).sort(), [...SPEC_NAMES].sort());
  assert.equal(isWConfdMethod('echo'), true);
  assert.equal(isWConfdMethod('toString'), false);
});

test('arities follow the Haskell signatures', () => {
  assert.equal(WCONFD_METHODS.readConfig, 0);
  assert.equal(WCONFD_METHODS.echo, 1);
  assert.equal(WCONFD_METHODS.tryUpdateLocks, 2);
  assert.equal(WCONFD_METHODS.guardedOpportunisticLockUnion, 3);
  assert.equal(WCONFD_METHODS.setInstanceStatus, 4);
  assert.equal(WCONFD_METHODS.reserveIp, 4);
});

// Compile-time half of the check below: the names of table methods that WConfdClient lacks or
// that cannot take the table's argument count. With any, tsc fails here naming them.
type Misfits = {
  [K in WConfdMethodName]: WConfdClient[K] extends (...args: infer A) => Promise<unknown>
    ? (typeof WCONFD_METHODS)[K] extends A['length']
      ? never
      : K
    : K;
}[WConfdMethodName];
const misfits: [Misfits] extends [never] ? 'none' : Misfits = 'none';

test('every wire method has a typed WConfdClient method taking exactly the table arity', () => {
  assert.equal(misfits, 'none');
  const proto = WConfdClient.prototype as unknown as Record<string, unknown>;
  const wrong: string[] = [];
  for (const [name, arity] of Object.entries(WCONFD_METHODS)) {
    const method = proto[name];
    if (typeof method !== 'function') wrong.push(`${name}: missing`);
    else if (method.length !== arity) wrong.push(`${name}: takes ${method.length}, table says ${arity}`);
  }
  assert.deepEqual(wrong, []);
});

test('the default socket path honours GANETI_ROOTDIR', () => {
  assert.equal(defaultWConfdSocketPath({}), '/var/run/ganeti/socket/ganeti-wconfd');
  assert.equal(defaultWConfdSocketPath({ GANETI_ROOTDIR: '/srv/node1' }), '/srv/node1/var/run/ganeti/socket/ganeti-wconfd');
  assert.equal(DEFAULT_WCONFD_CONNECT_TIMEOUT_MS, 10_000);
  assert.equal(DEFAULT_WCONFD_REQUEST_TIMEOUT_MS, 60_000);
});

const CID: ClientId = [17, '/var/run/ganeti/livelocks/job_17', 4242];

/** Canned answers of the fake for methods that only record their wire arguments. */
const CANNED: Partial<Record<WConfdMethodName, unknown>> = {
  computeDRBDMap: [['node-1', [[0, 'disk-1']]]],
  allocateDRBDMinor: [1, 0],
  releaseDRBDMinors: [],
  reserveLV: [],
  reserveIp: [],
  generateIp: '192.0.2.10',
  listReservedIps: [['reserve', '192.0.2.10', 'net-1']],
  guardedOpportunisticLockUnion: ['node/n2'],
  addInstanceDisk: true,
  setInstanceStatus: null,
  updateNode: [8, 1700000000.25],
  prepareClusterDestruction: [],
};

/**
 * A tiny in-memory lock table behind the generic RPC handler; the CANNED methods append
 * their method name and argument list, as decoded from the wire, to `wire`.
 */
function fakeWConfd(wire: [string, unknown[]][] = []): Record<string, RpcMethod> {
  const held = new Map<string, [ClientId, 'shared' | 'exclusive']>();
  const key = (cid: unknown): string => JSON.stringify(cid);
  const recorders = Object.fromEntries(
    Object.entries(CANNED).map(([name, answer]) => [
      name,
      rpcMethodOfArity(WCONFD_METHODS[name as WConfdMethodName], (args) => {
        wire.push([name, args]);
        return answer;
      }),
    ]),
  );
  return {
    ...recorders,
    echo: echoMethod,
    readConfig: rpcMethodOfArity(0, () => ({ cluster: { cluster_name: 'c1' }, serial_no: 3 })),
    flushConfig: rpcMethodOfArity(0, () => undefined),
    allocatePort: rpcMethodOfArity(0, () => 11000),
    listAllLocks: rpcMethodOfArity(0, () => [...held.keys()]),
    listLocks: rpcMethodOfArity(1, ([cid]) => [...held].filter(([, [c]]) => key(c) === key(cid)).map(([l, [, o]]) => [l, o])),
    tryUpdateLocks: rpcMethodOfArity(2, ([cid, request]) => {
      const blockers: unknown[] = [];
      for (const [lock, mode] of request as [string, string][]) {
        const cur = held.get(lock);
        if (cur && key(cur[0]) !== key(cid)) blockers.push(cur[0]);
        else if (mode === 'release') held.delete(lock);
        else held.set(lock, [cid as ClientId, mode as 'shared' | 'exclusive']);
      }
      return blockers;
    }),
    freeLocks: rpcMethodOfArity(1, ([cid]) => {
      for (const [lock, [c]] of held) if (key(c) === key(cid)) held.delete(lock);
    }),
    hasPendingRequest: rpcMethodOfArity(1, () => false),
    lockConfig: rpcMethodOfArity(2, () => {
      throw new LockError('config lock busy');
    }),
  };
}

async function startFake(t: TestContext, wire?: [string, unknown[]][]): Promise<WConfdClient> {
  const server = createServer(createRpcHandler(fakeWConfd(wire)), { mode: 0o600 });
  const path = tempSocketPath(t);
  await server.listen(path);
  const client = await WConfdClient.connect(path, { requestTimeoutMs: 5000 });
  t.after(async () => {
    client.destroy();
    await server.close(100);
  });
  return client;
}

test('typed calls reach a WConfd-like daemon and decode its answers', { timeout: 5000 }, async (t) => {
  const wconfd = await startFake(t);
  assert.equal(await wconfd.echo('hi'), 'hi');
  assert.deepEqual(await wconfd.readConfig(), { cluster: { cluster_name: 'c1' }, serial_no: 3 });
  assert.equal(await wconfd.flushConfig(), undefined);
  assert.equal(await wconfd.allocatePort(), 11000);
  assert.deepEqual(
    await wconfd.tryUpdateLocks(CID, [
      ['cluster/BGL', 'shared'],
      ['node/n1', 'exclusive'],
    ]),
    [],
  );
  const other: ClientId = ['watcher', '/tmp/ll', 1];
  assert.deepEqual(await wconfd.tryUpdateLocks(other, [['node/n1', 'exclusive']]), [CID]);
  assert.deepEqual(await wconfd.listLocks(CID), [
    ['cluster/BGL', 'shared'],
    ['node/n1', 'exclusive'],
  ]);
  assert.equal(await wconfd.hasPendingRequest(other), false);
  await wconfd.freeLocks(CID);
  assert.deepEqual(await wconfd.listAllLocks(), []);
});

test('the newer typed calls send their arguments in wire order and decode the answers', { timeout: 5000 }, async (t) => {
  const wire: [string, unknown[]][] = [];
  const wconfd = await startFake(t, wire);
  assert.deepEqual(await wconfd.computeDRBDMap(), [['node-1', [[0, 'disk-1']]]]);
  assert.deepEqual(await wconfd.allocateDRBDMinor('disk-2', ['node-1', 'node-2']), [1, 0]);
  assert.equal(await wconfd.releaseDRBDMinors('disk-2'), undefined);
  await wconfd.reserveLV(CID, 'xenvg/disk0');
  await wconfd.reserveIp(CID, 'net-1', '192.0.2.10', false);
  assert.equal(await wconfd.generateIp(CID, 'net-1'), '192.0.2.10');
  assert.deepEqual(await wconfd.listReservedIps(CID), [['reserve', '192.0.2.10', 'net-1']]);
  assert.deepEqual(await wconfd.guardedOpportunisticLockUnion(2, CID, [['node/n2', 'exclusive']]), ['node/n2']);
  assert.equal(await wconfd.addInstanceDisk('inst-1', { uuid: 'disk-3', dev_type: 'plain' }, null, false), true);
  assert.equal(await wconfd.setInstanceStatus('inst-1', 'up', null, 'admin'), null);
  assert.deepEqual(await wconfd.updateNode({ uuid: 'node-1', serial_no: 7 }), [8, 1700000000.25]);
  assert.equal(await wconfd.prepareClusterDestruction(CID), undefined);
  assert.deepEqual(wire, [
    ['computeDRBDMap', []],
    ['allocateDRBDMinor', ['disk-2', ['node-1', 'node-2']]],
    ['releaseDRBDMinors', ['disk-2']],
    ['reserveLV', [CID, 'xenvg/disk0']],
    ['reserveIp', [CID, 'net-1', '192.0.2.10', false]],
    ['generateIp', [CID, 'net-1']],
    ['listReservedIps', [CID]],
    ['guardedOpportunisticLockUnion', [2, CID, [['node/n2', 'exclusive']]]],
    ['addInstanceDisk', ['inst-1', { uuid: 'disk-3', dev_type: 'plain' }, null, false]],
    ['setInstanceStatus', ['inst-1', 'up', null, 'admin']],
    ['updateNode', [{ uuid: 'node-1', serial_no: 7 }]],
    ['prepareClusterDestruction', [CID]],
  ]);
});

test('daemon failures arrive as typed Ganeti errors', { timeout: 5000 }, async (t) => {
  const wconfd = await startFake(t);
  await assert.rejects(wconfd.lockConfig(CID, true), (err: unknown) => err instanceof LockError && err.message === 'config lock busy');
  await assert.rejects(
    wconfd.call('verifyConfig'),
    (err: unknown) => err instanceof GenericError && err.message === 'No such method: verifyConfig',
  );
  assert.equal(await wconfd.echo('after errors'), 'after errors');
});

test('a known method called with the wrong number of arguments is refused before sending', { timeout: 5000 }, async (t) => {
  const wconfd = await startFake(t);
  await assert.rejects(wconfd.call('echo'), RangeError);
  await assert.rejects(wconfd.call('tryUpdateLocks', CID), /takes 2 arguments, got 1/);
  assert.equal(wconfd.client.pending, 0);
  // Unknown names go out unchecked and the daemon judges them.
  await assert.rejects(wconfd.call('nope', 1, 2), { message: 'No such method: nope' });
});

/**
 * A fake of the real wconfd's send path (spec §1.5): it writes each character of the
 * answer as its code point mod 256, so 'é' becomes byte 0xE9 and 'ă' byte 0x03.
 */
async function startMangler(t: TestContext): Promise<string> {
  const path = tempSocketPath(t);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    const decoder = new FrameDecoder();
    socket.on('data', (chunk) => {
      for (const message of decoder.push(chunk)) {
        const request = JSON.parse(message.toString('utf8')) as { method: string; args: unknown[] };
        const text = `{"success":true,"result":"${String(request.args[0])}"}`;
        socket.write(Buffer.from([...Array.from(text, (c) => (c.codePointAt(0) as number) & 0xff), 0x03]));
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return path;
}

test('Latin-1 characters mangled by a Haskell peer still decode', { timeout: 5000 }, async (t) => {
  const path = await startMangler(t);
  const wconfd = await WConfdClient.connect(path, { requestTimeoutMs: 2000 });
  t.after(() => wconfd.destroy());
  assert.equal(await wconfd.echo('café'), 'café');
  // Above U+00FF only the low byte survives: U+4E2D goes out as '-'.
  assert.equal(await wconfd.echo('\u4e2d'), '-');
});

test("an answer split by a mangled 'ă' fails the call, drops the connection and mixes no answers", { timeout: 5000 }, async (t) => {
  const path = await startMangler(t);
  const wconfd = await WConfdClient.connect(path, { requestTimeoutMs: 2000 });
  t.after(() => wconfd.destroy());
  const first = wconfd.echo('\u0103');
  const second = wconfd.echo('second');
  await assert.rejects(first, (err: unknown) => err instanceof GenericError && /^Parsing LUXI response/.test(err.message));
  // The second call never gets the second answer: it fails, either on the broken tail of
  // the first answer (both frames were read together) or because the connection is gone.
  await assert.rejects(
    second,
    (err: unknown) => err instanceof ConnectionClosedError || (err instanceof GenericError && /^Parsing LUXI response/.test(err.message)),
  );
  assert.equal(wconfd.closed, true);
  await assert.rejects(wconfd.echo('third'), { code: 'UDS_ERR_DESTROYED' });

  const again = await WConfdClient.connect(path, { requestTimeoutMs: 2000 });
  t.after(() => again.destroy());
  assert.equal(await again.echo('fresh'), 'fresh');
});
