import assert from 'node:assert/strict';
import * as net from 'node:net';
import test, { type TestContext } from 'node:test';
import { connectClient, type Client } from '../src/dispatch/client.js';
import type { Handler } from '../src/dispatch/handler.js';
import { createServer, type ServerOptions, type UdsServer } from '../src/dispatch/server.js';
import { GenericError, OpPrereqError, RequestError } from '../src/errors.js';
import { tempSocketPath } from './helpers/tmp.js';

const echo: Handler<unknown, unknown> = {
  parse(method, args) {
    if (method !== 'echo') throw new Error(`Unknown method ${JSON.stringify(method)}`);
    return args;
  },
  exec: (args) => args,
};

async function start(
  t: TestContext,
  handler: Handler<unknown, unknown> = echo,
  options: ServerOptions = {},
): Promise<{ server: UdsServer; path: string }> {
  const path = tempSocketPath(t);
  const server = createServer(handler, options);
  await server.listen(path);
  t.after(() => server.close(0));
  return { server, path };
}

async function client(t: TestContext, path: string): Promise<Client> {
  const c = await connectClient(path, { connectTimeoutMs: 2000, requestTimeoutMs: 5000 });
  t.after(() => c.destroy());
  return c;
}

/** Sends raw bytes on a plain socket and collects everything until the server closes. */
function rawExchange(path: string, bytes: Buffer | string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ path });
    const parts: Buffer[] = [];
    socket.on('data', (d: Buffer) => parts.push(d));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(parts).toString('latin1')));
    socket.write(bytes);
  });
}

test('answers many sequential requests on one connection', { timeout: 10_000 }, async (t) => {
  const { path, server } = await start(t);
  const c = await client(t, path);
  for (let i = 0; i < 20; i++) assert.deepEqual(await c.call('echo', [i, 'x']), [i, 'x']);
  assert.equal(server.stats.requests, 20);
  assert.equal(server.stats.connections, 1);
});

test('answers exactly as Haskell buildResponse writes it', { timeout: 10_000 }, async (t) => {
  const { path } = await start(t);
  const socket = net.createConnection({ path });
  t.after(() => socket.destroy());
  const got = new Promise<string>((resolve) => {
    let text = '';
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if (text.endsWith('\x03')) resolve(text);
    });
  });
  socket.write('{"method": "echo", "args": ["hi"], "version": 3000000}\n\x03');
  assert.equal(await got, '{"success":true,"result":["hi"]}\x03');
});

test('carries Unicode both ways over a real socket, written as ASCII escapes', { timeout: 10_000 }, async (t) => {
  const seen: Buffer[] = [];
  const { path } = await start(t);
  const c = await client(t, path);
  const text = 'ă é 中 😀 \u2028 \u0003';
  assert.deepEqual(await c.call('echo', [text]), [text]);
  // The server's bytes: capture them from a raw socket too.
  const socket = net.createConnection({ path });
  t.after(() => socket.destroy());
  await new Promise<void>((resolve) => {
    socket.on('data', (d: Buffer) => {
      seen.push(d);
      if (d.includes(3)) resolve();
    });
    socket.write(Buffer.concat([Buffer.from('{"method":"echo","args":["ă😀"]}', 'utf8'), Buffer.from([3])]));
  });
  const answer = Buffer.concat(seen);
  assert.equal(answer.toString('latin1'), '{"success":true,"result":["\\u0103\\ud83d\\ude00"]}\x03');
  assert.ok(answer.subarray(0, -1).every((b) => b < 0x80 && b !== 3));
});

test('keeps bigints exact through the server', { timeout: 10_000 }, async (t) => {
  const { path } = await start(t);
  const c = await client(t, path);
  assert.deepEqual(await c.call('echo', [1795548371267646000n, 2n ** 64n, -1]), [1795548371267646000n, 2n ** 64n, -1]);
});

test('answers a parse error with a plain string and closes the connection', { timeout: 10_000 }, async (t) => {
  const { path, server } = await start(t);
  const out = await rawExchange(path, '{"args":[]}\x03{"method":"echo","args":[1]}\x03');
  assert.equal(out, `{"success":false,"result":"Failed to parse request: key 'method' not found, object contains only [\\"args\\"]"}\x03`);
  const bad = await rawExchange(path, '{"method":"nope","args":[]}\x03');
  assert.equal(bad, '{"success":false,"result":"Failed to parse request: Unknown method \\"nope\\""}\x03');
  const json = await rawExchange(path, 'not json\x03');
  assert.match(json, /^\{"success":false,"result":"Failed to parse request: parsing top-level JSON message: Invalid JSON: /);
  assert.equal(server.stats.errors, 3);
});

test('a client sees the parse failure as RequestError and then a closed connection', { timeout: 10_000 }, async (t) => {
  const { path } = await start(t);
  const c = await client(t, path);
  await assert.rejects(c.call('nope', []), (err: unknown) => {
    assert.ok(err instanceof RequestError);
    assert.equal(err.result, 'Failed to parse request: Unknown method "nope"');
    return true;
  });
  assert.deepEqual(await c.recv(), { kind: 'closed' });
});

test('sends a thrown GanetiError as [Class, args] and keeps the connection', { timeout: 10_000 }, async (t) => {
  const { path } = await start(t, {
    parse: (m) => m,
    exec(m) {
      if (m === 'prereq') throw new OpPrereqError('fake failure', 'wrong_input');
      return 'ok';
    },
  });
  const out = await new Promise<string>((resolve) => {
    const socket = net.createConnection({ path });
    t.after(() => socket.destroy());
    let text = '';
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if (text.split('\x03').length === 3) resolve(text);
    });
    socket.write('{"method":"prereq","args":[]}\x03{"method":"x","args":[]}\x03');
  });
  assert.equal(out, '{"success":false,"result":["OpPrereqError",["fake failure","wrong_input"]]}\x03{"success":true,"result":"ok"}\x03');
});

