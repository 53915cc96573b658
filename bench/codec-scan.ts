/**
 * Micro-benchmark of the codec's exactness scan (src/codec.ts `needsExactParse`) against the
 * scan it replaced (copied below as the baseline), with its equivalence check at full size.
 *
 *   node build/bench/codec-scan.js [--runs N] [--seed S] [--skip-equivalence] [--quick]
 *
 * 1. Equivalence: runs test/codec-scan.test.js with N generated inputs (default 200,000; the
 *    test's CI size is 20,000): ground truth, the former scan's verdicts and depth errors.
 * 2. Time: ns per message, former and current scan alternating in rounds (median), for
 *    typical Luxi messages (~100 bytes), 64 KiB and 4 MiB messages; JSON.parse for scale.
 * 3. Allocation: heap bytes per message over many calls with no GC in between (the script
 *    restarts itself with --expose-gc and a 256 MiB new space), checked by a GC observer.
 * 4. The ASCII check of escapeNonAscii on typical answers, for the batching writer.
 * Not part of `npm run bench` (bench/run.ts).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { ErrorCodes, ProtocolError } from '../src/errors.js';
import { encodeJson, needsExactParse } from '../src/codec.js';
import { generateCluster } from '../src/demo/generate.js';
import { toConfigData } from '../src/demo/config-data.js';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const quick = args.includes('--quick');

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  // Restart with an exposed GC and a new space large enough that the allocation runs see no GC.
  const child = spawnSync(
    process.execPath,
    ['--expose-gc', '--min-semi-space-size=256', '--max-semi-space-size=256', fileURLToPath(import.meta.url), ...args],
    { stdio: 'inherit' },
  );
  process.exit(child.status ?? 1);
}

// ---- The former scan (before the allocation-free rewrite), the baseline -------------------

const LEGACY_LINEAR_KEY_LIMIT = 16;
const LEGACY_BIG_INTEGER_DIGITS = 16;

function legacyNeedsExactParse(bytes: Buffer, maxDepth: number): boolean {
  const n = bytes.length;
  let needsExact = false;
  let depth = 0;
  let digitRun = 0;
  let strStart = 0;
  let strEnd = 0;
  let strEscaped = false;
  let nextBackslash = bytes.indexOf(0x5c);
  const levelStart: number[] = [];
  const levelSets: Array<Set<number> | undefined> = [];
  const keys: number[] = [];
  for (let i = 0; i < n; i++) {
    const b = bytes[i] as number;
    if (b === 0x22) {
      strStart = i + 1;
      let end = bytes.indexOf(0x22, strStart);
      strEscaped = nextBackslash !== -1 && nextBackslash < end;
      if (strEscaped) {
        let j = strStart;
        for (; j < n; j++) {
          const c = bytes[j] as number;
          if (c === 0x22) break;
          if (c === 0x5c) j++;
        }
        end = j;
        nextBackslash = end + 1 < n ? bytes.indexOf(0x5c, end + 1) : -1;
      }
      if (end === -1) end = n;
      strEnd = end;
      i = end;
      digitRun = 0;
      continue;
    }
    if (b >= 0x30 && b <= 0x39) {
      if (++digitRun >= LEGACY_BIG_INTEGER_DIGITS) needsExact = true;
      continue;
    }
    if ((b === 0x65 || b === 0x45) && digitRun > 0) needsExact = true;
    digitRun = 0;
    switch (b) {
      case 0x7b:
      case 0x5b:
        if (++depth > maxDepth && maxDepth !== 0) {
          throw new ProtocolError(
            `JSON nesting deeper than ${maxDepth} levels; raise maxDepth (--max-depth) if such messages are expected`,
            ErrorCodes.tooDeep,
          );
        }
        levelStart.push(b === 0x7b ? keys.length : -1);
        levelSets.push(undefined);
        break;
      case 0x7d:
      case 0x5d:
        if (depth > 0) {
          depth--;
          const start = levelStart.pop() as number;
          levelSets.pop();
          if (start >= 0) keys.length = start;
        }
        break;
      case 0x3a: {
        if (needsExact || depth === 0) break;
        if (strEscaped) {
          needsExact = true;
          break;
        }
        let h = strEnd - strStart;
        for (let k = strStart; k < strEnd; k++) h = (Math.imul(h, 31) + (bytes[k] as number)) | 0;
        const start = levelStart[depth - 1] as number;
        if (start < 0) break;
        let set = levelSets[depth - 1];
        if (set !== undefined) {
          if (set.has(h)) needsExact = true;
          else set.add(h);
          break;
        }
        for (let k = start; k < keys.length; k++) {
          if (keys[k] === h) {
            needsExact = true;
            break;
          }
        }
        keys.push(h);
        if (keys.length - start > LEGACY_LINEAR_KEY_LIMIT) {
          set = new Set(keys.slice(start));
          levelSets[depth - 1] = set;
        }
        break;
      }
    }
  }
  return needsExact;
}

// ---- Messages ---------------------------------------------------------------------------

/** Luxi requests and answers as hbal, gnt-* and the watcher send them (~40 to ~300 bytes). */
const SMALL_MESSAGES = [
  '{"method":"QueryClusterInfo","args":[]}',
  '{"method":"QueryJobs","args":[[100],["status"]]}',
  '{"method":"Query","args":["node",["name","mtotal","mnode","mfree","dtotal","dfree","ctotal","offline","drained"],null]}',
  '{"method":"SubmitJob","args":[[{"OP_ID":"OP_INSTANCE_STARTUP","instance_name":"inst1.example.com","force":false,"priority":0,"depends":null,"comment":null}]]}',
  '{"success":true,"result":[["success"]]}',
  '{"success":true,"result":{"fields":[{"name":"name","title":"Node","kind":"text","doc":"Node name"}],"data":[[[0,"node1.example.com"]]]}}',
  '{"method": "WaitForJobChange", "args": [1234, ["status", "opstatus"], null, null, 8.0], "version": 3000000}\n',
  '{"success":true,"result":1234}',
].map((s) => Buffer.from(s, 'latin1'));

