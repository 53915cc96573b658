import assert from 'node:assert/strict';
import * as net from 'node:net';
import test from 'node:test';
import { connectClient } from '../src/dispatch/client.js';
import { createServer } from '../src/dispatch/server.js';
import { tempSocketPath } from './helpers/tmp.js';

test('answers 100 pipelined calls in request order though the handler finishes them out of order', { timeout: 20_000 }, async (t) => {
  const path = tempSocketPath(t);
  let active = 0;
  let maxActive = 0;
  const server = createServer({
    parse: (_m, args) => args as [number],
    async exec([n]: [number]) {
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 8)));
      active--;
      return n;
    },
  });
  await server.listen(path);
  t.after(() => server.close(0));
  const c = await connectClient(path, { requestTimeoutMs: 10_000 });
  t.after(() => c.destroy());
  const order: number[] = [];
  const calls = Array.from({ length: 100 }, (_, i) => c.call('n', [i]).then((v) => (order.push(v as number), v)));
  assert.equal(c.pending, 100);
  const results = await Promise.all(calls);
  assert.deepEqual(
    results,
    Array.from({ length: 100 }, (_, i) => i),
  );
  assert.deepEqual(order, results, 'promises settle in request order');
  assert.equal(maxActive, 1, 'requests of one connection run one at a time, as Ganeti clientLoop does');
});

test('answers requests that arrive in one write in order, for a raw peer', { timeout: 10_000 }, async (t) => {
  const path = tempSocketPath(t);
  const server = createServer({ parse: (_m, a) => a, exec: async (a) => a });
  await server.listen(path);
  t.after(() => server.close(0));
  const socket = net.createConnection({ path });
  t.after(() => socket.destroy());
  const n = 50;
  const text = await new Promise<string>((resolve) => {
    let got = '';
    socket.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (got.split('\x03').length === n + 1) resolve(got);
    });
    socket.write(Array.from({ length: n }, (_, i) => `{"method":"m","args":[${i}]}\x03`).join(''));
  });
  assert.deepEqual(
    text.split('\x03').slice(0, n),
    Array.from({ length: n }, (_, i) => `{"success":true,"result":[${i}]}`),
  );
});

test('the htools sequence of four requests on one connection is answered in order', { timeout: 10_000 }, async (t) => {
  const path = tempSocketPath(t);
  const server = createServer({ parse: (m, a) => [m, a], exec: ([m, a]: [string, unknown[]]) => `${m}:${String(a[0] ?? '')}` });
  await server.listen(path);
  t.after(() => server.close(0));
  const c = await connectClient(path);
  t.after(() => c.destroy());
  const answers = await Promise.all([
    c.call('Query', ['node', ['name'], null]),
    c.call('Query', ['instance', ['name'], null]),
    c.call('QueryClusterInfo', []),
    c.call('Query', ['group', ['uuid'], null]),
  ]);
  assert.deepEqual(answers, ['Query:node', 'Query:instance', 'QueryClusterInfo:', 'Query:group']);
});
