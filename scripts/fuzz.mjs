#!/usr/bin/env node
// Long-running stream fuzzer against the built library (dist/): a server in a child process,
// many concurrent connections per round, clean ones (well-formed requests split at random
// points, answers checked byte for byte and in order) mixed with garbage ones. Stops at the
// first failure with the seed that reproduces it. The CI runs a short version in
// test/hardening/fuzz.test.ts.
//
// Then the lost-answers pass (issue 13): a seeded sequence of FRAMES frames over many
// connections, each connection carrying well-formed echo requests, one hostile frame at a
// random position (invalid JSON, oversize, too deep, not an object, 0x03 inside a string,
// invalid UTF-8, a missing key) and more requests after it, written in random 1-200 byte
// pieces. The server owes an answer to every request before the hostile frame plus the
// "Failed to parse request: ..." answer for it; the client writes all it planned (a broken
// pipe ends its writing, nothing else), reads until EOF and checks each answer byte for byte.
// It prints "lost answers: N of M" and fails when N > 0. test/hardening/lost-answers.test.ts
// runs it at CI size; `npm run bench -- --only=lost-answers` reports it as a target.
//
//   node scripts/fuzz.mjs [--duration=SECONDS] [--seed=N] [--max-rss-mib=N] [--frames=N]
//   node scripts/fuzz.mjs --lost-answers [--frames=N] [--seed=N] [--json]
//     --frames        frames of the lost-answers pass (default 50000; 0 skips the pass)
//     --lost-answers  run only the lost-answers pass
//     --json          end with one JSON line of the lost-answers figures (for the bench and tests)
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

/** Child mode: the server under test (`--server-options=JSON` overrides the fuzz defaults). */
async function serve() {
  const options = args['server-options'] ? JSON.parse(args['server-options']) : { maxMessageBytes: MAX_MESSAGE_BYTES };
  const server = lib.createServer(lib.echoHandler, options);
  await server.listen(args.serve);
  process.on('message', () => {
    const m = process.memoryUsage();
    process.send({ rss: m.rss, stats: { ...server.stats } });
  });
  process.on('disconnect', () => void server.close(0).then(() => process.exit(0)));
  process.send('ready');
}

async function main() {
  const seed = Number(args.seed ?? process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
  const frames = Number(args.frames ?? 50_000);
  let failed = false;
  if (args['lost-answers'] === undefined) failed = !(await streamFuzz(seed));
  if (frames > 0 && !failed) {
    const r = await lostAnswers({ seed, frames });
    failed = r.lost > 0 || r.wrong > 0 || r.extra > 0 || r.stuck > 0;
    if (args.json !== undefined) console.log(JSON.stringify(r));
  }
  process.exitCode = failed ? 1 : 0;
}

/** Forks this script as the server under test; resolves once it listens. */
async function startChild(path, serverOptions) {
  const extra = serverOptions ? [`--server-options=${JSON.stringify(serverOptions)}`] : [];
  const child = fork(fileURLToPath(import.meta.url), [`--serve=${path}`, ...extra], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`the server process exited (code ${code}) before listening`)));
  });
  return child;
}

