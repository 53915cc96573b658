import assert from 'node:assert/strict';
import test from 'node:test';
import { connectClient } from '../src/dispatch/client.js';
import { createServer } from '../src/dispatch/server.js';
import { tempSocketPath } from './helpers/tmp.js';

test('close() waits for answers due and flushes a message sent just before it', { timeout: 5000 }, async (t) => {
  const path = tempSocketPath(t);
  const seen: unknown[] = [];
  const server = createServer({
    parse: (_m, args) => args,
    exec: async (args) => {
      await new Promise((r) => setTimeout(r, 20));
      seen.push(args);
      return args;
    },
  });
  await server.listen(path);
  t.after(() => server.close(0));
  const client = await connectClient(path);
  const answer = client.call('first', [1]);
  client.send('{"method":"second","args":[2]}');
  await client.close();
  assert.deepEqual(await answer, [1]);
  assert.equal(client.closed, true);
  // The server still received the raw message sent right before close().
  const deadline = Date.now() + 2000;
  while (seen.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(seen, [[1], [2]]);
});

test('close() on a closed client is harmless', { timeout: 5000 }, async (t) => {
  const path = tempSocketPath(t);
  const server = createServer({ parse: (_m, a) => a, exec: (a) => a });
  await server.listen(path);
  t.after(() => server.close(0));
  const client = await connectClient(path);
  await client.close();
  await client.close();
  assert.equal(client.closed, true);
});
