// Our RpcClient and WConfdClient against the REAL ganeti-wconfd (Debian's Ganeti 3.0),
// started for this file by test/interop/real-ganeti.sh. Skipped loudly without the packages.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConnectionClosedError, GenericError } from '../../src/errors.js';
import { RpcClient } from '../../src/protocols/rpc/client.js';
import { WConfdClient, type ClientId } from '../../src/protocols/rpc/wconfd.js';
import { ganetiSkip, startRealGaneti, type RealGaneti } from './peers.js';

const skip = ganetiSkip();

describe('our RPC clients against the real ganeti-wconfd', { skip, timeout: 60_000 }, () => {
  let real: RealGaneti | undefined;
  const clients: RpcClient[] = [];

  const socket = (): string => {
    if (real === undefined) throw new Error('the real daemons did not start');
    return real.wconfdSocket;
  };
  const connectRpc = async (): Promise<RpcClient> => {
    const c = await RpcClient.connect(socket(), { requestTimeoutMs: 5000 });
    clients.push(c);
    return c;
  };
  const connectWConfd = async (): Promise<WConfdClient> => {
    const c = await WConfdClient.connect(socket(), { requestTimeoutMs: 5000 });
    clients.push(c);
    return c;
  };

  before(
    async () => {
      real = await startRealGaneti();
    },
    { timeout: 45_000 },
  );

  after(
    async () => {
      for (const c of clients) c.destroy();
      await real?.stop();
    },
    { timeout: 45_000 },
  );

  test('echo returns ASCII text unchanged, on RpcClient and WConfdClient', { timeout: 10_000 }, async () => {
    const rpc = await connectRpc();
    assert.equal(await rpc.echo('hi'), 'hi');
    assert.equal(await rpc.call('echo', 'quotes " and \\ and \n'), 'quotes " and \\ and \n');
    const wconfd = await connectWConfd();
    assert.equal(await wconfd.echo(''), '');
    assert.equal(await wconfd.echo('x'.repeat(100_000)), 'x'.repeat(100_000));
  });

  test("a Latin-1 'é' comes back as a raw byte 0xE9, which the client still decodes", { timeout: 10_000 }, async () => {
    const wconfd = await connectWConfd();
    assert.equal(await wconfd.echo('café'), 'café');
    assert.equal(await wconfd.echo('Grüße, ½ × ÿ'), 'Grüße, ½ × ÿ');
    // The connection is in step afterwards.
    assert.equal(await wconfd.echo('after'), 'after');
  });

  test("an 'ă' (sent back as 0x03) fails that call cleanly, no hang, and a new connection works", { timeout: 15_000 }, async () => {
    const wconfd = await connectWConfd();
    const started = Date.now();
    const broken = wconfd.echo('nosuch-ă');
    const next = wconfd.echo('second');
    // The first frame ends inside the string: the answer does not parse.
    await assert.rejects(broken, (err: unknown) => err instanceof GenericError && /^Parsing LUXI response/.test(err.message));
    // The second answer must never be mistaken for anything: it fails as well (the tail
    // of the split frame, or the dropped connection) instead of resolving.
    await assert.rejects(
      next,
      (err: unknown) => err instanceof ConnectionClosedError || (err instanceof GenericError && /^Parsing LUXI response/.test(err.message)),
    );
    assert.ok(Date.now() - started < 4000, `failing took ${Date.now() - started} ms (a request timeout, not a clean failure)`);
    assert.equal(wconfd.closed, true);

    const again = await connectWConfd();
    assert.equal(await again.echo('fresh'), 'fresh');
    assert.equal(await again.echo('café'), 'café');
  });

  test("an unknown method fails with GenericError 'No such method: nope' and the connection stays usable", {
    timeout: 10_000,
  }, async () => {
    const rpc = await connectRpc();
    await assert.rejects(rpc.call('nope'), (err: unknown) => {
      assert.ok(err instanceof GenericError, `got ${String(err)}`);
      assert.deepEqual(err.args, ['No such method: nope']);
      return true;
    });
    assert.equal(rpc.closed, false);
    assert.equal(await rpc.echo('still open'), 'still open');
  });

  test("a wrong arity fails with GenericError 'RPC input: Unable to read 1 tuple' and the connection stays usable", {
    timeout: 10_000,
  }, async () => {
    const rpc = await connectRpc();
    for (const args of [[], ['a', 'b']]) {
      await assert.rejects(rpc.call('echo', ...args), (err: unknown) => {
        assert.ok(err instanceof GenericError, `got ${String(err)}`);
        assert.deepEqual(err.args, ['RPC input: Unable to read 1 tuple']);
        return true;
      });
    }
    assert.equal(await rpc.echo('ok'), 'ok');
  });

  test('pipelined calls on one connection answer in order', { timeout: 10_000 }, async () => {
    const rpc = await connectRpc();
    const texts = Array.from({ length: 50 }, (_, i) => `msg-${i}-é`);
    assert.deepEqual(await Promise.all(texts.map((s) => rpc.echo(s))), texts);
  });

  test('a 19-digit job id in a ClientId goes through the lock calls exactly (bigint)', { timeout: 10_000 }, async () => {
    const wconfd = await connectWConfd();
    const jobId = 1795633315754584001n;
    const cid = [jobId, '/tmp/ganeti-uds-interop-livelock-ü', process.pid] as unknown as ClientId;
    assert.deepEqual(await wconfd.tryUpdateLocks(cid, [['cluster/BGL', 'shared']]), []);
    try {
      assert.deepEqual(await wconfd.listLocks(cid), [['cluster/BGL', 'shared']]);
      const owners = (await wconfd.call('listAllLocksOwners')) as [string, [unknown[], string][]][];
      const bgl = owners.find(([lock]) => lock === 'cluster/BGL');
      assert.ok(bgl, `cluster/BGL not in ${JSON.stringify(owners, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}`);
      const [ownerCid, mode] = bgl[1][0] ?? [];
      assert.equal(mode, 'shared');
      assert.ok(Array.isArray(ownerCid));
      assert.equal(ownerCid[0], jobId);
      assert.equal(typeof ownerCid[0], 'bigint');
      assert.equal(ownerCid[2], process.pid);
    } finally {
      await wconfd.freeLocks(cid);
    }
    assert.deepEqual(await wconfd.listLocks(cid), []);
  });

  test('computeDRBDMap lists every node as [uuid, minors] and listReservedIps is empty for a fresh owner', {
    timeout: 10_000,
  }, async () => {
    const wconfd = await connectWConfd();
    const config = (await wconfd.readConfig()) as { nodes: Record<string, unknown> };
    const map = await wconfd.computeDRBDMap();
    assert.ok(Array.isArray(map), `computeDRBDMap gave ${JSON.stringify(map)}`);
    for (const entry of map) {
      assert.equal(typeof entry[0], 'string');
      assert.ok(Array.isArray(entry[1]));
    }
    assert.deepEqual(map.map(([node]) => node).sort(), Object.keys(config.nodes).sort());
    const cid: ClientId = ['ganeti-uds-interop', '/tmp/ganeti-uds-interop-livelock', process.pid];
    assert.deepEqual(await wconfd.listReservedIps(cid), []);
  });

  test('readConfig returns the cluster the daemons were started with', { timeout: 10_000 }, async () => {
    const wconfd = await connectWConfd();
    const config = (await wconfd.readConfig()) as { cluster: { cluster_name: string }; nodes: Record<string, { name: string }> };
    assert.equal(typeof config.cluster.cluster_name, 'string');
    const names = Object.values(config.nodes).map((n) => n.name);
    assert.ok(names.includes(real?.hostname ?? ''), `master ${real?.hostname} not among ${names.join(', ')}`);
  });
});
