import assert from 'node:assert/strict';
import * as net from 'node:net';
import test from 'node:test';
import { connectClient } from '../src/dispatch/client.js';
import { createServer } from '../src/dispatch/server.js';
import { GenericError } from '../src/errors.js';
import { tempSocketPath } from './helpers/tmp.js';

// Large results are written in pieces (json-pieces.ts); these pin that the wire bytes and
// the ordering are those of a normal answer.

const rows = Array.from({ length: 20_000 }, (_, i) => [
  [0, `node${i}.example.com`],
  [0, i],
  [0, 'é'],
]);

test('a large result arrives whole and in order between small ones', { timeout: 20_000 }, async (t) => {
  const path = tempSocketPath(t);
  const server = createServer({
    parse: (method, args) => ({ method, args }),
    exec: ({ method, args }) => (method === 'big' ? { fields: [], data: rows } : args),
  });
  await server.listen(path);
  t.after(() => server.close(0));
  const client = await connectClient(path);
  t.after(() => client.destroy());
  const answers = await Promise.all([client.call('small', [1]), client.call('big', []), client.call('small', [2])]);
  assert.deepEqual(answers, [[1], { fields: [], data: rows }, [2]]);
  assert.equal(server.stats.requests, 3);
});

test('a large result to a reader that pauses is sent as the reader reads', { timeout: 20_000 }, async (t) => {
  const path = tempSocketPath(t);
  const server = createServer({ parse: (m) => m, exec: (m) => (m === 'big' ? rows : 'ok') });
  await server.listen(path);
  t.after(() => server.close(0));
  const raw = net.createConnection({ path });
  t.after(() => raw.destroy());
  await new Promise((r) => raw.once('connect', r));
  raw.pause();
  raw.write('{"method":"big","args":[]}\x03{"method":"after","args":[]}\x03');
  await new Promise((r) => setTimeout(r, 200));
  const chunks: Buffer[] = [];
  raw.on('data', (c: Buffer) => chunks.push(c));
  raw.resume();
  const deadline = Date.now() + 10_000;
  while (Buffer.concat(chunks).filter((b) => b === 3).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const text = Buffer.concat(chunks).toString('latin1');
  const [first, second] = text.split('\x03');
  assert.equal(first, `{"success":true,"result":${JSON.stringify(rows).replace(/é/g, '\\u00e9')}}`);
  assert.equal(second, '{"success":true,"result":"ok"}');
});

test('a large result that cannot be encoded from the start is answered as GenericError', { timeout: 10_000 }, async (t) => {
  const path = tempSocketPath(t);
  const cyclic: Record<string, unknown> = {};
  cyclic['self'] = cyclic;
  const bad = [cyclic, ...Array.from({ length: 5000 }, (_, i) => i)];
  const server = createServer({ parse: (m) => m, exec: (m) => (m === 'bad' ? bad : 'fine') });
  await server.listen(path);
  t.after(() => server.close(0));
  const client = await connectClient(path);
  t.after(() => client.destroy());
  await assert.rejects(
    client.call('bad', []),
    (err: unknown) => err instanceof GenericError && /cannot be encoded as JSON/.test(err.message),
  );
  assert.equal(await client.call('next', []), 'fine');
});

test('a large result that fails half-way closes the connection instead of sending broken JSON', { timeout: 10_000 }, async (t) => {
  const path = tempSocketPath(t);
  const cyclic: Record<string, unknown> = {};
  cyclic['self'] = cyclic;
  const bad = [...Array.from({ length: 200_000 }, (_, i) => i), cyclic];
  const server = createServer({ parse: (m) => m, exec: () => bad });
  await server.listen(path);
  t.after(() => server.close(0));
  const client = await connectClient(path);
  t.after(() => client.destroy());
  await assert.rejects(client.call('bad', []), (err: Error) => err.name === 'ConnectionClosedError');
  // The server let go of the broken connection and still accepts new ones.
  const again = await connectClient(path);
  t.after(() => again.destroy());
  const deadline = Date.now() + 2000;
  while (server.stats.connections !== 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.equal(server.stats.connections, 1);
});
