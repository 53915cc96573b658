#!/usr/bin/env node
// Long-running stream fuzzer against the built library (dist/): a server in a child process,
// many concurrent connections per round, clean ones (well-formed requests split at random
// points, answers checked byte for byte and in order) mixed with garbage ones. Stops at the
// first failure with the seed that reproduces it. The CI runs a short version in
// test/hardening/fuzz.test.ts.
//
//   node scripts/fuzz.mjs [--duration=SECONDS] [--seed=N] [--max-rss-mib=N]
//   env: FUZZ_DURATION, FUZZ_SEED, GANETI_UDS_DIST (the index.js to test; default ../dist/index.js)
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fc from 'fast-check';

const args = Object.fromEntries(
  process.argv
    .slice(2)
    .filter((a) => a.startsWith('--'))
    .map((a) => {
      const [k, v] = a.slice(2).split('=');
      return [k, v ?? 'true'];
    }),
);
const distIndex = process.env.GANETI_UDS_DIST
  ? pathToFileURL(process.env.GANETI_UDS_DIST).href
  : new URL('../dist/index.js', import.meta.url).href;
const lib = await import(distIndex);
const MAX_MESSAGE_BYTES = 64 * 1024;

/** Child mode: the server under test. */
async function serve() {
  const server = lib.createServer(lib.echoHandler, { maxMessageBytes: MAX_MESSAGE_BYTES });
  await server.listen(args.serve);
  process.on('message', () => {
    const m = process.memoryUsage();
    process.send({ rss: m.rss, stats: { ...server.stats } });
  });
  process.on('disconnect', () => void server.close(0).then(() => process.exit(0)));
  process.send('ready');
}

async function main() {
  const durationS = Number(args.duration ?? process.env.FUZZ_DURATION ?? 60);
  const seed = Number(args.seed ?? process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
  const maxRssMib = Number(args['max-rss-mib'] ?? 256);
  const dir = mkdtempSync(join(tmpdir(), 'uds-fuzz-'));
  const path = join(dir, 's.sock');
  const child = fork(fileURLToPath(import.meta.url), [`--serve=${path}`], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let childDied = false;
  let stopping = false;
  child.on('exit', (code, signal) => {
    childDied = true;
    if (!stopping) console.error(`fuzz: the server process exited (code ${code}, signal ${signal})`);
  });
  await new Promise((resolve) => child.once('message', resolve));
  const report = () =>
    new Promise((resolve) => {
      child.once('message', resolve);
      child.send('report');
    });
  const start = await report();
  const counters = { rounds: 0, connections: 0, cleanRequests: 0, garbageBytes: 0 };
  const deadline = Date.now() + durationS * 1000;
  console.log(`fuzz: seed ${seed}, ${durationS} s, library ${distIndex}`);
  let batch = 0;
  let failed = false;
  let peakRss = start.rss;
  let lastPrint = Date.now();
  while (Date.now() < deadline && !failed && !childDied) {
    const batchSeed = (seed + batch++) | 0;
    const result = await fc.check(
      fc.asyncProperty(scenario(lib), async (conns) => {
        counters.rounds++;
        counters.connections += conns.length;
        await Promise.all(conns.map((c) => (c.kind === 'good' ? runGood(lib, path, c, counters) : runGarbage(path, c, counters))));
        if (childDied) throw new Error('server died');
      }),
      { seed: batchSeed, numRuns: 50, endOnFailure: true },
    );
    const r = await report().catch(() => undefined);
    if (r) peakRss = Math.max(peakRss, r.rss);
    if (result.failed) {
      failed = true;
      // The counterexample can be megabytes of bytes: print its shape and the error only.
      const example = JSON.stringify(result.counterexample, (_k, v) =>
        typeof v === 'bigint' ? `${v}n` : v?.type === 'Buffer' ? `<${v.data.length} bytes>` : v,
      );
      console.error(`fuzz: counterexample (shrunk ${result.numShrinks} times): ${example.slice(0, 2000)}`);
      console.error(`fuzz: error: ${String(result.errorInstance?.stack ?? result.errorInstance).slice(0, 2000)}`);
      console.error(`fuzz: FAILED; reproduce with --seed=${batchSeed}`);
    } else if (Date.now() - lastPrint >= 5000) {
      lastPrint = Date.now();
      console.log(
        `fuzz: ${counters.rounds} rounds, ${counters.connections} connections, ${counters.cleanRequests} clean requests, ` +
          `${(counters.garbageBytes / 1048576).toFixed(1)} MiB garbage; server RSS ${(r?.rss / 1048576).toFixed(1)} MiB`,
      );
    }
  }
  const end = childDied ? undefined : await report();
  if (end && end.rss > maxRssMib * 1048576) {
    console.error(`fuzz: FAILED; server RSS ${(end.rss / 1048576).toFixed(1)} MiB is over --max-rss-mib=${maxRssMib}`);
    failed = true;
  }
  console.log(`fuzz: done; peak server RSS ${(peakRss / 1048576).toFixed(1)} MiB; server stats ${JSON.stringify(end?.stats)}`);
  stopping = true;
  child.disconnect();
  rmSync(dir, { recursive: true, force: true });
  process.exitCode = failed || childDied ? 1 : 0;
}

function scenario(lib) {
  const value = fc.oneof(fc.jsonValue({ maxDepth: 5 }), fc.bigInt({ min: -(2n ** 100n), max: 2n ** 100n }));
  const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 });
  const request = (v) => `{"method":"echo","args":[${lib.encodeJson(v)}]}`;
  const nasty = [
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
  const good = fc.record({ kind: fc.constant('good'), values: fc.array(value, { minLength: 1, maxLength: 10 }), cuts });
  const garbage = fc.record({
    kind: fc.constant('garbage'),
    bytes: fc.oneof(
      fc.uint8Array({ maxLength: 8192 }).map((a) => Buffer.from(a)),
      fc
        .tuple(
          value,
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete')), {
            minLength: 1,
            maxLength: 8,
          }),
        )
        .map(([v, edits]) => {
          const bytes = [...Buffer.from(request(v) + '\x03')];
          for (const [at, byte, op] of edits) {
            const i = at % (bytes.length + 1);
            if (op === 'set') bytes[i] = byte;
            else if (op === 'insert') bytes.splice(i, 0, byte);
            else bytes.splice(i, 1);
          }
          return Buffer.from(bytes);
        }),
      fc
        .array(fc.tuple(fc.constantFrom(...nasty), fc.integer({ min: 1, max: 5000 })), { maxLength: 8 })
        .map((parts) => Buffer.from(parts.map(([s, n]) => s.repeat(n)).join(''), 'latin1')),
      // Longer than the limit, with no terminator.
      fc.integer({ min: MAX_MESSAGE_BYTES + 1, max: 4 * MAX_MESSAGE_BYTES }).map((n) => Buffer.alloc(n, 0x61)),
    ),
    cuts,
    politeEnd: fc.boolean(),
  });
  return fc.array(fc.oneof(good, garbage), { minLength: 2, maxLength: 24 }).map((conns) => conns.map((c) => ({ ...c, request })));
}

