import assert from 'node:assert/strict';
import * as net from 'node:net';
import { PassThrough } from 'node:stream';
import test, { type TestContext } from 'node:test';
import { Client, connectClient } from '../src/dispatch/client.js';
import { ConnectionClosedError, ErrorCodes, GenericError, MessageError, ProtocolError } from '../src/errors.js';
import { MessageTooLargeError } from '../src/framing.js';
import { tempSocketPath } from './helpers/tmp.js';

/** A raw listener whose accepted sockets are handed to `onSocket`. */
async function rawServer(t: TestContext, onSocket: (s: net.Socket) => void): Promise<string> {
  const path = tempSocketPath(t);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    onSocket(s);
  });
  await new Promise<void>((r) => server.listen(path, r));
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return path;
}

async function open(t: TestContext, path: string, options = {}): Promise<Client> {
  const c = await connectClient(path, { requestTimeoutMs: 5000, ...options });
  t.after(() => c.destroy());
  return c;
}

test('recv gives ok with each message, in arrival order, several per write', { timeout: 10_000 }, async (t) => {
  const path = await rawServer(t, (s) => s.write('one\x03two\x03\x03thr'));
  const c = await open(t, path);
  assert.equal((await c.recvMsg()).toString(), 'one');
  const second = await c.recv();
  assert.equal(second.kind, 'ok');
  assert.equal(second.kind === 'ok' && second.message.toString(), 'two');
  assert.equal((await c.recvMsg()).length, 0, 'an empty message');
});

test('recv gives closed at EOF, also in the middle of a message', { timeout: 10_000 }, async (t) => {
  const path = await rawServer(t, (s) => s.end('whole\x03half'));
  const c = await open(t, path);
  assert.deepEqual((await c.recv()).kind, 'ok');
  assert.deepEqual(await c.recv(), { kind: 'closed' });
  assert.deepEqual(await c.recv(), { kind: 'closed' }, 'and keeps saying so');
  await assert.rejects(c.recvMsg(), ConnectionClosedError);
  assert.equal(c.closed, true);
});

test('recv gives error for a message over maxMessageBytes', { timeout: 10_000 }, async (t) => {
  const path = await rawServer(t, (s) => s.write('x'.repeat(100)));
  const c = await open(t, path, { maxMessageBytes: 10 });
  const result = await c.recv();
  assert.equal(result.kind, 'error');
  assert.ok(result.kind === 'error' && result.error instanceof MessageTooLargeError);
});

test('recv gives error for a timeout and the message that comes later is still delivered', { timeout: 10_000 }, async (t) => {
  let peer: net.Socket | undefined;
  const path = await rawServer(t, (s) => (peer = s));
  const c = await open(t, path);
  const first = await c.recv({ timeoutMs: 50 });
  assert.equal(first.kind, 'error');
  assert.ok(first.kind === 'error' && first.error instanceof ProtocolError && first.error.code === ErrorCodes.timeout);
  assert.match(first.kind === 'error' ? first.error.message : '', /Timeout in reading a response/);
  peer?.write('late\x03');
  assert.equal((await c.recvMsg({ timeoutMs: 5000 })).toString(), 'late');
});

test('a recv abandoned through its signal does not swallow the next message', { timeout: 10_000 }, async (t) => {
  let peer: net.Socket | undefined;
  const path = await rawServer(t, (s) => (peer = s));
  const c = await open(t, path);
  const controller = new AbortController();
  const waiting = c.recv({ signal: controller.signal });
  controller.abort(new Error('stop waiting'));
  await assert.rejects(waiting, /stop waiting/);
  peer?.write('next\x03');
  assert.equal((await c.recvMsg()).toString(), 'next');
});

test('send frames a message and refuses the terminator inside it', { timeout: 10_000 }, async (t) => {
  const received: Buffer[] = [];
  let gotAll: () => void = () => {};
  const done = new Promise<void>((r) => (gotAll = r));
  const path = await rawServer(t, (s) =>
    s.on('data', (d: Buffer) => {
      received.push(d);
      if (Buffer.concat(received).toString('latin1') === 'raw\x03\x03') gotAll();
    }),
  );
  const c = await open(t, path);
  assert.throws(() => c.send('a\x03b'), /Message terminator found in payload/);
  c.send('raw');
  c.send('');
  await done;
});

