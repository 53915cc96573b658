/**
 * Connection lifecycle under faults: clients that half-close right after their request,
 * and a server that runs out of file descriptors (EMFILE) and must recover. SIGTERM and
 * SIGINT draining belong to the CLI and are tested there.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import { echoHandler, type Handler } from '../../src/dispatch/handler.js';
import { RawPeer, normalRequest, startChildServer, startServer } from './raw.js';

const slowHandler: Handler<unknown, unknown> = {
  parse: (_method, args) => args,
  exec: (args) => new Promise((resolve) => setTimeout(() => resolve(args), 20)),
};

for (const [label, handler] of [
  ['a synchronous', echoHandler],
  ['an asynchronous', slowHandler],
] as const) {
  test(`a client that half-closes right after its requests still gets every answer (${label} handler)`, { timeout: 10_000 }, async (t) => {
    const { path } = await startServer(t, handler);
    const peer = await RawPeer.open(t, path);
    await peer.write('{"method":"echo","args":[1]}\x03{"method":"echo","args":[2]}\x03{"method":"echo","args":[3]}\x03');
    peer.socket.end();
    await peer.closedByServer();
    assert.deepEqual(
      peer.frames.map((f) => JSON.parse(f.toString()) as unknown),
      [1, 2, 3].map((i) => ({ success: true, result: [i] })),
    );
  });
}

function havePrlimit(): boolean {
  try {
    execFileSync('prlimit', ['--version'], { stdio: 'ignore' });
    return existsSync('/proc/self/fd');
  } catch {
    return false;
  }
}

test('survives running out of file descriptors and serves again once some are free', { timeout: 30_000 }, async (t) => {
  if (!havePrlimit()) {
    t.skip("NOT COVERED here: needs prlimit(1) and /proc to lower a child server's fd limit");
    return;
  }
  const server = await startChildServer(t, 'echo');
  const pid = server.child.pid as number;
  const base = readdirSync(`/proc/${pid}/fd`).length;
  const spare = 10;
  execFileSync('prlimit', ['--pid', String(pid), `--nofile=${base + spare}:${base + spare}`]);
  const outcomes = { answered: 0, closed: 0 };
  const peers: RawPeer[] = [];
  for (let i = 0; i < spare + 20; i++) {
    const peer = await RawPeer.open(t, server.path);
    peers.push(peer);
    await peer.write(`{"method":"echo","args":[${i}]}\x03`);
    await peer.until(() => peer.frames.length > 0 || peer.closed, `connection ${i} to be answered or closed`);
    if (peer.frames.length > 0) outcomes.answered++;
    else outcomes.closed++;
  }
  t.diagnostic(
    `fd limit ${base + spare} (${base} in use at start): ${outcomes.answered} connections answered, ${outcomes.closed} closed at accept`,
  );
  assert.ok(outcomes.answered > 0 && outcomes.answered <= spare + 2, `${outcomes.answered} answered`);
  assert.ok(outcomes.closed > 0, 'connections past the fd limit are closed, not left hanging');
  assert.equal(server.child.exitCode, null, 'the server process is still running');
  for (const p of peers) p.socket.destroy();
  await peers[0]?.until(() => false, 'nothing', 300).catch(() => undefined);
  assert.deepEqual(await normalRequest(t, server.path), { success: true, result: ['still serving'] });
  const report = await server.report();
  t.diagnostic(`after recovery: ${report.stats['connections']} connections open, ${report.stats['connectionsTotal']} accepted in all`);
});
