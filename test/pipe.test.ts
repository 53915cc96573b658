import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { Duplex } from 'node:stream';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Client } from '../src/dispatch/client.js';
import { createServer } from '../src/dispatch/server.js';
import { GenericError } from '../src/errors.js';
import { createRpcHandler, echoMethod } from '../src/protocols/rpc/handler.js';
import { DEFAULT_JOB_PIPE_TIMEOUT_MS, flushAndClose, pipeClient, spawnWithClient } from '../src/protocols/rpc/process-clients.js';
import { openPipePair } from '../src/transport/pipe.js';
import { tempDir } from './helpers/tmp.js';

test('messages cross a pipe pair in both directions, crosswise', { timeout: 5000 }, async (t) => {
  const [a, b] = await pipeClient({ requestTimeoutMs: 2000 });
  t.after(() => {
    a.destroy();
    b.destroy();
  });
  a.send('from a');
  b.send('from b');
  a.send('');
  assert.equal((await b.recvMsg()).toString(), 'from a');
  assert.equal((await a.recvMsg()).toString(), 'from b');
  assert.equal((await b.recvMsg()).length, 0);
});

test('a large message crosses a pipe whole (beyond the 64 KiB pipe buffer)', { timeout: 10_000 }, async (t) => {
  const [a, b] = await pipeClient({ requestTimeoutMs: 5000 });
  t.after(() => {
    a.destroy();
    b.destroy();
  });
  const big = 'x'.repeat(1024 * 1024);
  a.send(big);
  const got = await b.recvMsg();
  assert.equal(got.length, big.length);
  assert.equal(got.toString(), big);
});

test('closing one end makes the other see closed', { timeout: 5000 }, async (t) => {
  const [a, b] = await pipeClient();
  t.after(() => b.destroy());
  a.send('last');
  await flushAndClose(a);
  assert.equal((await b.recvMsg()).toString(), 'last');
  assert.deepEqual(await b.recv(), { kind: 'closed' });
});

test('the FIFOs are unlinked and their directory removed once opened', { timeout: 5000 }, async (t) => {
  const dir = tempDir(t);
  const [a, b] = await openPipePair({ dir });
  t.after(() => {
    for (const end of [a, b]) {
      end.readable.destroy();
      end.writable.destroy();
    }
  });
  assert.deepEqual(readdirSync(dir), []);
});

test('a server serves requests over a pipe pair, as over a socket', { timeout: 5000 }, async (t) => {
  const [mine, theirs] = await openPipePair();
  const server = createServer(createRpcHandler({ echo: echoMethod }));
  server.serve(Duplex.from(theirs));
  const client = new Client(mine, { requestTimeoutMs: 2000 });
  t.after(async () => {
    client.destroy();
    await server.close(100);
  });
  assert.equal(await client.call('echo', ['through a pipe']), 'through a pipe');
  await assert.rejects(client.call('nope', []), (err: unknown) => err instanceof GenericError && err.message === 'No such method: nope');
});

test('pipe clients default to the 30 s job-pipe timeout', () => {
  assert.equal(DEFAULT_JOB_PIPE_TIMEOUT_MS, 30_000);
});

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

test("the luxid <-> job process handshake runs over a real child's stdin/stdout", { timeout: 10_000 }, async (t) => {
  const fixture = fileURLToPath(new URL('./fixtures/job-process.js', import.meta.url));
  const livelock = '/var/run/ganeti/livelocks/job_000123_1700000000.000';
  const { child, client } = spawnWithClient(process.execPath, [fixture, livelock], { stderr: 'pipe', client: { requestTimeoutMs: 5000 } });
  t.after(() => {
    client.destroy();
    if (child.exitCode === null) child.kill();
  });
  let report = '';
  child.stderr?.on('data', (chunk: Buffer) => (report += chunk.toString()));
  const code = exited(child);

  // 1. the job sends its livelock path; 2. luxid answers an empty message.
  assert.equal((await client.recvMsg()).toString(), livelock);
  client.send('');
  // 3. the job sends an empty message; 4. luxid sends the secret params, one per opcode.
  assert.equal((await client.recvMsg()).length, 0);
  client.send('[null]');
  // 5. both close.
  await flushAndClose(client);
  assert.equal(await code, 0, report);
  assert.deepEqual(JSON.parse(report), { first: '', secrets: '[null]', after: 'closed' });
});

test('a command that cannot start closes its client with an error', { timeout: 5000 }, async (t) => {
  const { child, client } = spawnWithClient('/nonexistent/ganeti-uds-job');
  t.after(() => client.destroy());
  child.on('error', () => {});
  const result = await client.recv();
  assert.ok(result.kind === 'error' || result.kind === 'closed');
  if (result.kind === 'error') assert.match(result.error.message, /ENOENT/);
});