test('call fails with ConnectionClosedError when the server closes before answering', { timeout: 10_000 }, async (t) => {
  const path = await rawServer(t, (s) => s.once('data', () => s.end()));
  const c = await open(t, path);
  await assert.rejects(c.call('x', []), (err: unknown) => err instanceof ConnectionClosedError && err.code === ErrorCodes.connectionClosed);
  assert.throws(() => c.send('y'), { name: 'ProtocolError', message: 'Connection is closed' });
  await assert.rejects(c.call('y', []), { message: 'Connection is closed' });
});

test('all pending calls fail when the connection drops', { timeout: 10_000 }, async (t) => {
  const path = await rawServer(t, (s) => s.once('data', () => setTimeout(() => s.destroy(), 20)));
  const c = await open(t, path);
  const results = await Promise.allSettled([c.call('a', []), c.call('b', []), c.call('c', [])]);
  for (const r of results) assert.equal(r.status, 'rejected');
});

test('a malformed answer fails the call with Ganeti text and drops the connection', { timeout: 10_000 }, async (t) => {
  const path = await rawServer(t, (s) => s.once('data', () => s.write('{"succes\x03{"success":true,"result":1}\x03')));
  const c = await open(t, path);
  const first = c.call('a', []);
  const second = c.call('b', []);
  await assert.rejects(first, (err: unknown) => err instanceof GenericError && /^Parsing LUXI response: /.test(err.message));
  await assert.rejects(second, ConnectionClosedError, 'a later answer cannot be trusted to match');
  assert.equal(c.closed, true);
});

test('a server error does not close the client', { timeout: 10_000 }, async (t) => {
  const path = await rawServer(t, (s) => s.on('data', () => s.write('{"success":false,"result":["JobLost",["gone"]]}\x03')));
  const c = await open(t, path);
  await assert.rejects(c.call('a', []), (err: unknown) => err instanceof MessageError && err.name === 'JobLost');
  await assert.rejects(c.call('b', []), { name: 'JobLost' });
  assert.equal(c.closed, false);
});

test('close waits for pending answers, then closes; closing twice is harmless', { timeout: 10_000 }, async (t) => {
  const path = await rawServer(t, (s) => s.once('data', () => setTimeout(() => s.write('{"success":true,"result":7}\x03'), 30)));
  const c = await open(t, path);
  const call = c.call('a', []);
  await c.close();
  assert.equal(await call, 7);
  assert.equal(c.closed, true);
  await c.close();
});

test('destroy fails waiting calls with the error given', { timeout: 10_000 }, async (t) => {
  const path = await rawServer(t, () => {});
  const c = await open(t, path);
  const call = c.call('a', []);
  c.destroy(new Error('going away'));
  await assert.rejects(call, /going away/);
});

test('works over a pipe pair, and detach hands over the unread bytes', { timeout: 10_000 }, async () => {
  const toClient = new PassThrough();
  const fromClient = new PassThrough();
  const c = new Client({ readable: toClient, writable: fromClient });
  c.send('hello');
  await new Promise((r) => setImmediate(r)); // writes of one tick leave together, corked
  assert.equal((fromClient.read() as Buffer).toString('latin1'), 'hello\x03');
  toClient.write('a\x03b\x03par');
  assert.equal((await c.recvMsg()).toString(), 'a');
  await new Promise((r) => setImmediate(r));
  const { buffered, streams } = c.detach();
  assert.equal(buffered.toString('latin1'), 'b\x03par');
  assert.equal(streams.readable, toClient);
  assert.equal(c.closed, true);
  const next = new Client({ readable: toClient, writable: fromClient });
  next.inject(buffered);
  toClient.write('tial\x03');
  toClient.resume();
  assert.equal((await next.recvMsg()).toString(), 'b');
  assert.equal((await next.recvMsg()).toString(), 'partial');
  next.destroy();
});

test('validates its options, naming the option', () => {
  const s = new PassThrough();
  assert.throws(() => new Client(s, { requestTimeoutMs: -5 }), { name: 'RangeError', message: /requestTimeoutMs.*-5/ });
  assert.throws(() => new Client(s, { maxMessageBytes: -1 }), { name: 'RangeError', message: /maxMessageBytes/ });
  s.destroy();
});
