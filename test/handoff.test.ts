import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Client } from '../src/dispatch/client.js';
import { ProtocolError } from '../src/errors.js';
import { FrameDecoder } from '../src/framing.js';
import { buildCall, buildResponse, parseCall } from '../src/message.js';
import { handOffClient, pipeClient } from '../src/protocols/rpc/process-clients.js';
import { tempSocketPath } from './helpers/tmp.js';

const CHILD = fileURLToPath(new URL('./fixtures/handoff-child.js', import.meta.url));

function forkChild(t: TestContext): ChildProcess {
  const child = fork(CHILD, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill();
  });
  return child;
}

/**
 * A server that answers the first request itself, then hands the connection (and
 * whatever it already read) to `child`.
 */
async function startHandingServer(t: TestContext, child: ChildProcess): Promise<string> {
  const path = tempSocketPath(t);
  const server = net.createServer((socket) => {
    const conn = new Client(socket, { requestTimeoutMs: 0 });
    void (async () => {
      const first = parseCall(await conn.recvMsg());
      conn.send(buildResponse(true, { by: 'parent', args: first.args }));
      await handOffClient(conn, child);
    })();
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  t.after(() => server.close());
  return path;
}

/** Reads `count` answers from a raw socket. */
function readAnswers(socket: net.Socket, count: number): Promise<unknown[]> {
  const decoder = new FrameDecoder();
  const answers: unknown[] = [];
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      for (const m of decoder.push(chunk)) answers.push(JSON.parse(m.toString()));
      if (answers.length >= count) {
        socket.off('data', onData);
        resolve(answers);
      }
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`closed after ${answers.length} answers`)));
  });
}

test('a connection handed to a forked child loses nothing: pipelined requests buffered in the parent are answered there, in order', {
  timeout: 10_000,
}, async (t) => {
  const child = forkChild(t);
  const path = await startHandingServer(t, child);
  const socket = net.createConnection(path);
  t.after(() => socket.destroy());
  await new Promise<void>((resolve) => socket.once('connect', resolve));

  // Three requests in one write: the parent reads all three, answers one, hands off two.
  const frames = [1, 2, 3].map((n) => buildCall('echo', [n]) + '\x03').join('');
  const answers = readAnswers(socket, 3);
  socket.write(frames);
  assert.deepEqual(await answers, [
    { success: true, result: { by: 'parent', args: [1] } },
    { success: true, result: { by: 'child', args: [2] } },
    { success: true, result: { by: 'child', args: [3] } },
  ]);

  // Later requests go straight to the child.
  const more = readAnswers(socket, 1);
  socket.write(buildCall('echo', [4]) + '\x03');
  assert.deepEqual(await more, [{ success: true, result: { by: 'child', args: [4] } }]);
});

test('half a request read by the parent is completed in the child', { timeout: 10_000 }, async (t) => {
  const child = forkChild(t);
  const path = await startHandingServer(t, child);
  const socket = net.createConnection(path);
  t.after(() => socket.destroy());
  await new Promise<void>((resolve) => socket.once('connect', resolve));

  const second = buildCall('echo', ['split across processes']) + '\x03';
  const cut = 10;
  const first = readAnswers(socket, 1);
  socket.write(buildCall('echo', ['one']) + '\x03' + second.slice(0, cut));
  assert.deepEqual(await first, [{ success: true, result: { by: 'parent', args: ['one'] } }]);
  // The parent holds the first bytes of the second request; the rest comes once the
  // child owns the connection.
  await new Promise((resolve) => setTimeout(resolve, 50));
  const rest = readAnswers(socket, 1);
  socket.write(second.slice(cut));
  assert.deepEqual(await rest, [{ success: true, result: { by: 'child', args: ['split across processes'] } }]);
});

test('only clients over a socket can be handed off', { timeout: 5000 }, async (t) => {
  const [a, b] = await pipeClient();
  t.after(() => {
    a.destroy();
    b.destroy();
  });
  const child = forkChild(t);
  await assert.rejects(handOffClient(a, child), ProtocolError);
});