/** The stream fuzz for --duration seconds; resolves false on a failure. */
async function streamFuzz(seed) {
  const durationS = Number(args.duration ?? process.env.FUZZ_DURATION ?? 60);
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
  return !(failed || childDied);
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

// ---- The lost-answers pass ----

/** Small limits, so that hostile frames stay cheap to write in 1-200 byte pieces. */
const LOST_MAX_MESSAGE_BYTES = 8192;
const LOST_MAX_DEPTH = 64;
const LOST_SERVER_OPTIONS = {
  maxMessageBytes: LOST_MAX_MESSAGE_BYTES,
  maxDepth: LOST_MAX_DEPTH,
  invalidUtf8: 'reject',
  maxConnections: 0,
  maxConnectionsPerUser: 0,
};
/** Connections open at once. */
const LOST_CONCURRENCY = 32;
/** Frames per connection are drawn from 1..LOST_MAX_FRAMES_PER_CONNECTION. */
const LOST_MAX_FRAMES_PER_CONNECTION = 100;
/** A connection the server neither answers nor closes within this is counted as stuck. */
const LOST_CONNECTION_TIMEOUT_MS = 30_000;
const FAILED_TO_PARSE = 'Failed to parse request: ';

/** A seeded xorshift32 generator: the same seed replays the same frames and the same pieces. */
function prng(seed) {
  let x = seed | 0 || 0x2545f491;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}
const below = (rand, n) => Math.floor(rand() * n);
const pick = (rand, list) => list[below(rand, list.length)];

/**
 * The hostile frames, each with the error text the server must answer it with. Every one
 * ends the connection after that answer (UDSServer.hs handleRawMessage closes after a parse
 * error; oversize, depth and encoding failures are parse errors too).
 */
const HOSTILE = {
  'invalid JSON': {
    make: (rand) => Buffer.from(`{"method":"echo","args":[${pick(rand, ['1,', '"open', '}', 'tru', '[[]'])}`),
    text: /Invalid JSON/,
  },
  'oversize frame': {
    make: (rand) =>
      Buffer.from(`{"method":"echo","args":["${'y'.repeat(LOST_MAX_MESSAGE_BYTES + 1 + below(rand, LOST_MAX_MESSAGE_BYTES))}"]}`),
    text: new RegExp(`Message exceeds the limit of ${LOST_MAX_MESSAGE_BYTES} bytes`),
  },
  'too deep': {
    make: (rand) => {
      const depth = LOST_MAX_DEPTH + 1 + below(rand, 8);
      return Buffer.from(`{"method":"echo","args":${'['.repeat(depth)}${']'.repeat(depth)}}`);
    },
    text: new RegExp(`nesting deeper than ${LOST_MAX_DEPTH} levels`),
  },
  'not an object': {
    make: (rand) => Buffer.from(pick(rand, ['[1,2,3]', '"echo"', '42', 'null', 'true', '[{"method":"echo","args":[]}]'])),
    text: /expected a JSON object/,
  },
  // The 0x03 ends the frame inside the string: the server sees `{"method":"echo","args":["ab`.
  '0x03 inside a string': { make: () => Buffer.from('{"method":"echo","args":["ab\x03cd"]}'), text: /Invalid JSON/ },
  'invalid UTF-8': {
    make: (rand) =>
      Buffer.concat([
        Buffer.from('{"method":"echo","args":["'),
        Buffer.from(pick(rand, [[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80]])),
        Buffer.from('"]}'),
      ]),
    text: /not valid UTF-8/,
  },
  'missing key': { make: () => Buffer.from('{"args":["no method"]}'), text: /key 'method' not found/ },
};
const HOSTILE_KINDS = Object.keys(HOSTILE);

const WORD = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.';

/** Echo args whose JSON is the same from JSON.stringify and from any conforming server (ASCII, safe integers). */
function echoArgs(rand) {
  const word = () => Array.from({ length: below(rand, 40) }, () => pick(rand, WORD)).join('');
  const args = [];
  for (let n = 1 + below(rand, 3); n > 0; n--) {
    const k = below(rand, 4);
    if (k === 0) args.push(word());
    else if (k === 1) args.push(below(rand, 1e9) - 5e8);
    else if (k === 2) args.push([below(rand, 100), word(), { key: word() }]);
    else args.push(pick(rand, [true, false, null]));
  }
  return args;
}

/**
 * The seeded plan: connections of 1..100 frames, one hostile frame at a random position in
 * each (kinds in turn, so each kind gets its share), the answers owed, and the piece sizes
 * (1-200 bytes) the connection's bytes are written in.
 */
function lostAnswersPlan(seed, totalFrames) {
  const rand = prng(seed);
  const connections = [];
  for (let left = totalFrames; left > 0; ) {
    const frames = Math.min(left, 1 + below(rand, LOST_MAX_FRAMES_PER_CONNECTION));
    left -= frames;
    const kind = HOSTILE_KINDS[connections.length % HOSTILE_KINDS.length];
    const hostileAt = below(rand, frames);
    const parts = [];
    const owed = [];
    for (let i = 0; i < frames; i++) {
      if (i === hostileAt) {
        parts.push(HOSTILE[kind].make(rand), ETX);
        continue;
      }
      const args = echoArgs(rand);
      parts.push(Buffer.from(`${JSON.stringify({ method: 'echo', args })}\x03`));
      if (i < hostileAt) owed.push(`{"success":true,"result":${JSON.stringify(args)}}`);
    }
    const bytes = Buffer.concat(parts);
    const pieces = [];
    for (let at = 0; at < bytes.length; ) {
      const n = Math.min(bytes.length - at, 1 + below(rand, 200));
      pieces.push(n);
      at += n;
    }
    connections.push({ kind, frames, hostileAt, owed, bytes, pieces });
  }
  return connections;
}

const ETX = Buffer.from([3]);

/**
 * Plays one planned connection: writes every piece (each after the previous one's callback
 * and a turn of the event loop, so reads interleave), ends its side, and collects answers
 * until the socket closes. A failed write (EPIPE, ECONNRESET) destroys the socket, as it
 * does for any Node peer: what the kernel still held for it is then never read.
 */
function playConnection(path, c) {
  return new Promise((resolve) => {
    const socket = net.createConnection({ path, allowHalfOpen: true });
    const answers = [];
    let rest = Buffer.alloc(0);
    let error;
    let eof = false;
    let stuck = false;
    const timer = setTimeout(() => {
      stuck = true;
      socket.destroy();
    }, LOST_CONNECTION_TIMEOUT_MS);
    socket.on('data', (chunk) => {
      let buf = rest.length === 0 ? chunk : Buffer.concat([rest, chunk]);
      for (let i = buf.indexOf(3); i !== -1; i = buf.indexOf(3)) {
        answers.push(buf.subarray(0, i).toString('latin1'));
        buf = buf.subarray(i + 1);
      }
      rest = buf;
    });
    socket.on('end', () => {
      eof = true;
    });
    socket.on('error', (err) => {
      error ??= err.code ?? err.message;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ answers, error, eof, stuck });
    });
    socket.once('connect', async () => {
      let at = 0;
      for (const n of c.pieces) {
        if (socket.destroyed) break;
        const piece = c.bytes.subarray(at, at + n);
        at += n;
        await new Promise((done) => socket.write(piece, () => setImmediate(done)));
      }
      if (!socket.destroyed) socket.end();
    });
  });
}

