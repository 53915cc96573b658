// Differential test of SubmitJob/SubmitManyJobs validation: every case of opcode-cases.ts
// (for every opcode of the table) goes to the REAL ganeti-luxid and to our demo luxid (in
// process, current sources), each on its own raw connection. Both must answer alike: the
// same parse-error text and close, or success with the same opcodes stored (QueryJobs
// "ops", reason timestamps and job ids aside). Valid jobs never run: a job filter REJECTs
// every job on the real luxid (no job processes), and the demo's jobs never leave the queue.
// A single-opcode case is first sent with an unparsable opcode behind it (no job is made);
// those that parse are then stored 64 to a job, since each stored job costs the real luxid
// ~30 ms (job file writes and replication attempts to the absent nodes).
//
// Output: "N cases, M mismatches" on stdout; every mismatch as a JSON line in a file in
// os.tmpdir() whose path is printed; the real luxid's answers in REAL_ANSWERS_FILE.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import type { UdsServer } from '../../src/dispatch/server.js';
import type { DemoLuxid } from '../../src/demo/luxid.js';
import { parseExactJson, stringifyExactJson } from '../../src/exact-json.js';
import { COMMON_OP_PARAMS, type OpCodeDef, OPCODES } from '../../src/protocols/luxi/opcodes/table.js';
import { ENUM_VALUES as VALIDATOR_ENUMS, SUBMIT_PRIORITIES } from '../../src/protocols/luxi/opcodes/named-types.js';
import { globalCases, opcodeCases, unknownTypes, type ValidationCase } from './opcode-cases.js';
import { bigintSafe, ganetiSkip, type RealGaneti, shortTempDir, startRealGaneti } from './peers.js';

/** Where the real luxid's answers go, one JSON line per case (read by the validator's authors). */
const REAL_ANSWERS_FILE = process.env['REAL_LUXID_VALIDATION_FILE'] ?? '/tmp/real-luxid-validation.jsonl';
const MISMATCH_FILE = join(tmpdir(), 'opcode-validation-mismatches.jsonl');
/**
 * Connections in flight per peer. luxid listens with a backlog of 5 (UDSServer.hs
 * `S.listen s 5`); more simultaneous connects fail with EAGAIN.
 */
const CONCURRENCY = 4;
/** How long a refused request's connection may stay open before "not closed" is recorded. */
const CLOSE_WAIT_MS = 1000;
const REJECT_ALL = [null, 0, [], 'REJECT', [['test:interop', 'opcode-validation', 0]]];

const skip = ganetiSkip();

/** What one luxid answered to one case, normalised for comparison. */
type Outcome =
  | { kind: 'ok'; result: unknown; ops: unknown; keyOrder: string[][] }
  | { kind: 'fail'; result: unknown; closed: boolean }
  | { kind: 'broken'; detail: string };

/** A raw Luxi connection: JSON + 0x03 frames, answers in order, close observed. */
class RawConnection {
  readonly #socket;
  #buffer = '';
  readonly #frames: string[] = [];
  #waiter: ((frame: string | null) => void) | undefined;
  #closed = false;
  /** The socket error's code, if one ended the connection (EAGAIN: luxid's backlog was full). */
  errorCode: string | undefined;
  readonly #closedPromise: Promise<void>;