function split(bytes, cuts) {
  const points = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))].sort((a, b) => a - b);
  const chunks = [];
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

/** Connects; collects frames; resolves helpers to write and to wait. */
function open(path) {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ path, allowHalfOpen: true });
    const state = { socket, frames: [], closed: false, pending: [] };
    let rest = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      let buf = Buffer.concat([rest, chunk]);
      let i;
      while ((i = buf.indexOf(0x03)) !== -1) {
        state.frames.push(buf.subarray(0, i).toString('latin1'));
        buf = buf.subarray(i + 1);
      }
      rest = buf;
    });
    const done = () => (state.closed = true);
    socket.on('end', done);
    socket.on('close', done);
    socket.on('error', done);
    socket.once('connect', () => resolve(state));
    socket.once('error', reject);
  });
}

const write = (s, chunk) => new Promise((resolve) => (s.socket.destroyed ? resolve() : s.socket.write(chunk, () => resolve())));

async function waitFor(test, what, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function runGood(lib, path, c, counters) {
  const s = await open(path);
  try {
    for (const chunk of split(Buffer.from(c.values.map((v) => c.request(v) + '\x03').join('')), c.cuts)) await write(s, chunk);
    await waitFor(() => s.frames.length >= c.values.length || s.closed, `${c.values.length} answers`);
    const expected = c.values.map((v) => `{"success":true,"result":[${lib.encodeJson(v)}]}`);
    if (JSON.stringify(s.frames) !== JSON.stringify(expected)) {
      throw new Error(
        `wrong answers on a clean connection:\n got ${JSON.stringify(s.frames).slice(0, 500)}\nwant ${JSON.stringify(expected).slice(0, 500)}`,
      );
    }
    counters.cleanRequests += c.values.length;
  } finally {
    s.socket.destroy();
  }
}

async function runGarbage(path, c, counters) {
  const s = await open(path);
  try {
    for (const chunk of split(c.bytes, c.cuts)) await write(s, chunk);
    counters.garbageBytes += c.bytes.length;
    if (!c.politeEnd) return;
    s.socket.end();
    await waitFor(() => s.closed, 'the server to close a garbage connection');
    for (const f of s.frames) {
      if (typeof JSON.parse(f).success !== 'boolean') throw new Error(`malformed answer ${f.slice(0, 200)}`);
    }
  } finally {
    s.socket.destroy();
  }
}

await (args.serve ? serve() : main());
