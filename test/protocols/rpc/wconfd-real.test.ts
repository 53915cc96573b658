// Against the real ganeti-wconfd, when one runs: start it with test/interop/real-ganeti.sh
// and export WCONFD_SOCKET. Skipped otherwise.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GenericError } from '../../../src/errors.js';
import { WConfdClient, type ClientId } from '../../../src/protocols/rpc/wconfd.js';

const socket = process.env['WCONFD_SOCKET'];
const skip = socket === undefined ? 'WCONFD_SOCKET is not set (see test/interop/README.md)' : false;

test('the real wconfd answers echo, unit methods, locks and unknown methods as the client expects', {
  skip,
  timeout: 10_000,
}, async (t) => {
  const wconfd = await WConfdClient.connect(socket);
  t.after(() => wconfd.destroy());
  const cid: ClientId = [1, '/tmp/ganeti-uds-test-livelock', process.pid];
  assert.equal(await wconfd.echo('hi'), 'hi');
  assert.equal(await wconfd.echo('café'), 'café');
  assert.equal(await wconfd.flushConfig(), undefined);
  assert.ok('cluster' in (await wconfd.readConfig()));
  assert.deepEqual(await wconfd.tryUpdateLocks(cid, [['cluster/BGL', 'shared']]), []);
  assert.deepEqual(await wconfd.listLocks(cid), [['cluster/BGL', 'shared']]);
  await wconfd.freeLocks(cid);
  assert.deepEqual(await wconfd.listLocks(cid), []);
  await assert.rejects(wconfd.call('nope'), (err: unknown) => err instanceof GenericError && err.message === 'No such method: nope');
  await assert.rejects(wconfd.client.call('echo', []), { message: 'RPC input: Unable to read 1 tuple' });
  assert.equal(await wconfd.echo('still open'), 'still open');
});
