import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectClient, type Client } from '../../../src/dispatch/client.js';
import { createServer } from '../../../src/dispatch/server.js';
import { GenericError, OpPrereqError } from '../../../src/errors.js';
import { createRpcHandler, echoMethod, rpcMethod, rpcMethodOfArity, type RpcMethod } from '../../../src/protocols/rpc/handler.js';
import { readBool, readInt, readList, readMaybe, readString } from '../../../src/protocols/rpc/readers.js';
import { tempSocketPath } from '../../helpers/tmp.js';

const methods: Record<string, RpcMethod> = {
  echo: echoMethod,
  nothing: rpcMethodOfArity(0, () => undefined),
  nullish: rpcMethodOfArity(0, () => null),
  pair: rpcMethod([readString, readBool], ([s, b]) => `${s}:${String(b)}`),
  triple: rpcMethodOfArity(3, (args) => args.length),
  quad: rpcMethodOfArity(4, (args) => args),
  port: rpcMethod([readInt], ([n]) => n),
  names: rpcMethod([readList(readString)], ([names]) => names.length),
  maybe: rpcMethod([readMaybe(readString)], ([s]) => s ?? 'none'),
  prereq: rpcMethodOfArity(0, () => {
    throw new OpPrereqError('Instance foo not found', 'unknown_entity');
  }),
  crash: rpcMethodOfArity(0, () => {
    throw new Error('disk full');
  }),
  slow: rpcMethod([readString], async ([s]) => {
    await new Promise((r) => setTimeout(r, 20));
    return s.toUpperCase();
  }),
  asyncFail: rpcMethodOfArity(0, async () => {
    throw new TypeError('async broke');
  }),
};

async function start(t: import('node:test').TestContext): Promise<Client> {
  const server = createServer(createRpcHandler(methods), { mode: 0o600 });
  const path = tempSocketPath(t);
  await server.listen(path);
  const client = await connectClient(path, { requestTimeoutMs: 5000 });
  t.after(async () => {
    client.destroy();
    await server.close(100);
  });
  return client;
}

async function raw(client: Client, text: string): Promise<string> {
  client.send(text);
  return (await client.recvMsg()).toString('latin1');
}

test('echo returns its string argument', { timeout: 5000 }, async (t) => {
  const client = await start(t);
  assert.equal(await client.call('echo', ['hi']), 'hi');
});

test('echo joins a list of one-character strings, as Text.JSON reads a String', { timeout: 5000 }, async (t) => {
  const client = await start(t);
  assert.equal(await client.call('echo', [['a', 'b']]), 'ab');
  await assert.rejects(client.call('echo', [['ab']]), { name: 'GenericError', message: 'RPC input: Unable to read Char' });
});

test('wrong argument counts get the Text.JSON tuple texts and the connection stays open', { timeout: 5000 }, async (t) => {
  const client = await start(t);
  const cases: [string, unknown, string][] = [
    ['nothing', [1], 'Unable to read ()'],
    ['nothing', {}, 'Unable to read ()'],
    ['echo', [], 'Unable to read 1 tuple'],
    ['echo', ['a', 'b'], 'Unable to read 1 tuple'],
    ['echo', 'hi', 'Unable to read 1 tuple'],
    ['pair', ['a'], 'Unable to read Pair'],
    ['triple', [1, 2], 'Unable to read Triple'],
    ['quad', [1], 'Unable to read 4 tuple'],
  ];
  for (const [method, args, text] of cases) {
    const answer = await raw(client, JSON.stringify({ method, args }));
    assert.equal(
      answer,
      JSON.stringify({ success: false, result: ['GenericError', [`RPC input: ${text}`]] }),
      `${method} ${JSON.stringify(args)}`,
    );
  }
  assert.equal(client.closed, false);
  assert.equal(await client.call('pair', ['x', true]), 'x:true');
});

test('an argument of the wrong type names the type it could not read', { timeout: 5000 }, async (t) => {
  const client = await start(t);
  await assert.rejects(client.call('echo', [2n ** 63n]), { name: 'GenericError', message: 'RPC input: Unable to read String' });
  await assert.rejects(client.call('echo', [null]), { message: 'RPC input: Unable to read String' });
  await assert.rejects(client.call('pair', ['x', 'yes']), { message: 'RPC input: Unable to read Bool' });
  await assert.rejects(client.call('port', ['80']), { message: 'RPC input: Unable to read Int' });
  await assert.rejects(client.call('names', ['a']), { message: 'RPC input: Unable to read list' });
});