test('answers an empty message with a parse error', { timeout: 10_000 }, async (t) => {
  const { path } = await start(t);
  const out = await rawExchange(path, '\x03');
  assert.match(out, /^\{"success":false,"result":"Failed to parse request: parsing top-level JSON message: Invalid JSON: /);
});

test('refuses a request over maxMessageBytes with a parse error and closes', { timeout: 10_000 }, async (t) => {
  const { path } = await start(t, echo, { maxMessageBytes: 64 });
  const exact = `{"method":"echo","args":["${'a'.repeat(64 - 29)}"]}`;
  assert.equal(Buffer.byteLength(exact), 64);
  const c = await client(t, path);
  assert.deepEqual(await c.call('echo', ['a'.repeat(35)]), ['a'.repeat(35)]);
  const out = await rawExchange(path, 'x'.repeat(65));
  assert.match(out, /^\{"success":false,"result":"Failed to parse request: Message exceeds the limit of 64 bytes/);
});

test('answers undefined results as null and unencodable results as GenericError', { timeout: 10_000 }, async (t) => {
  const cyclic: unknown[] = [];
  cyclic.push(cyclic);
  const { path } = await start(t, { parse: (m) => m, exec: (m) => (m === 'u' ? undefined : cyclic) });
  const c = await client(t, path);
  assert.equal(await c.call('u', []), null);
  await assert.rejects(c.call('cycle', []), (err: unknown) => err instanceof GenericError && /cannot be encoded as JSON/.test(err.message));
  assert.equal(await c.call('u', []), null, 'the connection stays usable');
});

test('serves over any Duplex, not only accepted sockets', { timeout: 10_000 }, async (t) => {
  const server = createServer(echo);
  t.after(() => server.close(0));
  const [a, b] = await socketPair(t);
  server.serve(a);
  const { Client } = await import('../src/dispatch/client.js');
  const c = new Client(b, { requestTimeoutMs: 5000 });
  t.after(() => c.destroy());
  assert.deepEqual(await c.call('echo', ['via serve']), ['via serve']);
});

/** A connected socket pair through a throwaway listener. */
async function socketPair(t: TestContext): Promise<[net.Socket, net.Socket]> {
  const path = tempSocketPath(t, 'pair.sock');
  const listener = net.createServer();
  await new Promise<void>((r) => listener.listen(path, r));
  const accepted = new Promise<net.Socket>((r) => listener.once('connection', r));
  const client = net.createConnection({ path });
  await new Promise<void>((r) => client.once('connect', () => r()));
  const server = await accepted;
  listener.close();
  t.after(() => {
    client.destroy();
    server.destroy();
  });
  return [server, client];
}

test('validates options up front, naming the option and the value', () => {
  assert.throws(() => createServer(echo, { mode: 0o1777 }), { name: 'RangeError', message: /mode.*1023/ });
  assert.throws(() => createServer(echo, { idleTimeoutMs: -1 }), { name: 'RangeError', message: /idleTimeoutMs.*-1/ });
  assert.throws(() => createServer(echo, { idleTimeoutMs: 2 ** 31 }), { name: 'RangeError', message: /idleTimeoutMs/ });
  assert.throws(() => createServer(echo, { maxMessageBytes: 0.5 }), { name: 'RangeError', message: /maxMessageBytes/ });
  assert.throws(() => createServer(echo, { invalidUtf8: 'drop' as 'reject' }), { name: 'RangeError', message: /invalidUtf8.*drop/ });
});

test('closes a connection idle longer than idleTimeoutMs', { timeout: 10_000 }, async (t) => {
  const { path } = await start(t, echo, { idleTimeoutMs: 100 });
  const c = await client(t, path);
  assert.deepEqual(await c.call('echo', [1]), [1]);
  assert.deepEqual(await c.recv({ timeoutMs: 5000 }), { kind: 'closed' });
});

test('listening twice on one server is refused', { timeout: 10_000 }, async (t) => {
  const { server, path } = await start(t);
  await assert.rejects(server.listen(path + '2'), /already listens on/);
  assert.equal(server.address, path);
});
