/**
 * The benchmark's references answer as our server does, so every ratio compares like with
 * like: the bare JSON server gives byte-identical answers to ours on pipelined requests,
 * and the bare JSON client and the burst client get correct echoes from our server. The
 * bench programs run as the benchmark runs them, in their own processes.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { BENCH_BUILD_DIR, runJson, startServer as startBenchServer } from '../../bench/lib/proc.js';
import { echoHandler } from '../../src/dispatch/handler.js';
import { RawPeer, startServer } from '../hardening/raw.js';
import { tempSocketPath } from '../helpers/tmp.js';

const SERVER_JS = join(BENCH_BUILD_DIR, 'server.js');
const CLIENT_JS = join(BENCH_BUILD_DIR, 'client.js');

/** Echo requests whose JSON any conforming server writes back the same way. */
const PROBE = [
  '{"method":"echo","args":["plain text"]}',
  '{"method":"echo","args":[1,-2,3.5,[true,false,null],{"k":"v","n":[]}]}',
  '{"method":"echo","args":[]}',
  '{"method":"echo","args":["quote \\" backslash \\\\ tab \\t"]}',
];

async function benchServer(t: TestContext, kind: string): Promise<string> {
  const path = tempSocketPath(t);
  const proc = await startBenchServer([process.execPath, SERVER_JS, kind, path]);
  t.after(() => proc.stop());
  return path;
}

/** Writes the probe as one pipelined burst and returns the answer frames as text. */
async function answersTo(t: TestContext, path: string): Promise<string[]> {
  const peer = await RawPeer.open(t, path);
  await peer.write(PROBE.map((r) => `${r}\x03`).join(''));
  await peer.until(() => peer.frames.length >= PROBE.length || peer.closed, `${PROBE.length} answers`, 10_000);
  peer.socket.destroy();
  return peer.frames.map((f) => f.toString('latin1'));
}

test('the bare JSON server answers pipelined requests byte for byte as our server does', { timeout: 30_000 }, async (t) => {
  const { path } = await startServer(t, echoHandler);
  const ours = await answersTo(t, path);
  assert.equal(ours.length, PROBE.length);
  assert.deepEqual(await answersTo(t, await benchServer(t, 'barejson')), ours);
});

test('the bare JSON client echoes structured payloads through our server', { timeout: 60_000 }, async (t) => {
  const path = await benchServer(t, 'ours');
  // client.js checks that the first answer holds every record it sent, and fails otherwise.
  const out = (await runJson(
    [process.execPath, CLIENT_JS, JSON.stringify({ mode: 'large', kind: 'barejson', socket: path, bytes: 64 << 10, iterations: 3 })],
    {
      timeoutMs: 50_000,
    },
  )) as { ms: number[] };
  assert.equal(out.ms.length, 3);
});

test('the burst client counts every connect and answer, by raw socket and by connectClient', { timeout: 60_000 }, async (t) => {
  const path = await benchServer(t, 'ours-defaults');
  for (const via of ['raw', 'client'] as const) {
    const out = await runJson([process.execPath, CLIENT_JS, JSON.stringify({ mode: 'burst', socket: path, conns: 100, via })], {
      timeoutMs: 50_000,
    });
    assert.deepEqual(out, { conns: 100, connected: 100, answered: 100, failures: {} }, via);
  }
});