  constructor(path: string) {
    this.#socket = connect(path);
    this.#socket.setEncoding('utf8');
    this.#socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      for (let i = this.#buffer.indexOf('\x03'); i >= 0; i = this.#buffer.indexOf('\x03')) {
        this.#frames.push(this.#buffer.slice(0, i));
        this.#buffer = this.#buffer.slice(i + 1);
      }
      this.#wake();
    });
    this.#socket.on('error', (err: NodeJS.ErrnoException) => {
      this.errorCode = err.code;
    });
    this.#closedPromise = new Promise((resolve) =>
      this.#socket.on('close', () => {
        this.#closed = true;
        this.#wake();
        resolve();
      }),
    );
  }

  #wake(): void {
    const w = this.#waiter;
    if (!w) return;
    const frame = this.#frames.shift();
    if (frame !== undefined) {
      this.#waiter = undefined;
      w(frame);
    } else if (this.#closed) {
      this.#waiter = undefined;
      w(null);
    }
  }

  /** Sends one request; resolves with the answer's text, or null when the peer closed first. */
  call(method: string, args: unknown[]): Promise<string | null> {
    this.#socket.write(`${stringifyExactJson({ method, args })}\x03`);
    return new Promise((resolve) => {
      this.#waiter = resolve;
      this.#wake();
    });
  }

  /** Whether the peer closes the connection within `ms`. */
  closesWithin(ms: number): Promise<boolean> {
    if (this.#closed) return Promise.resolve(true);
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      this.#closedPromise.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
      }),
    ]).finally(() => clearTimeout(timer));
  }

  destroy(): void {
    this.#socket.destroy();
  }
}

type Op = Record<string, unknown>;

/** The opcodes a case submits, job by job. */
function submittedJobs(c: ValidationCase): unknown[][] {
  const jobs = c.method === 'SubmitJob' ? [c.args[0]] : Array.isArray(c.args[0]) ? c.args[0] : [];
  return (jobs as unknown[]).map((job) => (Array.isArray(job) ? job : []));
}

/**
 * A stored opcode made comparable across runs: luxid's own reason entries (those after the
 * submitted ones) keep source and text with job number and index replaced, their timestamp
 * dropped; a relative dependency, which luxid stores resolved against the job's id, goes
 * back to relative.
 */
function normaliseOp(op: unknown, submitted: unknown, jobId: unknown): unknown {
  if (op === null || typeof op !== 'object' || Array.isArray(op)) return op;
  const given = (submitted ?? {}) as Op;
  const copy = { ...(op as Op) };
  const givenReason = Array.isArray(given['reason']) ? given['reason'] : [];
  if (Array.isArray(copy['reason'])) {
    copy['reason'] = (copy['reason'] as unknown[]).map((e, i) =>
      i < givenReason.length || !Array.isArray(e)
        ? e
        : [e[0], typeof e[1] === 'string' ? e[1].replace(/job=\d+/g, 'job=N').replace(/index=\d+/g, 'index=I') : e[1], 'TS'],
    );
  }
  const givenDeps = given['depends'];
  if (Array.isArray(copy['depends']) && Array.isArray(givenDeps)) {
    copy['depends'] = (copy['depends'] as unknown[]).map((d, i) => {
      const g = givenDeps[i] as unknown;
      const relative = Array.isArray(g) && typeof g[0] === 'number' && g[0] < 0;
      if (!relative || !Array.isArray(d) || (typeof d[0] !== 'number' && typeof d[0] !== 'bigint')) return d;
      return [`relative ${Number(d[0]) - Number(jobId)}`, ...d.slice(1)];
    });
  }
  return copy;
}

/** QueryJobs(ids, ["ops"]) on `conn`: each job's stored opcodes (null for an unknown job). */
async function storedOps(conn: RawConnection, ids: unknown[]): Promise<unknown[] | string> {
  const stored = await conn.call('QueryJobs', [ids, ['ops']]);
  if (stored === null) return 'closed before the QueryJobs answer';
  const parsed = parseExactJson(stored) as { success?: unknown; result?: unknown };
  if (parsed.success !== true || !Array.isArray(parsed.result)) return `QueryJobs failed: ${stored.slice(0, 300)}`;
  return parsed.result.map((row: unknown) => (Array.isArray(row) ? row[0] : row));
}

function okOutcome(result: unknown, jobs: unknown[][], ids: unknown[], stored: unknown[]): Outcome {
  const keyOrder: string[][] = [];
  const ops = stored.map((jobOps, j) => {
    if (!Array.isArray(jobOps)) return jobOps;
    return jobOps.map((op: unknown, k) => {
      if (op !== null && typeof op === 'object' && !Array.isArray(op)) keyOrder.push(Object.keys(op));
      return normaliseOp(op, jobs[j]?.[k], ids[j]);
    });
  });
  return { kind: 'ok', result, ops, keyOrder };
}