/** Compares what came back with what was owed: the echo answers in order, then the error answer. */
function judge(c, got) {
  let correct = 0;
  let wrong = 0;
  let errorText = false;
  got.answers.forEach((answer, i) => {
    if (i < c.owed.length) {
      if (answer === c.owed[i]) correct++;
      else wrong++;
    } else if (i === c.owed.length) {
      let ok = false;
      try {
        const a = JSON.parse(answer);
        ok =
          a.success === false &&
          typeof a.result === 'string' &&
          a.result.startsWith(FAILED_TO_PARSE) &&
          HOSTILE[c.kind].text.test(a.result);
      } catch {
        ok = false;
      }
      if (ok) {
        correct++;
        errorText = true;
      } else wrong++;
    }
  });
  const owed = c.owed.length + 1;
  return { owed, correct, lost: owed - correct, wrong, extra: Math.max(0, got.answers.length - owed), errorText };
}

/**
 * The lost-answers pass against a fresh server process; prints the verdict and returns the
 * figures: answers owed and lost (overall and per hostile kind), wrong or extra answers,
 * stuck connections, and the socket errors the client saw.
 */
async function lostAnswers({ seed, frames }) {
  const started = performance.now();
  const plan = lostAnswersPlan(seed, frames);
  const dir = mkdtempSync(join(tmpdir(), 'uds-lost-'));
  const path = join(dir, 's.sock');
  const child = await startChild(path, LOST_SERVER_OPTIONS);
  let serverExited = false;
  child.once('exit', () => {
    serverExited = true;
  });
  const r = {
    seed,
    frames,
    connections: plan.length,
    owed: 0,
    received: 0,
    lost: 0,
    wrong: 0,
    extra: 0,
    stuck: 0,
    socketErrors: {},
    byKind: Object.fromEntries(HOSTILE_KINDS.map((k) => [k, { connections: 0, owed: 0, lost: 0, errorTexts: 0 }])),
    serverExited: false,
    ms: 0,
  };
  let next = 0;
  const worker = async () => {
    while (next < plan.length && !serverExited) {
      const c = plan[next++];
      const got = await playConnection(path, c);
      const v = judge(c, got);
      const k = r.byKind[c.kind];
      r.owed += v.owed;
      r.received += v.correct;
      r.lost += v.lost;
      r.wrong += v.wrong;
      r.extra += v.extra;
      k.connections++;
      k.owed += v.owed;
      k.lost += v.lost;
      if (v.errorText) k.errorTexts++;
      if (got.stuck) r.stuck++;
      if (got.error !== undefined) r.socketErrors[got.error] = (r.socketErrors[got.error] ?? 0) + 1;
    }
  };
  try {
    await Promise.all(Array.from({ length: LOST_CONCURRENCY }, worker));
  } finally {
    r.serverExited = serverExited;
    if (!serverExited) child.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
  // Connections never played because the server died count as lost too.
  for (const c of plan.slice(next)) {
    r.owed += c.owed.length + 1;
    r.lost += c.owed.length + 1;
  }
  r.ms = Math.round(performance.now() - started);
  const errs = Object.entries(r.socketErrors)
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  console.log(
    `lost answers: ${r.lost} of ${r.owed} (${frames} frames, ${plan.length} connections, seed ${seed}, ${(r.ms / 1000).toFixed(1)} s; ` +
      `wrong ${r.wrong}, extra ${r.extra}, stuck ${r.stuck}; client socket errors: ${errs || 'none'})`,
  );
  for (const [kind, k] of Object.entries(r.byKind)) {
    console.log(`  after ${kind}: lost ${k.lost} of ${k.owed}; error text received on ${k.errorTexts} of ${k.connections} connections`);
  }
  if (r.serverExited) console.error('fuzz: the server process exited during the lost-answers pass');
  return r;
}

await (args.serve ? serve() : main());
