import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { connectClient } from '../../../src/dispatch/client.js';
import { createServer } from '../../../src/dispatch/server.js';
import { decodeJson } from '../../../src/codec.js';
import { createLuxiHandler } from '../../../src/protocols/luxi/handler.js';
import { redactSecrets } from '../../../src/logger.js';
import { decodeLuxiCall } from '../../../src/protocols/luxi/methods.js';
import { tempSocketPath } from '../../helpers/tmp.js';
import { FakeLuxid } from './fake-luxid.js';

async function startLuxid(t: TestContext, impl = new FakeLuxid()): Promise<{ path: string; impl: FakeLuxid }> {
  const path = tempSocketPath(t, 'q.sock');
  const server = createServer(createLuxiHandler(impl));
  await server.listen(path);
  t.after(() => server.close(100));
  return { path, impl };
}

/** Sends one raw request and returns the decoded answer, plus whether the server then closed. */
async function rawRequest(t: TestContext, path: string, request: string): Promise<{ answer: unknown; closedAfter: boolean }> {
  const client = await connectClient(path, { requestTimeoutMs: 5000 });
  t.after(() => client.destroy());
  client.send(request);
  const answer = decodeJson(await client.recvMsg());
  const next = await client.recv({ timeoutMs: 2000 });
  return { answer, closedAfter: next.kind === 'closed' };
}

const PARSE_ERRORS: Array<[string, string]> = [
  [
    '{"method":"Foo","args":[]}',
    'Failed to parse request: Unable to parse LUXI request method: Invalid string value for type LuxiReq: "Foo"',
  ],
  [
    '{"method":"Query","args":["nosuchresource",["name"],null]}',
    `Failed to parse request: Cannot convert value '["nosuchresource", ["name"], null]', error: Can't parse value 'nosuchresource' as neitherQueryTypeLuxi nor QueryTypeOp`,
  ],
  [
    '{"method":"QueryNodes","args":[[],["name"]]}',
    `Failed to parse request: Cannot convert value '[[], ["name"]]', error: Unable to read Triple`,
  ],
  [
    '{"method":"QueryNodes","args":[[],["name"],1]}',
    `Failed to parse request: Cannot convert value '[[], ["name"], 1]', error: Unable to read Bool`,
  ],
  [
    '{"method":"ArchiveJob","args":["x"]}',
    `Failed to parse request: Cannot convert value '["x"]', error: parsing job id: cannot parse string 'x'`,
  ],
  [
    '{"method":"WaitForJobChange","args":[1,["status"],null,null]}',
    'Failed to parse request: Parsing WaitForJobChange message: Not enough values',
  ],
  ['{"method":"SubmitJob","args":[[{"x":1}]]}', `Failed to parse request: SubmitJob: key 'reason' not found, object contains only ["x"]`],
  ['{"method":"SetDrainFlag","args":["yes"]}', `Failed to parse request: Cannot convert value '["yes"]', error: Unable to read Bool`],
];

for (const [request, expected] of PARSE_ERRORS) {
  test(`answers ${request} with a plain-string parse failure and closes the connection`, { timeout: 10_000 }, async (t) => {
    const { path, impl } = await startLuxid(t);
    const { answer, closedAfter } = await rawRequest(t, path, request);
    assert.deepEqual(answer, { success: false, result: expected });
    assert.equal(closedAfter, true);
    assert.equal(impl.calls.length, 0);
  });
}

test('answers an implementation error as [Class, args] and keeps the connection open', { timeout: 10_000 }, async (t) => {
  const { path } = await startLuxid(t);
  const client = await connectClient(path, { requestTimeoutMs: 5000 });
  t.after(() => client.destroy());
  client.send('{"method":"QueryNodes","args":[[],["name"],true]}');
  assert.deepEqual(decodeJson(await client.recvMsg()), {
    success: false,
    result: ['OpPrereqError', ['Sync queries are not allowed', 'wrong_input']],
  });
  client.send('{"method":"QueryClusterInfo","args":[]}');
  const second = decodeJson(await client.recvMsg()) as { success: boolean; result: { name: string } };
  assert.equal(second.success, true);
  assert.equal(second.result.name, 'cluster.example.com');
});

test('hands luxid-normalised arguments to the implementation (null job list, one-element CancelJob, capped wait)', {
  timeout: 10_000,
}, async (t) => {
  const { path, impl } = await startLuxid(t);
  const client = await connectClient(path, { requestTimeoutMs: 5000 });
  t.after(() => client.destroy());
  assert.deepEqual(await client.call('QueryJobs', [null, ['id']]), []);
  assert.deepEqual(await client.call('CancelJob', ['5']), [true, 'Dequeued job 5']);
  await client.call('WaitForJobChange', [1, ['status'], null, null, 1000]);
  assert.deepEqual(await client.call('SetWatcherPause', [{ not: 'a number' }]), null);
  assert.deepEqual(
    impl.calls.map((c) => [c.method, c.params]),
    [
      ['QueryJobs', [[], ['id']]],
      ['CancelJob', [5, false]],
      ['WaitForJobChange', [1, ['status'], null, null, 89]],
      ['SetWatcherPause', [null]],
    ],
  );
});

test('describes requests for logs by method, with secret parameters redacted', () => {
  const handler = createLuxiHandler(new FakeLuxid());
  const create = { OP_ID: 'OP_INSTANCE_CREATE', instance_name: 'x', mode: 'create', disks: [], nics: [], reason: [] };
  const call = decodeLuxiCall('SubmitJob', [[{ ...create, osparams_secret: { pw: 'hunter2' }, osparams_private: { pw: 'hunter3' } }]]);
  assert.equal(handler.describeShort?.(call), 'SubmitJob');
  const long = handler.describeLong?.(call) ?? '';
  assert.match(long, /^SubmitJob /);
  assert.match(long, /OP_INSTANCE_CREATE/);
  assert.doesNotMatch(long, /hunter2|hunter3/);
  assert.deepEqual(redactSecrets({ a: [{ osparams_private: 1, b: 2 }] }), { a: [{ osparams_private: '<redacted>', b: 2 }] });
});

test('refuses a negative maxWaitForJobChangeSeconds', () => {
  assert.throws(() => createLuxiHandler(new FakeLuxid(), { maxWaitForJobChangeSeconds: -1 }), RangeError);
});
