/**
 * The demo luxid's simulated job queue: jobs go queued -> running -> success/error on
 * injectable timers, with Ganeti-shaped opcode logs, results and timestamps. Owns job
 * state and change notification; Luxi-level answers (drain flag, WaitForJobChange) are
 * luxid.ts's business. `close()` clears every timer.
 */
import { GanetiError } from '../errors.js';
import { parseOpCode } from '../protocols/luxi/opcodes/parse.js';
import type { JobId, JobLogEntry, JobStatus, OpCode } from '../protocols/luxi/types.js';
import type { FaultDecision } from './faults.js';
import { DemoParseError } from './qlang.js';

/** Opcode statuses (Ganeti `OP_STATUS_*`). */
export type OpStatus = 'queued' | 'waiting' | 'canceling' | 'running' | 'canceled' | 'success' | 'error';

/** A `[seconds, microseconds]` timestamp, as Ganeti stores them. */
export type Timestamp = [number, number];

export interface QueuedOp {
  input: OpCode;
  status: OpStatus;
  result: unknown;
  log: JobLogEntry[];
  priority: number;
  startTs: Timestamp | null;
  execTs: Timestamp | null;
  endTs: Timestamp | null;
}

export interface Job {
  id: number;
  ops: QueuedOp[];
  receivedTs: Timestamp;
  startTs: Timestamp | null;
  endTs: Timestamp | null;
  archived: boolean;
  /** A made-up process id, for ChangeJobPriority's answer. */
  pid: number;
}

/** Timer functions and clock; tests pass fakes. */
export interface JobTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Milliseconds since the epoch. */
  now(): number;
}

/** Options of {@link JobQueue}. */
export interface JobQueueOptions {
  /** Run time of each opcode in milliseconds (OP_TEST_DELAY uses its `duration`). Default: 200. */
  opDurationMs?: number;
  /** Time a job stays queued before it starts, in milliseconds. Default: 50. */
  startDelayMs?: number;
  /** Timers and clock. Default: Node's (timers unref'd) and `Date.now`. */
  timers?: JobTimers;
  /** The first job id handed out. Default: 1. */
  firstJobId?: number;
  /**
   * Runs an opcode when it starts (the LU: prerequisites, then its change), with a mutable
   * copy of the stored opcode: changes the LU makes to it are stored, as ExpandNames' are.
   * Returns the opcode's result; a thrown GanetiError fails the opcode with that error.
   * Default: nothing changes and the result is null.
   */
  startOp?: (op: Record<string, unknown>, job: Job, log: (message: string) => void) => unknown;
}

export const DEFAULT_OP_DURATION_MS = 200;
export const DEFAULT_START_DELAY_MS = 50;
/** Longest OP_TEST_DELAY honoured, in milliseconds; a longer `duration` is cut to this. */
export const MAX_TEST_DELAY_MS = 3_600_000;

const nodeTimers: JobTimers = {
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  now: () => Date.now(),
};

const FINAL: ReadonlySet<OpStatus> = new Set(['canceled', 'success', 'error']);

/**
 * A job's dependencies with relative ids (negative: that many jobs back) made absolute, as
 * luxid stores them (OpCodes.hs `resolveDependencies`); nothing when the opcode has none.
 */
function resolveDepends(depends: unknown, jobId: number): { depends?: unknown[] } {
  if (!Array.isArray(depends)) return {};
  return { depends: depends.map(([dep, statuses]: [number, unknown]) => [dep < 0 ? jobId + dep : dep, statuses]) };
}

/** A reason-trail timestamp: nanoseconds with microsecond resolution (`reasonTrailTimestamp`). */
function nsOf([seconds, micros]: Timestamp): bigint {
  return BigInt(seconds) * 1_000_000_000n + BigInt(micros) * 1000n;
}

/** Job status from opcode statuses (JQueue.hs `calcJobStatus`). */
export function jobStatus(job: Job): JobStatus {
  let status: JobStatus = 'queued';
  let allSuccess = true;
  for (const op of job.ops) {
    if (op.status === 'error' || op.status === 'canceling' || op.status === 'canceled') return op.status;
    if (op.status !== 'success') allSuccess = false;
    if (op.status !== 'success' && op.status !== 'queued') status = op.status;
  }
  return allSuccess ? 'success' : status;
}

