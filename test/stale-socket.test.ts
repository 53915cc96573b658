import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import test, { type TestContext } from 'node:test';
import { connectClient } from '../src/dispatch/client.js';
import { createServer } from '../src/dispatch/server.js';
import { ErrorCodes, ProtocolError } from '../src/errors.js';
import { tempDir } from './helpers/tmp.js';

const echo = { parse: (_m: unknown, a: unknown) => a, exec: (a: unknown) => a };

/** Leaves a socket file at `path` that nobody listens on, as a crashed daemon does. */
async function staleSocket(dir: string, path: string): Promise<void> {
  const server = net.createServer();
  const tmp = join(dir, 'orig.sock');
  await new Promise<void>((r) => server.listen(tmp, r));
  fs.linkSync(tmp, path);
  await new Promise<void>((r) => server.close(() => r()));
  assert.ok(fs.lstatSync(path).isSocket());
}

function listenError(path: string, message: RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof ProtocolError, String(err));
    assert.equal(err.code, ErrorCodes.listen);
    assert.ok(err.message.includes(path), err.message);
    assert.match(err.message, message);
    return true;
  };
}

async function serverAt(t: TestContext, path: string, options = {}) {
  const server = createServer(echo, options);
  t.after(() => server.close(0));
  await server.listen(path);
  return server;
}

test('replaces a stale socket file and serves on it', { timeout: 10_000 }, async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 's.sock');
  await staleSocket(dir, path);
  await serverAt(t, path);
  const c = await connectClient(path);
  t.after(() => c.destroy());
  assert.deepEqual(await c.call('m', ['hi']), ['hi']);
});

test('refuses a stale socket when removeStaleSocket is off', { timeout: 10_000 }, async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 's.sock');
  await staleSocket(dir, path);
  const server = createServer(echo, { removeStaleSocket: false });
  t.after(() => server.close(0));
  await assert.rejects(server.listen(path), listenError(path, /stale socket file is there and removeStaleSocket is off/));
  assert.ok(fs.lstatSync(path).isSocket(), 'left in place');
});

test('refuses to take over a live socket, naming the path, and leaves the live server working', { timeout: 10_000 }, async (t) => {
  const path = join(tempDir(t), 's.sock');
  await serverAt(t, path);
  const second = createServer(echo);
  t.after(() => second.close(0));
  await assert.rejects(second.listen(path), listenError(path, /another server is answering on it/));
  const c = await connectClient(path);
  t.after(() => c.destroy());
  assert.deepEqual(await c.call('m', [1]), [1]);
});

test('refuses a regular file at the path and does not delete it', { timeout: 10_000 }, async (t) => {
  const path = join(tempDir(t), 'not-a-socket');
  fs.writeFileSync(path, 'precious');
  const server = createServer(echo);
  t.after(() => server.close(0));
  await assert.rejects(server.listen(path), listenError(path, /not a socket is there; it is left alone/));
  assert.equal(fs.readFileSync(path, 'utf8'), 'precious');
});

test('refuses a directory at the path and leaves it', { timeout: 10_000 }, async (t) => {
  const path = join(tempDir(t), 'dir');
  fs.mkdirSync(path);
  const server = createServer(echo);
  t.after(() => server.close(0));
  await assert.rejects(server.listen(path), listenError(path, /not a socket/));
  assert.ok(fs.statSync(path).isDirectory());
});

test('refuses a path too long for a Unix socket with RangeError', { timeout: 10_000 }, async (t) => {
  const path = join(tempDir(t), 'x'.repeat(120));
  const server = createServer(echo);
  t.after(() => server.close(0));
  await assert.rejects(server.listen(path), { name: 'RangeError', message: /longer than the 107 bytes/ });
});

test('reports a missing directory with a hint', { timeout: 10_000 }, async (t) => {
  const path = join(tempDir(t), 'missing', 's.sock');
  const server = createServer(echo);
  t.after(() => server.close(0));
  await assert.rejects(server.listen(path), listenError(path, /directory does not exist/));
});

test('removes its own socket file on close, so the path can be listened on again', { timeout: 10_000 }, async (t) => {
  const path = join(tempDir(t), 's.sock');
  const server = createServer(echo);
  await server.listen(path);
  await server.close(0);
  assert.equal(fs.existsSync(path), false);
  await serverAt(t, path);
  assert.ok(fs.lstatSync(path).isSocket());
});