function configDataOf(instances: number, nodes: number): Buffer {
  return Buffer.from(encodeJson(toConfigData(generateCluster({ nodes, instances, groups: 1 }))), 'latin1');
}

/** A Query answer: rows of [status, value] pairs, strings and numbers, few keys. */
function queryAnswerOf(targetBytes: number): Buffer {
  const rows: unknown[] = [];
  let size = 0;
  for (let i = 0; size < targetBytes; i++) {
    const row = [
      [0, `inst${i}.example.com`],
      [0, 1024 + i],
      [0, 'running'],
      [0, `node${i % 40}.example.com`],
      [0, ['tag-a', 'tag-b']],
      [0, 1700000000.123456],
    ];
    size += JSON.stringify(row).length + 1;
    rows.push(row);
  }
  return Buffer.from(encodeJson({ success: true, result: { fields: [{ name: 'name' }], data: rows } }), 'latin1');
}

/** Few long strings (certificates, ssh keys, files): the indexOf path. */
function longStringsOf(targetBytes: number): Buffer {
  const pem = `-----BEGIN CERTIFICATE-----\n${'MIIDXTCCAkWgAwIBAgIJAKoK/heBjcOuMA0GCSqGSIb3DQEBBQUAMEUxCzAJBgNV\n'.repeat(Math.ceil(targetBytes / 2 / 66))}`;
  return Buffer.from(encodeJson({ method: 'writeFile', args: ['/etc/ganeti/server.pem', pem, 'x'.repeat(targetBytes / 2)] }), 'latin1');
}

function sizedConfig(target: number): Buffer {
  // About 1.6 KB per instance; one node per 8 instances.
  let instances = Math.max(4, Math.round(target / 1700));
  for (;;) {
    const bytes = configDataOf(instances, Math.max(2, Math.ceil(instances / 8)));
    if (bytes.length >= target * 0.95) return bytes;
    instances = Math.ceil(instances * 1.05 + 1);
  }
}

