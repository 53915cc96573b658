import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import test, { type TestContext } from 'node:test';
import {
  DiagnosticsChannelNames,
  diagnosticsChannels,
  type ClientConnectMessage,
  type ClientRequestMessage,
  type ClientResponseMessage,
  type ServerConnectMessage,
  type ServerErrorMessage,
  type ServerRequestMessage,
  type ServerResponseMessage,
} from '../src/diagnostics.js';
import { connectClient, type Client } from '../src/dispatch/client.js';
import type { Handler } from '../src/dispatch/handler.js';
import { createServer } from '../src/dispatch/server.js';
import { OpPrereqError, RequestError } from '../src/errors.js';
import { tempSocketPath } from './helpers/tmp.js';

/** Subscribes to `name` by its string name for the test's duration and collects messages. */
function collect<T>(t: TestContext, name: string): T[] {
  const seen: T[] = [];
  const fn = (message: unknown): void => {
    seen.push(message as T);
  };
  diagnosticsChannel.subscribe(name, fn);
  t.after(() => diagnosticsChannel.unsubscribe(name, fn));
  return seen;
}

const handler: Handler<unknown, unknown> = {
  parse: (method, args) => {
    if (method === 'Bad') throw new Error('unknown method Bad');
    return { method, args };
  },
  exec: (input) => {
    const { method, args } = input as { method: unknown; args: unknown };
    if (method === 'Fail') throw new OpPrereqError('not now', 'wrong_state');
    return args;
  },
};

async function setup(t: TestContext): Promise<{ path: string; client: Client }> {
  const path = tempSocketPath(t);
  const server = createServer(handler, { closeGraceMs: 100 });
  await server.listen(path);
  t.after(() => server.close(0));
  const client = await connectClient(path, { connectTimeoutMs: 2000, requestTimeoutMs: 5000 });
  t.after(() => client.destroy());
  return { path, client };
}

test('channel names are the documented ganeti-uds:side:event strings', () => {
  assert.deepEqual(Object.values(DiagnosticsChannelNames), [
    'ganeti-uds:server:connect',
    'ganeti-uds:server:request',
    'ganeti-uds:server:response',
    'ganeti-uds:server:error',
    'ganeti-uds:client:connect',
    'ganeti-uds:client:request',
    'ganeti-uds:client:response',
  ]);
  assert.equal(diagnosticsChannels.serverRequest.name, 'ganeti-uds:server:request');
});

test('server channels see the connection, each request, its answer and failures', { timeout: 10_000 }, async (t) => {
  const connects = collect<ServerConnectMessage>(t, 'ganeti-uds:server:connect');
  const requests = collect<ServerRequestMessage>(t, 'ganeti-uds:server:request');
  const responses = collect<ServerResponseMessage>(t, 'ganeti-uds:server:response');
  const errors = collect<ServerErrorMessage>(t, 'ganeti-uds:server:error');
  const { client } = await setup(t);

  assert.deepEqual(await client.call('Echo', [1, 'a']), [1, 'a']);
  await assert.rejects(client.call('Fail', []), OpPrereqError);
  await assert.rejects(client.call('Bad', []), RequestError);

  assert.equal(connects.length, 1);
  const connectionId = connects[0]?.connectionId;
  assert.equal(typeof connectionId, 'number');
  assert.deepEqual(
    requests.map((r) => [r.connectionId, r.method, r.args]),
    [
      [connectionId, 'Echo', [1, 'a']],
      [connectionId, 'Fail', []],
    ],
  );
  assert.deepEqual(requests[0]?.input, { method: 'Echo', args: [1, 'a'] });
  assert.equal(responses.length, 2);
  assert.equal(responses[0]?.request, requests[0]);
  assert.equal(responses[0]?.success, true);
  assert.deepEqual(responses[0]?.result, [1, 'a']);
  assert.ok((responses[0]?.durationMs ?? -1) >= 0);
  assert.equal(responses[1]?.success, false);
  assert.ok(responses[1]?.error instanceof OpPrereqError);
  assert.deepEqual(
    errors.map((e) => e.phase),
    ['exec', 'parse'],
  );
  assert.equal(errors[0]?.request, requests[1]);
  assert.match(String((errors[1]?.error as Error).message), /unknown method Bad/);
  assert.equal(errors[1]?.request, undefined);
});

test('client channels see the connection, each call and how it settled', { timeout: 10_000 }, async (t) => {
  const connects = collect<ClientConnectMessage>(t, 'ganeti-uds:client:connect');
  const requests = collect<ClientRequestMessage>(t, 'ganeti-uds:client:request');
  const responses = collect<ClientResponseMessage>(t, 'ganeti-uds:client:response');
  const { path, client } = await setup(t);

  const [ok, failed] = await Promise.allSettled([client.call('Echo', ['x']), client.call('Fail', [])]);
  assert.equal(ok.status, 'fulfilled');
  assert.equal(failed.status, 'rejected');

  assert.deepEqual(
    connects.map((c) => c.path),
    [path],
  );
  assert.equal(connects[0]?.client, client);
  assert.deepEqual(
    requests.map((r) => [r.method, r.args, r.client === client]),
    [
      ['Echo', ['x'], true],
      ['Fail', [], true],
    ],
  );
  assert.deepEqual(
    responses.map((r) => [r.request.method, r.success]),
    [
      ['Echo', true],
      ['Fail', false],
    ],
  );
  assert.deepEqual(responses[0]?.result, ['x']);
  assert.ok(responses[1]?.error instanceof OpPrereqError);
});

test('publishes nothing and calls still work once subscribers are gone', { timeout: 10_000 }, async (t) => {
  const seen: unknown[] = [];
  const fn = (m: unknown): void => {
    seen.push(m);
  };
  diagnosticsChannel.subscribe('ganeti-uds:client:request', fn);
  diagnosticsChannel.unsubscribe('ganeti-uds:client:request', fn);
  const { client } = await setup(t);
  assert.deepEqual(await client.call('Echo', [2]), [2]);
  assert.equal(diagnosticsChannels.clientRequest.hasSubscribers, false);
  assert.deepEqual(seen, []);
});