test('Int arguments are rounded as Haskell does, halves to even', { timeout: 5000 }, async (t) => {
  const client = await start(t);
  assert.equal(await client.call('port', [1.5]), 2);
  assert.equal(await client.call('port', [2.5]), 2);
  assert.equal(await client.call('port', [-0.4]), 0);
  assert.equal(await client.call('port', [2n ** 64n]), 2n ** 64n);
});

test('a nullable argument takes null or the value', { timeout: 5000 }, async (t) => {
  const client = await start(t);
  assert.equal(await client.call('maybe', [null]), 'none');
  assert.equal(await client.call('maybe', ['x']), 'x');
});

test('an unknown method answers GenericError "No such method" and keeps the connection', { timeout: 5000 }, async (t) => {
  const client = await start(t);
  assert.equal(await raw(client, '{"method":"nope","args":[]}'), '{"success":false,"result":["GenericError",["No such method: nope"]]}');
  assert.equal(await client.call('echo', ['still here']), 'still here');
});

test('a method that is not a string is a parse error answered with a plain string, then the connection closes', {
  timeout: 5000,
}, async (t) => {
  const client = await start(t);
  assert.equal(
    await raw(client, '{"method":5,"args":[]}'),
    `{"success":false,"result":"Failed to parse request: Cannot convert value '5', error: Unable to read String"}`,
  );
  assert.deepEqual(await client.recv(), { kind: 'closed' });
});

test('a request without args is a parse error naming the missing key, then the connection closes', { timeout: 5000 }, async (t) => {
  const client = await start(t);
  assert.equal(
    await raw(client, '{"method":"echo"}'),
    `{"success":false,"result":"Failed to parse request: key 'args' not found, object contains only [\\"method\\"]"}`,
  );
  assert.deepEqual(await client.recv(), { kind: 'closed' });
});

test('a method returning nothing answers [] as Haskell unit does; null stays null', { timeout: 5000 }, async (t) => {
  const client = await start(t);
  assert.equal(await raw(client, '{"method":"nothing","args":[]}'), '{"success":true,"result":[]}');
  assert.equal(await raw(client, '{"method":"nullish","args":[]}'), '{"success":true,"result":null}');
});

test('a thrown GanetiError goes out with its class and args', { timeout: 5000 }, async (t) => {
  const client = await start(t);
  assert.equal(
    await raw(client, '{"method":"prereq","args":[]}'),
    '{"success":false,"result":["OpPrereqError",["Instance foo not found","unknown_entity"]]}',
  );
});

test('any other exception becomes GenericError with its message, sync or async', { timeout: 5000 }, async (t) => {
  const client = await start(t);
  await assert.rejects(client.call('crash', []), (err: unknown) => err instanceof GenericError && err.message === 'disk full');
  await assert.rejects(client.call('asyncFail', []), (err: unknown) => err instanceof GenericError && err.message === 'async broke');
});

test('pipelined calls to async methods are answered in order', { timeout: 5000 }, async (t) => {
  const client = await start(t);
  const answers = await Promise.all([
    client.call('slow', ['a']),
    client.call('echo', ['b']),
    client.call('slow', ['c']),
    client.call('nope', []).catch((e: Error) => e.message),
  ]);
  assert.deepEqual(answers, ['A', 'b', 'C', 'No such method: nope']);
});

test('withEcho adds echo to a table that lacks it', { timeout: 5000 }, () => {
  const handler = createRpcHandler({}, { withEcho: true });
  const ctx = {} as never;
  assert.equal(handler.exec(handler.parse('echo', ['x'], ctx), ctx), 'x');
  assert.throws(() => createRpcHandler({}).exec(createRpcHandler({}).parse('echo', ['x'], ctx), ctx), { message: 'No such method: echo' });
});

test('readers that do not match the arity are refused when the handler is built', () => {
  assert.throws(() => createRpcHandler({ bad: { arity: 2, readers: [readString], run: () => null } }), TypeError);
});