/** Whether a job has finished (status after running). */
export const jobFinalized = (job: Job): boolean => ['canceled', 'success', 'error'].includes(jobStatus(job));

/** Job priority: the lowest priority value of its unfinished opcodes, else 0 (`calcJobPriority`). */
export function jobPriority(job: Job): number {
  const open = job.ops.filter((o) => !FINAL.has(o.status)).map((o) => o.priority);
  return open.length === 0 ? 0 : Math.min(...open);
}

/**
 * Parses the opcodes of one job as luxid does at SubmitJob (opcodes/parse.ts), so a job
 * submitted by a direct caller is checked as one that came over the socket.
 * @throws LuxiParseError: luxid decodes opcodes while parsing the request, so a bad one
 *   gets the plain-string "Failed to parse request: ..." answer (Luxi.hs `decodeLuxiCall`).
 */
export function parseJobOps(ops: unknown): OpCode[] {
  if (!Array.isArray(ops)) throw new DemoParseError(ops, 'Unable to read list');
  return ops.map(parseOpCode);
}

type Listener = () => void;

/** The simulated queue. All jobs run side by side; each opcode takes `opDurationMs`. */
export class JobQueue {
  readonly #opDurationMs: number;
  readonly #startDelayMs: number;
  readonly #timers: JobTimers;
  readonly #startOp: NonNullable<JobQueueOptions['startOp']>;
  /** Results of running opcodes, published when they finish. */
  readonly #results = new WeakMap<QueuedOp, unknown>();
  /** What fault rules (faults.ts) decided for an opcode at submit. */
  readonly #faults = new WeakMap<QueuedOp, FaultDecision>();
  readonly #jobs = new Map<number, Job>();
  readonly #handles = new Map<number, unknown>();
  readonly #listeners = new Set<Listener>();
  #nextId: number;
  #closed = false;

  constructor(options: JobQueueOptions = {}) {
    const check = (name: string, v: number | undefined, def: number) => {
      if (v === undefined) return def;
      if (!Number.isFinite(v) || v < 0 || v > 2 ** 31 - 1) throw new RangeError(`${name} must be 0..2^31-1 ms, got ${v}`);
      return v;
    };
    this.#opDurationMs = check('opDurationMs', options.opDurationMs, DEFAULT_OP_DURATION_MS);
    this.#startDelayMs = check('startDelayMs', options.startDelayMs, DEFAULT_START_DELAY_MS);
    this.#timers = options.timers ?? nodeTimers;
    this.#nextId = options.firstJobId ?? 1;
    this.#startOp = options.startOp ?? (() => null);
  }

  /** Current time as `[seconds, microseconds]`. */
  timestamp(): Timestamp {
    const ms = this.#timers.now();
    return [Math.floor(ms / 1000), Math.round((ms % 1000) * 1000)];
  }

  /** The highest job id handed out so far (0 before the first). */
  get lastJobId(): number {
    return this.#nextId - 1;
  }

  /**
   * Queues a job and schedules its run. Appends Ganeti's `gnt:opcode:*` reason entry,
   * whose nanosecond timestamp is a bigint (above 2^53), to every opcode.
   * @param faults what fault rules decided for each opcode (`drop` is the caller's business):
   *   `fail` ends the opcode in that error instead of running it, `delayMs` lengthens its run.
   * @returns the job id.
   */
  submit(ops: OpCode[], faults: readonly (FaultDecision | undefined)[] = []): number {
    const parsed = parseJobOps(ops);
    const id = this.#nextId++;
    const receivedTs = this.timestamp();
    const ns = nsOf(receivedTs);
    const job: Job = {
      id,
      receivedTs,
      startTs: null,
      endTs: null,
      archived: false,
      pid: 20000 + id,
      ops: parsed.map((input, index) => {
        const reason = [...(input['reason'] as unknown[])];
        reason.push([`gnt:opcode:${input.OP_ID.replace(/^OP_/, '').toLowerCase()}`, `job=${id};index=${index}`, ns]);
        return {
          input: { ...input, reason, ...resolveDepends(input['depends'], id) },
          status: 'queued' as OpStatus,
          result: null,
          log: [],
          priority: input['priority'] as number,
          startTs: null,
          execTs: null,
          endTs: null,
        };
      }),
    };
    job.ops.forEach((op, i) => {
      const fault = faults[i];
      if (fault) this.#faults.set(op, fault);
    });
    this.#jobs.set(id, job);
    this.#schedule(id, this.#startDelayMs, () => this.#runOp(job, 0));
    this.#emit();
    return id;
  }

