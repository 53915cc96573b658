import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import test from 'node:test';
import { connectClient } from '../src/dispatch/client.js';
import { createServer } from '../src/dispatch/server.js';
import { ConnectionClosedError, NoMasterError } from '../src/errors.js';
import { tempSocketPath } from './helpers/tmp.js';

function slowEcho(delayMs: number) {
  return {
    parse: (_m: unknown, a: unknown) => a,
    exec: (a: unknown) => new Promise((r) => setTimeout(() => r(a), delayMs)),
  };
}

test('close answers a request in flight within the grace period, removes the socket and refuses new connections', {
  timeout: 10_000,
}, async (t) => {
  const path = tempSocketPath(t);
  const server = createServer(slowEcho(100));
  await server.listen(path);
  t.after(() => server.close(0));
  const c = await connectClient(path, { requestTimeoutMs: 5000 });
  t.after(() => c.destroy());
  const inFlight = c.call('m', ['answered']);
  await new Promise((r) => setTimeout(r, 20)); // the request reaches the handler
  const closing = server.close(3000);
  assert.equal(server.close(), closing, 'a second close returns the same promise');
  assert.deepEqual(await inFlight, ['answered']);
  await closing;
  assert.equal(fs.existsSync(path), false);
  await assert.rejects(connectClient(path, { connectTimeoutMs: 500 }), NoMasterError);
  assert.equal(server.stats.connections, 0);
});

test('close cuts requests still running when the grace period ends', { timeout: 10_000 }, async (t) => {
  const path = tempSocketPath(t);
  const server = createServer(slowEcho(5_000));
  await server.listen(path);
  const c = await connectClient(path, { requestTimeoutMs: 10_000 });
  t.after(() => c.destroy());
  const inFlight = c.call('m', ['never']);
  await new Promise((r) => setTimeout(r, 20));
  await server.close(50);
  await assert.rejects(inFlight, ConnectionClosedError);
  assert.equal(fs.existsSync(path), false);
});

test('close ends idle connections and resolves without waiting out the grace period', { timeout: 10_000 }, async (t) => {
  const path = tempSocketPath(t);
  const server = createServer(slowEcho(0));
  await server.listen(path);
  const c = await connectClient(path, { requestTimeoutMs: 5000 });
  t.after(() => c.destroy());
  assert.deepEqual(await c.call('m', [1]), [1]);
  let settled = false;
  const closing = server.close(60_000).then(() => (settled = true));
  assert.deepEqual(await c.recv(), { kind: 'closed' });
  await Promise.race([closing, new Promise((r) => setTimeout(r, 5_000))]);
  assert.equal(settled, true);
});

test('close of a server that never listened resolves', { timeout: 10_000 }, async () => {
  const server = createServer(slowEcho(0));
  await server.close(0);
  assert.equal(server.address, undefined);
});

test('close() cuts connections refused by a limit instead of waiting for their timer', { timeout: 10_000 }, async (t) => {
  const path = tempSocketPath(t);
  const server = createServer({ parse: (_m, a) => a, exec: (a) => a }, { maxConnections: 1 });
  await server.listen(path);
  const kept = await connectClient(path);
  t.after(() => kept.destroy());
  assert.deepEqual(await kept.call('m', [1]), [1]);
  // The second connection is refused; its client never closes its side.
  const refused = net.createConnection({ path, allowHalfOpen: true });
  t.after(() => refused.destroy());
  await new Promise((resolve) => refused.once('data', resolve));
  assert.equal(server.stats.connectionsRefused, 1);
  const started = Date.now();
  await server.close(0);
  // The refusal timer is 1 s; close must not wait for it.
  assert.ok(Date.now() - started < 900, `close took ${Date.now() - started} ms`);
});