// ---- Measuring --------------------------------------------------------------------------

type Scan = (bytes: Buffer, maxDepth: number) => boolean;

let sink = 0;
function timeCalls(scan: Scan, messages: Buffer[], calls: number): number {
  const start = performance.now();
  for (let i = 0; i < calls; i++) if (scan(messages[i % messages.length] as Buffer, 1024)) sink++;
  return ((performance.now() - start) * 1e6) / calls;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** ns per message of each scan, alternating rounds. */
function compare(messages: Buffer[], roundMs: number, rounds: number): { legacy: number; current: number; parse: number } {
  const bytes = messages.reduce((s, m) => s + m.length, 0) / messages.length;
  // Calls per round from a first estimate.
  const estimate = timeCalls(needsExactParse, messages, Math.max(1, Math.round(2e6 / bytes)));
  timeCalls(legacyNeedsExactParse, messages, Math.max(1, Math.round(2e6 / bytes)));
  const calls = Math.max(3, Math.round((roundMs * 1e6) / estimate));
  const legacy: number[] = [];
  const current: number[] = [];
  for (let r = 0; r < rounds; r++) {
    legacy.push(timeCalls(legacyNeedsExactParse, messages, calls));
    current.push(timeCalls(needsExactParse, messages, calls));
  }
  const texts = messages.map((m) => m.toString('latin1'));
  const parseCalls = Math.max(3, Math.round(calls / 8));
  const parse: number[] = [];
  for (let r = 0; r < Math.min(rounds, 5); r++) {
    const start = performance.now();
    for (let i = 0; i < parseCalls; i++) if (JSON.parse(texts[i % texts.length] as string) !== null) sink++;
    parse.push(((performance.now() - start) * 1e6) / parseCalls);
  }
  return { legacy: median(legacy), current: median(current), parse: median(parse) };
}

let gcCount = 0;
new PerformanceObserver((list) => {
  gcCount += list.getEntries().length;
}).observe({ entryTypes: ['gc'] });

/** Heap bytes per call over `calls` calls; undefined when a GC ran in between (the number would be low). */
async function bytesPerCall(scan: Scan, messages: Buffer[], calls: number): Promise<number | undefined> {
  for (let i = 0; i < 1000; i++) scan(messages[i % messages.length] as Buffer, 1024);
  (gc as () => void)();
  await new Promise((resolve) => setImmediate(resolve)); // let the observer count that GC
  const gcBefore = gcCount;
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < calls; i++) if (scan(messages[i % messages.length] as Buffer, 1024)) sink++;
  const after = process.memoryUsage().heapUsed;
  await new Promise((resolve) => setImmediate(resolve));
  if (gcCount !== gcBefore) return undefined;
  return (after - before) / calls;
}

function fmt(ns: number): string {
  return ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : ns >= 1e3 ? `${(ns / 1e3).toFixed(1)} µs` : `${ns.toFixed(0)} ns`;
}

// ---- Main -------------------------------------------------------------------------------