  /** The job, or undefined (ids beyond 2^53 are never handed out). */
  get(id: JobId): Job | undefined {
    return typeof id === 'number' ? this.#jobs.get(id) : undefined;
  }

  /** All jobs by id; archived ones only when `withArchived`. */
  list(withArchived: boolean): Job[] {
    return [...this.#jobs.values()].filter((j) => withArchived || !j.archived).sort((a, b) => a.id - b.id);
  }

  /** Calls `listener` after every change of any job; returns the unsubscribe function. */
  onChange(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(): void {
    for (const l of [...this.#listeners]) l();
  }

  #schedule(id: number, ms: number, fn: () => void): void {
    if (this.#closed) return;
    const h = this.#timers.setTimeout(() => {
      this.#handles.delete(id);
      fn();
    }, ms);
    this.#handles.set(id, h);
  }

  #log(job: Job, op: QueuedOp, message: string): void {
    const serial = job.ops.reduce((n, o) => n + o.log.length, 0) + 1;
    op.log.push([serial, this.timestamp(), 'message', message]);
  }

  #runOp(job: Job, index: number): void {
    const op = job.ops[index];
    if (!op) return;
    const now = this.timestamp();
    job.startTs ??= now;
    op.startTs = now;
    // The LU's constructor sets a missing debug level to 0 (cmdlib/base.py LogicalUnit).
    if (!Number.isInteger(op.input['debug_level'])) op.input = { ...op.input, debug_level: 0 };
    const fault = this.#faults.get(op);
    if (fault?.fail) {
      // A fault rule's failure stands in for the LU: the opcode runs its time and ends in
      // that error (#finishOp); its executor never runs, so nothing changes.
      op.status = 'running';
      op.execTs = now;
      this.#emit();
      this.#schedule(job.id, this.#runMs(op, fault), () => this.#finishOp(job, index));
      return;
    }
    const input = structuredClone(op.input) as Record<string, unknown>;
    const messages: string[] = [];
    try {
      this.#results.set(
        op,
        this.#startOp(input, job, (m) => messages.push(m)),
      );
    } catch (err) {
      if (!(err instanceof GanetiError)) throw err;
      // The LU refused the opcode (or failed): no exec timestamp; the change was not made.
      op.input = input as OpCode;
      for (const m of messages) this.#log(job, op, m);
      this.#failFrom(job, index, err.toWire() as [string, unknown[]], now);
      this.#emit();
      return;
    }
    op.input = input as OpCode;
    op.status = 'running';
    op.execTs = now;
    for (const m of messages) this.#log(job, op, m);
    this.#emit();
    this.#schedule(job.id, this.#runMs(op, fault), () => this.#finishOp(job, index));
  }

  /** How long an opcode runs: OP_TEST_DELAY its `duration`, others `opDurationMs`; plus a fault rule's delay. */
  #runMs(op: QueuedOp, fault: FaultDecision | undefined): number {
    let ms = this.#opDurationMs;
    const duration = op.input['duration'];
    if (op.input.OP_ID === 'OP_TEST_DELAY' && typeof duration === 'number' && duration >= 0) {
      ms = Math.min(duration * 1000, MAX_TEST_DELAY_MS);
    }
    return Math.min(ms + (fault?.delayMs ?? 0), 2 ** 31 - 1);
  }

  #finishOp(job: Job, index: number): void {
    const op = job.ops[index];
    if (op?.status !== 'running') return;
    op.endTs = this.timestamp();
    const failure = this.#faults.get(op)?.fail;
    if (failure) {
      this.#failFrom(job, index, [failure[0], [...failure[1]]], op.endTs);
      this.#emit();
      return;
    }
    op.status = 'success';
    op.result = this.#results.get(op) ?? null;
    this.#results.delete(op);
    if (index + 1 < job.ops.length) {
      this.#runOp(job, index + 1);
      return;
    }
    job.endTs = op.endTs;
    this.#emit();
  }

  /** Ends opcode `index` in error with `failure`, and every later opcode with it. */
  #failFrom(job: Job, index: number, failure: [string, unknown[]], endTs: Timestamp): void {
    job.ops.forEach((op, i) => {
      if (i < index) return;
      op.status = 'error';
      op.result = i === index ? failure : ['OpExecError', ['Preceding opcode failed']];
      op.endTs = endTs;
    });
    job.endTs = endTs;
  }

  #cancelQueued(job: Job): void {
    const h = this.#handles.get(job.id);
    if (h !== undefined) this.#timers.clearTimeout(h);
    this.#handles.delete(job.id);
    const now = this.timestamp();
    for (const op of job.ops) {
      op.status = 'canceled';
      op.result = 'Job canceled by request';
      op.endTs = now;
    }
    job.endTs = now;
    this.#emit();
  }

  /** CancelJob (Query/Server.hs, JQueue.hs `cancelJob`): `[success, message]`. */
  cancel(id: JobId, kill: boolean): [boolean, string] {
    const job = this.get(id);
    if (!job || jobFinalized(job)) return [false, `Job ${id} not found in queue`];
    const status = jobStatus(job);
    if (status === 'queued' || status === 'waiting') {
      this.#cancelQueued(job);
      return [true, `Dequeued job ${id}`];
    }
    if (!kill) return [false, "Job no longer waiting, can't cancel (informed it anyway)"];
    const h = this.#handles.get(job.id);
    if (h !== undefined) this.#timers.clearTimeout(h);
    this.#handles.delete(job.id);
    // luxid notices the dead job process and fails every opcode of the job, finished ones
    // included, with its message as a plain string; the message also joins each reason
    // trail (JQScheduler.hs checkForDeath, JQueue.hs failQueuedJob).
    const now = this.timestamp();
    const message = `detected death of job ${job.id}`;
    const reason = ['gnt:daemon:luxid:deathdetection', message, nsOf(now)];
    for (const op of job.ops) {
      op.status = 'error';
      op.result = message;
      op.endTs = now;
      const trail = op.input['reason'];
      op.input = { ...op.input, reason: [...(Array.isArray(trail) ? trail : []), reason] };
    }
    job.endTs = now;
    this.#emit();
    return [true, 'SIGKILL send to the process'];
  }

  /** ChangeJobPriority: queued jobs change at once; running ones are "signalled". */
  changePriority(id: JobId, priority: number): [boolean, string] {
    const job = this.get(id);
    if (!job || jobFinalized(job)) return [false, `Job ${id} not found in queue`];
    for (const op of job.ops) if (!FINAL.has(op.status) && op.status !== 'running') op.priority = priority;
    this.#emit();
    if (jobStatus(job) === 'queued') {
      return [true, `Priorities of pending opcodes for job ${id} have been changed to ${priority}`];
    }
    return [true, `Job ${id} with pid ${job.pid} signaled`];
  }

  /** ArchiveJob: false for unknown, already archived or unfinished (also queued) jobs, true once archived. */
  archive(id: JobId): boolean {
    const job = this.get(id);
    if (!job || job.archived) return false;
    if (!jobFinalized(job)) return false;
    job.archived = true;
    this.#emit();
    return true;
  }

  /** AutoArchiveJobs: archives finished jobs older than `ageSeconds` (negative: all). `[archived, left]`. */
  autoArchive(ageSeconds: number): [number, number] {
    const nowSec = this.#timers.now() / 1000;
    let count = 0;
    for (const job of this.#jobs.values()) {
      if (job.archived || !jobFinalized(job)) continue;
      const end = job.endTs ? job.endTs[0] + job.endTs[1] / 1e6 : 0;
      if (ageSeconds < 0 || nowSec - end >= ageSeconds) {
        job.archived = true;
        count++;
      }
    }
    if (count > 0) this.#emit();
    return [count, 0];
  }

  /** Stops every timer; jobs stay as they are. Listeners get one last call. */
  close(): void {
    this.#closed = true;
    for (const h of this.#handles.values()) this.#timers.clearTimeout(h);
    this.#handles.clear();
    this.#emit();
    this.#listeners.clear();
  }

  get closed(): boolean {
    return this.#closed;
  }
}