/** Reads a refusal or a success (with what was stored) for a request on a fresh connection. */
async function runCase(path: string, c: ValidationCase, attempt = 1): Promise<Outcome> {
  const conn = new RawConnection(path);
  try {
    const text = await conn.call(c.method, c.args);
    if (text === null && conn.errorCode === 'EAGAIN' && attempt < 5) return await runCase(path, c, attempt + 1);
    if (text === null) return { kind: 'broken', detail: `closed without an answer${conn.errorCode ? ` (${conn.errorCode})` : ''}` };
    let answer: { success?: unknown; result?: unknown };
    try {
      answer = parseExactJson(text) as typeof answer;
    } catch {
      return { kind: 'broken', detail: `not JSON: ${text.slice(0, 200)}` };
    }
    if (answer.success !== true) return { kind: 'fail', result: answer.result, closed: await conn.closesWithin(CLOSE_WAIT_MS) };
    let ids: unknown[];
    let result: unknown;
    if (c.method === 'SubmitJob') {
      ids = [answer.result];
      result = 'JOB_ID';
    } else {
      const rows = Array.isArray(answer.result) ? (answer.result as unknown[]) : [];
      ids = rows.filter((r) => Array.isArray(r) && r[0] === true).map((r) => (r as unknown[])[1]);
      result = Array.isArray(answer.result) ? rows.map((r) => (Array.isArray(r) && r[0] === true ? [true, 'JOB_ID'] : r)) : answer.result;
    }
    if (ids.length === 0) return { kind: 'ok', result, ops: [], keyOrder: [] };
    const stored = await storedOps(conn, ids);
    if (typeof stored === 'string') return { kind: 'broken', detail: stored };
    return okOutcome(result, submittedJobs(c), ids, stored);
  } finally {
    conn.destroy();
  }
}

/**
 * An opcode that can never parse, put after a case's opcode: luxid parses a job's opcodes in
 * order and reports the first failure, so answering with this one's error means the case's
 * opcode parsed, and no job was made (a stored job costs the real luxid ~30 ms of writes).
 */
const SENTINEL = { OP_ID: 'OP_VALIDATION_SENTINEL', reason: [] };
const SENTINEL_ERROR = ': Unknown opcode OP_VALIDATION_SENTINEL';
/** Opcodes per job when the valid cases are stored together. */
const BATCH = 64;

const isSingleOp = (c: ValidationCase): boolean =>
  c.method === 'SubmitJob' && Array.isArray(c.args[0]) && (c.args[0] as unknown[]).length === 1;

/** Runs `task` over `items`, `CONCURRENCY` at a time. */
async function pool<T>(items: readonly T[], task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) await task(items[i] as T);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

/**
 * Every case against `path`; outcomes in case order. Single-opcode cases are first parsed
 * with the sentinel behind them; those that parse are then stored BATCH to a job (one job
 * per batch; a refused batch falls back to one job per case).
 */
