/**
 * DropConnection: a handler that throws it (or rejects with it) gets no answer sent and
 * its connection destroyed; answers to earlier requests on that connection still arrive,
 * later requests are never run, and the server goes on serving other connections.
 */
import assert from 'node:assert/strict';
import * as net from 'node:net';
import test from 'node:test';
import { connectClient } from '../src/dispatch/client.js';
import { DropConnection, type Handler } from '../src/dispatch/handler.js';
import { createServer } from '../src/dispatch/server.js';
import { ConnectionClosedError } from '../src/errors.js';
import { tempSocketPath } from './helpers/tmp.js';

/** Reads everything a raw peer gets until the server closes the connection. */
function sendRaw(path: string, text: string): Promise<{ got: string; hadError: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ path });
    let got = '';
    socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') reject(err);
    });
    socket.on('close', (hadError) => resolve({ got, hadError }));
    socket.write(text);
  });
}

for (const mode of ['sync', 'async'] as const) {
  const how = mode === 'sync' ? 'a DropConnection thrown by exec' : 'a promise rejected with DropConnection';
  test(`${how} sends no answer, answers earlier requests and runs no later one`, { timeout: 10_000 }, async (t) => {
    const path = tempSocketPath(t);
    const ran: number[] = [];
    const handler: Handler<number, number> = {
      parse: (_m, args) => (args as [number])[0],
      exec(n) {
        ran.push(n);
        if (n !== 2) return mode === 'sync' ? n : Promise.resolve(n);
        if (mode === 'sync') throw new DropConnection();
        return Promise.reject(new DropConnection());
      },
    };
    const server = createServer(handler as Handler<unknown, unknown>);
    await server.listen(path);
    t.after(() => server.close(0));
    const { got } = await sendRaw(path, [1, 2, 3].map((n) => `{"method":"m","args":[${n}]}\x03`).join(''));
    assert.equal(got, '{"success":true,"result":1}\x03');
    assert.deepEqual(ran, [1, 2]);
    // The server keeps serving: a new connection gets its answer.
    const c = await connectClient(path, { requestTimeoutMs: 5000 });
    t.after(() => c.destroy());
    assert.equal(await c.call('m', [7]), 7);
  });
}

test("a client's pending call fails with ConnectionClosedError when its request is dropped", { timeout: 10_000 }, async (t) => {
  const path = tempSocketPath(t);
  const server = createServer({
    parse: (_m, a) => a,
    exec: () => {
      throw new DropConnection();
    },
  });
  await server.listen(path);
  t.after(() => server.close(0));
  const c = await connectClient(path, { requestTimeoutMs: 5000 });
  t.after(() => c.destroy());
  await assert.rejects(c.call('m', []), (err: unknown) => err instanceof ConnectionClosedError);
});