if (!args.includes('--skip-equivalence')) {
  const runs = option('--runs') ?? '200000';
  const seed = option('--seed') ?? String(Date.now() % 2 ** 31);
  const testFile = fileURLToPath(new URL('../test/codec-scan.test.js', import.meta.url));
  console.log(`equivalence: ${runs} generated inputs, seed ${seed} (node --test ${testFile})`);
  const started = performance.now();
  const run = spawnSync(process.execPath, ['--test', '--test-reporter=tap', testFile], {
    env: { ...process.env, SCAN_EQUIVALENCE_RUNS: runs, SCAN_EQUIVALENCE_SEED: seed },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  for (const line of run.stdout.split('\n')) if (/^# (pass|fail|inputs)|^not ok/.test(line.trim())) console.log(`  ${line.trim()}`);
  console.log(`  ${run.status === 0 ? 'PASS' : 'FAIL'} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (run.status !== 0) {
    console.log(run.stdout.slice(-4000));
    process.exit(1);
  }
}

const scenarios: Array<[string, Buffer[]]> = [
  [
    `typical Luxi messages (${SMALL_MESSAGES.length}, mean ${Math.round(SMALL_MESSAGES.reduce((s, m) => s + m.length, 0) / SMALL_MESSAGES.length)} B)`,
    SMALL_MESSAGES,
  ],
  ['config.data, 64 KiB', [sizedConfig(64 * 1024)]],
  ['Query answer, 64 KiB', [queryAnswerOf(64 * 1024)]],
  ['long strings, 64 KiB', [longStringsOf(64 * 1024)]],
  ['config.data, 4 MiB', [sizedConfig(4 * 1024 * 1024)]],
  ['Query answer, 4 MiB', [queryAnswerOf(4 * 1024 * 1024)]],
];
for (const [, messages] of scenarios) {
  for (const m of messages) {
    if (needsExactParse(m, 1024) !== legacyNeedsExactParse(m, 1024)) throw new Error('verdicts differ on a benchmark message');
  }
}

console.log('\ntime per message (median of alternating rounds; lower is better)');
console.log('| message | bytes | former scan | scan | scan / former | JSON.parse | scan / JSON.parse |');
console.log('|---|---|---|---|---|---|---|');
const rounds = quick ? 5 : 15;
for (const [label, messages] of scenarios) {
  const bytes = Math.round(messages.reduce((s, m) => s + m.length, 0) / messages.length);
  const r = compare(messages, quick ? 40 : 120, rounds);
  console.log(
    `| ${label} | ${bytes} | ${fmt(r.legacy)} | ${fmt(r.current)} | ${(r.current / r.legacy).toFixed(2)} | ${fmt(r.parse)} | ${(r.current / r.parse).toFixed(2)} |`,
  );
}

console.log('\nheap allocated per message (no GC during the run; "GC ran" = not measurable at that count)');
console.log('| message | calls | former scan | scan |');
console.log('|---|---|---|---|');
for (const [label, messages] of scenarios) {
  const bytes = messages.reduce((s, m) => s + m.length, 0) / messages.length;
  const calls = Math.max(20, Math.min(1_000_000, Math.round(4e9 / bytes / (quick ? 10 : 1))));
  const legacyCalls = Math.max(20, Math.min(calls, 100_000));
  const legacy = await bytesPerCall(legacyNeedsExactParse, messages, legacyCalls);
  const current = await bytesPerCall(needsExactParse, messages, calls);
  const show = (v: number | undefined, n: number): string => (v === undefined ? `GC ran (${n} calls)` : `${v.toFixed(2)} B (${n} calls)`);
  console.log(`| ${label} | | ${show(legacy, legacyCalls)} | ${show(current, calls)} |`);
}

// The ASCII check a batching writer does once per write (escapeNonAscii's test).
const NON_ASCII = /[\u0080-\uffff]/;
console.log('\nASCII check of one answer text (escapeNonAscii tests with the regex)');
for (const [label, text] of [
  [
    '~100 B answer',
    SMALL_MESSAGES.map((m) => m.toString('latin1'))
      .join('')
      .slice(0, 100),
  ],
  ['64 KiB answer', queryAnswerOf(64 * 1024).toString('latin1')],
] as const) {
  const calls = Math.round(2e8 / text.length);
  let start = performance.now();
  for (let i = 0; i < calls; i++) if (NON_ASCII.test(text)) sink++;
  const regex = ((performance.now() - start) * 1e6) / calls;
  start = performance.now();
  for (let i = 0; i < calls; i++) if (Buffer.byteLength(text, 'utf8') !== text.length) sink++;
  const byteLength = ((performance.now() - start) * 1e6) / calls;
  console.log(`  ${label}: regex ${fmt(regex)}, Buffer.byteLength === length ${fmt(byteLength)}`);
}
if (sink < 0) console.log(sink);