async function runAll(path: string, cases: readonly ValidationCase[]): Promise<Outcome[]> {
  const out: Outcome[] = new Array(cases.length);
  const parsed: number[] = [];
  await pool(
    cases.map((_c, i) => i),
    async (i) => {
      const c = cases[i] as ValidationCase;
      if (!isSingleOp(c)) {
        out[i] = await runCase(path, c);
        return;
      }
      const op = (c.args[0] as unknown[])[0];
      const probe = await runCase(path, { ...c, args: [[op, SENTINEL]] });
      if (probe.kind === 'fail' && typeof probe.result === 'string' && probe.result.endsWith(SENTINEL_ERROR)) parsed.push(i);
      else out[i] = probe.kind === 'ok' ? { kind: 'broken', detail: 'the sentinel opcode was accepted' } : probe;
    },
  );
  parsed.sort((a, b) => a - b);
  const batches: number[][] = [];
  for (let at = 0; at < parsed.length; at += BATCH) batches.push(parsed.slice(at, at + BATCH));
  await pool(batches, async (batch) => {
    const ops = batch.map((i) => ((cases[i] as ValidationCase).args[0] as unknown[])[0]);
    const together = await runCase(path, { id: 'batch', group: 'batch', method: 'SubmitJob', args: [ops] });
    const stored = together.kind === 'ok' ? (together.ops as unknown[][])[0] : undefined;
    if (together.kind === 'ok' && Array.isArray(stored) && stored.length === batch.length) {
      batch.forEach((i, k) => {
        out[i] = { kind: 'ok', result: 'JOB_ID', ops: [[stored[k]]], keyOrder: [together.keyOrder[k] ?? []] };
      });
      return;
    }
    for (const i of batch) out[i] = await runCase(path, cases[i] as ValidationCase);
  });
  return out;
}

/** Why two outcomes differ, or undefined when they agree (key order noted, not counted). */
function difference(real: Outcome, demo: Outcome): string | undefined {
  if (real.kind !== demo.kind) return `answer: real ${real.kind}, demo ${demo.kind}`;
  if (real.kind === 'fail' && demo.kind === 'fail') {
    if (!isDeepStrictEqual(real.result, demo.result)) return 'text';
    if (real.closed !== demo.closed) return `close: real closed=${real.closed}, demo closed=${demo.closed}`;
    return undefined;
  }
  if (real.kind === 'ok' && demo.kind === 'ok') {
    if (!isDeepStrictEqual(real.result, demo.result)) return 'result';
    if (!isDeepStrictEqual(real.ops, demo.ops)) return 'stored';
    return undefined;
  }
  return real.kind === 'broken' ? 'broken on both' : undefined;
}

// Every case, grouped by opcode (table order), then the global ones.
const byGroup = new Map<string, ValidationCase[]>();
const validatorEnums: Record<string, readonly (string | number)[]> = { ...VALIDATOR_ENUMS, OpSubmitPriority: SUBMIT_PRIORITIES };
for (const def of OPCODES) byGroup.set(def.id, opcodeCases(def, COMMON_OP_PARAMS, validatorEnums));
{
  const first = OPCODES.find((d) => d.id === 'OP_TEST_DELAY') ?? (OPCODES[0] as OpCodeDef | undefined);
  const firstCases = first ? (byGroup.get(first.id) ?? []) : [];
  const good = (firstCases.find((c) => c.id.endsWith('/min'))?.args[0] as unknown[] | undefined)?.[0];
  const bad = (firstCases.find((c) => c.id.includes('/bad:'))?.args[0] as unknown[] | undefined)?.[0];
  if (good && bad) byGroup.set('(global)', globalCases(good as Record<string, unknown>, bad as Record<string, unknown>));
}
const allCases = [...byGroup.values()].flat();

interface Verdict {
  real: Outcome;
  demo: Outcome;
  diff: string | undefined;
}

