/**
 * Seeded, bounded stream fuzzing over real sockets: each run opens connections at once,
 * some carrying only well-formed requests (split at random points) and some carrying
 * garbage, mutated requests or nasty fragments. The server must not crash, must answer
 * every clean request correctly and in order, and must keep its memory bounded.
 * scripts/fuzz.mjs runs a longer version against dist/.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { encodeJson } from '../../src/codec.js';
import { RawPeer, mib, normalRequest, startChildServer, type ChildServer } from './raw.js';
import type { TestContext } from 'node:test';

const SEED = Number(process.env['FUZZ_SEED'] ?? 0x5eed);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 100);
const MAX_MESSAGE_BYTES = 64 * 1024;

/** A value a client may send: any JSON value or an integer of any size. */
const wireValue = fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }));

const requestText = (value: unknown): string => `{"method":"echo","args":[${encodeJson(value)}]}`;

/** Cuts `bytes` at the given fractional points. */
function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const p of points) {
    if (p > start && p < bytes.length) {
      chunks.push(bytes.subarray(start, p));
      start = p;
    }
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}

const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 });

const good = fc.record({ kind: fc.constant('good' as const), values: fc.array(wireValue, { minLength: 1, maxLength: 6 }), cuts });

const NASTY = [
  '[',
  '{"a":',
  '"',
  '\\u',
  '\\ud800',
  '\x03',
  '\x00',
  '1e400',
  'NaN',
  '9'.repeat(40),
  '\xff',
  '{"method":"echo","args":[',
  ']}',
  ' ',
];

const garbage = fc.record({
  kind: fc.constant('garbage' as const),
  bytes: fc.oneof(
    fc.uint8Array({ maxLength: 2048 }).map((a) => Buffer.from(a)),
    // A valid request with bytes overwritten, inserted or removed.
    fc
      .tuple(
        wireValue,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete')), {
          minLength: 1,
          maxLength: 6,
        }),
      )
      .map(([value, edits]) => {
        const bytes = [...Buffer.from(requestText(value) + '\x03')];
        for (const [at, byte, op] of edits) {
          const i = at % (bytes.length + 1);
          if (op === 'set') bytes[i] = byte;
          else if (op === 'insert') bytes.splice(i, 0, byte);
          else bytes.splice(i, 1);
        }
        return Buffer.from(bytes);
      }),
    fc
      .array(fc.tuple(fc.constantFrom(...NASTY), fc.integer({ min: 1, max: 300 })), { maxLength: 6 })
      .map((parts) => Buffer.from(parts.map(([s, n]) => s.repeat(n)).join(''), 'latin1')),
  ),
  cuts,
  /** End the write side when done (otherwise destroy the socket abruptly). */
  politeEnd: fc.boolean(),
});

const scenario = fc.array(fc.oneof(good, garbage), { minLength: 2, maxLength: 10 });

interface Counters {
  frames: number;
  garbageBytes: number;
  connections: number;
}

async function runGood(t: TestContext, path: string, values: unknown[], at: number[], n: Counters): Promise<void> {
  const peer = await RawPeer.open(t, path);
  const bytes = Buffer.from(values.map((v) => requestText(v) + '\x03').join(''));
  for (const chunk of split(bytes, at)) await peer.write(chunk);
  const expected = values.map((v) => `{"success":true,"result":[${encodeJson(v)}]}`);
  await peer.until(() => peer.frames.length >= values.length || peer.closed, `${values.length} answers`);
  assert.deepEqual(
    peer.frames.map((f) => f.toString('latin1')),
    expected,
  );
  assert.equal(peer.closed, false);
  n.frames += values.length;
  peer.socket.destroy();
}

async function runGarbage(t: TestContext, path: string, bytes: Buffer, at: number[], politeEnd: boolean, n: Counters): Promise<void> {
  const peer = await RawPeer.open(t, path);
  for (const chunk of split(bytes, at)) await peer.write(chunk);
  n.garbageBytes += bytes.length;
  n.frames += bytes.filter((b) => b === 0x03).length;
  if (!politeEnd) {
    peer.socket.destroy();
    return;
  }
  peer.socket.end();
  await peer.closedByServer();
  for (const frame of peer.frames) {
    const answer = JSON.parse(frame.toString('latin1')) as { success?: unknown };
    assert.equal(typeof answer.success, 'boolean', frame.toString('latin1').slice(0, 200));
  }
}

async function fuzz(t: TestContext, server: ChildServer, runs: number, seed: number): Promise<Counters> {
  const n: Counters = { frames: 0, garbageBytes: 0, connections: 0 };
  await fc.assert(
    fc.asyncProperty(scenario, async (conns) => {
      n.connections += conns.length;
      await Promise.all(
        conns.map((c) =>
          c.kind === 'good' ? runGood(t, server.path, c.values, c.cuts, n) : runGarbage(t, server.path, c.bytes, c.cuts, c.politeEnd, n),
        ),
      );
    }),
    { seed, numRuns: runs, endOnFailure: true },
  );
  return n;
}

test('a stream fuzzer mixing clean and garbage connections never crashes the server nor disturbs clean answers', {
  timeout: 120_000,
}, async (t) => {
  const server = await startChildServer(t, 'echo', { maxMessageBytes: MAX_MESSAGE_BYTES });
  const before = await server.report();
  const n = await fuzz(t, server, RUNS, SEED);
  const after = await server.report();
  assert.equal(server.child.exitCode, null, 'the server is still running');
  assert.deepEqual(await normalRequest(t, server.path), { success: true, result: ['still serving'] });
  const growth = after.rss - before.rss;
  t.diagnostic(
    `seed ${SEED}, ${RUNS} runs: ${n.connections} connections, ~${n.frames} frames fuzzed, ${mib(n.garbageBytes)} garbage; ` +
      `server answered ${after.stats['requests']} (${after.stats['errors']} errors); RSS ${mib(before.rss)} -> ${mib(after.rss)}`,
  );
  assert.ok(growth < 128 * 1048576, `server RSS grew by ${mib(growth)}`);
});
