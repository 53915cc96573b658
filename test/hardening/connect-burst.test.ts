/**
 * Connect bursts (issue 13): 5,000 connects started at once against a server in its own
 * process, with its default listen backlog. A Unix socket refuses a connect at once
 * (EAGAIN) when the backlog is full, so the backlog must hold the burst, and
 * `connectClient` retries EAGAIN within its connect timeout. Every connection must be
 * accepted and held at the same time, answer a request, and be let go after.
 *
 * The server runs in a child process: in one process all 5,000 connect() calls would be
 * made before the first accept, so no backlog the kernel allows (somaxconn) could hold them.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import { test, type TestContext } from 'node:test';
import { connectClient, type Client } from '../../src/dispatch/client.js';
import { startChildServer, type ChildServer } from './raw.js';

const BURST = 5000;
/** Each process holds BURST sockets, plus what Node and the test runner keep open. */
const FDS_NEEDED = BURST + 512;
/** Only the connection counts are lifted (their defaults, 4096 and 1024 per user, are below the burst). */
const SERVER_OPTIONS = { maxConnections: 0, maxConnectionsPerUser: 0 };

/** The soft limit on open files of this process (its child inherits it). */
function openFileLimit(): number {
  const line = /^Max open files\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return line?.[1] === 'unlimited' ? Infinity : Number(line?.[1] ?? NaN);
}

function fdSkip(): string | false {
  let limit: number;
  try {
    limit = openFileLimit();
  } catch {
    return false; // no /proc: try anyway
  }
  if (limit >= FDS_NEEDED) return false;
  const why = `open file limit ${limit} < ${FDS_NEEDED} (each process holds ${BURST} sockets): run \`ulimit -n ${FDS_NEEDED * 2}\` first`;
  process.stderr.write(`\n*** connect-burst tests SKIPPED: ${why} ***\n\n`);
  return why;
}

const skip = fdSkip();

/** Tallies errors by errno code. */
function countCodes(errors: readonly unknown[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const err of errors) {
    const e = err as { code?: string; cause?: { code?: string }; message?: string };
    const code = e.cause?.code ?? e.code ?? e.message ?? String(err);
    counts[code] = (counts[code] ?? 0) + 1;
  }
  return counts;
}

/** Asks the server until it holds `n` connections; each ask is a round trip to the child. */
async function untilServerHolds(server: ChildServer, n: number): Promise<number> {
  for (;;) {
    const held = (await server.report()).stats['connections'] ?? -1;
    if (held === n) return held;
  }
}

/** Opens one raw socket; resolves with it, or with the connect error. */
function rawConnect(path: string): Promise<net.Socket | Error> {
  return new Promise((resolve) => {
    const socket = net.createConnection({ path });
    socket.once('connect', () => resolve(socket));
    socket.once('error', (err) => resolve(err));
  });
}

/** Writes one echo request on a raw socket and resolves with the answer's text (or the error). */
function rawEcho(socket: net.Socket, n: number): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('latin1');
      if (text.includes('\x03')) {
        socket.off('data', onData);
        resolve(text);
      }
    };
    socket.on('data', onData);
    socket.once('error', (err) => resolve(`error ${err.message}`));
    socket.once('close', () => resolve(text));
    socket.write(`{"method":"echo","args":[${n}]}\x03`);
  });
}

async function burstServer(t: TestContext): Promise<ChildServer> {
  return startChildServer(t, 'echo', SERVER_OPTIONS);
}

test('5,000 concurrent connectClient calls are all accepted, held at once and answered', { skip, timeout: 180_000 }, async (t) => {
  const server = await burstServer(t);
  const settled = await Promise.allSettled(Array.from({ length: BURST }, () => connectClient(server.path)));
  const clients = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failures = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
  t.after(() => {
    for (const c of clients) c.destroy();
  });
  t.diagnostic(`connected ${clients.length} of ${BURST}; failures ${JSON.stringify(countCodes(failures))}`);
  assert.deepEqual(countCodes(failures), {}, `${failures.length} of ${BURST} connects failed`);
  const answers = await Promise.all(clients.map((c: Client, i) => c.call('echo', [i])));
  assert.deepEqual(
    answers.filter((a, i) => JSON.stringify(a) !== JSON.stringify([i])),
    [],
  );
  assert.equal((await server.report()).stats['connections'], BURST, 'the server holds every connection at once');
  for (const c of clients) c.destroy();
  assert.equal(await untilServerHolds(server, 0), 0);
});

test('5,000 raw connects at once against the default backlog get no EAGAIN, and all are held and answered', {
  skip,
  timeout: 180_000,
}, async (t) => {
  const server = await burstServer(t);
  const outcomes = await Promise.all(Array.from({ length: BURST }, () => rawConnect(server.path)));
  const sockets = outcomes.filter((o): o is net.Socket => o instanceof net.Socket);
  const failures = outcomes.filter((o): o is Error => !(o instanceof net.Socket));
  t.after(() => {
    for (const s of sockets) s.destroy();
  });
  let somaxconn = '?';
  try {
    somaxconn = readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim();
  } catch {
    // not Linux: leave it unknown
  }
  t.diagnostic(`connected ${sockets.length} of ${BURST}; failures ${JSON.stringify(countCodes(failures))}; somaxconn ${somaxconn}`);
  assert.deepEqual(countCodes(failures), {}, `${failures.length} of ${BURST} connects were refused (somaxconn ${somaxconn})`);
  const answers = await Promise.all(sockets.map((s, i) => rawEcho(s, i)));
  assert.deepEqual(
    answers.filter((a, i) => a !== `{"success":true,"result":[${i}]}\x03`),
    [],
  );
  assert.equal((await server.report()).stats['connections'], BURST, 'the server holds every connection at once');
  for (const s of sockets) s.destroy();
  assert.equal(await untilServerHolds(server, 0), 0);
});