describe('SubmitJob validation: the demo luxid answers every opcode case as the real ganeti-luxid', { skip }, () => {
  let real: RealGaneti | undefined;
  let demoLuxid: DemoLuxid | undefined;
  let server: UdsServer | undefined;
  const verdicts = new Map<string, Verdict>();

  before(
    async () => {
      real = await startRealGaneti();
      const realFilter = new RawConnection(real.luxiSocket);
      const filterAnswer = await realFilter.call('ReplaceFilter', REJECT_ALL);
      realFilter.destroy();
      assert.match(String(filterAnswer), /"success":\s*true/, `ReplaceFilter on the real luxid: ${filterAnswer}`);
      const started = Date.now();
      const realOutcomes = await runAll(real.luxiSocket, allCases);
      const realMs = Date.now() - started;
      // The real answers are written first, and the demo is loaded only then, so that they
      // exist even while the demo's sources are broken.
      writeFileSync(
        REAL_ANSWERS_FILE,
        allCases
          .map((c, i) => `${stringifyExactJson({ id: c.id, request: { method: c.method, args: c.args }, answer: realOutcomes[i] })}\n`)
          .join(''),
      );
      console.log(`opcode validation: real answers in ${REAL_ANSWERS_FILE} (${realMs} ms)`);
      const { createServer } = await import('../../src/dispatch/server.js');
      const { createLuxiHandler } = await import('../../src/protocols/luxi/handler.js');
      const { DemoLuxid } = await import('../../src/demo/luxid.js');
      const demoPath = join(shortTempDir('ov-'), 's');
      // The demo keeps no job filters that act, so its jobs wait (never started) instead:
      // a job that runs stores more (luxid adds debug_level, on_node_uuids, ... as it runs).
      demoLuxid = new DemoLuxid({ opDurationMs: 1, startDelayMs: 2 ** 31 - 1 });
      server = createServer(createLuxiHandler(demoLuxid), {});
      await server.listen(demoPath);
      const demoFilter = new RawConnection(demoPath);
      await demoFilter.call('ReplaceFilter', REJECT_ALL);
      demoFilter.destroy();
      const demoOutcomes = await runAll(demoPath, allCases);
      let mismatches = 0;
      let orderNotes = 0;
      const lines: string[] = [];
      allCases.forEach((c, i) => {
        const r = realOutcomes[i] as Outcome;
        const d = demoOutcomes[i] as Outcome;
        const diff = difference(r, d);
        verdicts.set(c.id, { real: r, demo: d, diff });
        if (diff !== undefined) {
          mismatches++;
          lines.push(
            `${stringifyExactJson({ opcode: c.group, case: c.id, diff, request: { method: c.method, args: c.args }, real: r, demo: d })}\n`,
          );
        } else if (r.kind === 'ok' && d.kind === 'ok' && !isDeepStrictEqual(r.keyOrder, d.keyOrder)) {
          orderNotes++;
        }
      });
      writeFileSync(MISMATCH_FILE, lines.join(''));
      const realOk = realOutcomes.filter((o) => o.kind === 'ok').length;
      console.log(
        `opcode validation: ${allCases.length} cases over ${OPCODES.length} opcodes (${realOk} accepted by the real luxid, ` +
          `${realMs} ms there), ${mismatches} mismatches; ${orderNotes} stored with another key order`,
      );
      console.log(`opcode validation: mismatches in ${MISMATCH_FILE}; real answers in ${REAL_ANSWERS_FILE}`);
      if (unknownTypes.size > 0) console.log(`opcode validation: no sample for the types ${[...unknownTypes].join(', ')}`);
    },
    { timeout: 120_000 },
  );

  after(async () => {
    await server?.close();
    demoLuxid?.close();
    await real?.stop();
  });

  test('the table has opcodes to test', () => {
    assert.ok(OPCODES.length > 0, 'OPCODES is empty');
  });

  for (const [group, cases] of byGroup) {
    test(`${group}: ${cases.length} cases answered alike`, () => {
      const bad = cases.filter((c) => verdicts.get(c.id)?.diff !== undefined || !verdicts.has(c.id));
      const show = bad.slice(0, 5).map((c) => {
        const v = verdicts.get(c.id);
        return `${c.id} (${v?.diff ?? 'not run'})\n  real: ${JSON.stringify(v?.real, bigintSafe)}\n  demo: ${JSON.stringify(v?.demo, bigintSafe)}`;
      });
      assert.equal(bad.length, 0, `${bad.length} of ${cases.length} cases differ:\n${show.join('\n')}`);
    });
  }

  test('the minimal and full opcodes of the table are valid on the real luxid', () => {
    const refused = allCases
      .filter((c) => /\/(min|full)$/.test(c.id))
      .filter((c) => verdicts.get(c.id)?.real.kind !== 'ok')
      .map((c) => `${c.id}: ${JSON.stringify(verdicts.get(c.id)?.real, bigintSafe)}`);
    assert.deepEqual(refused, []);
  });
});
