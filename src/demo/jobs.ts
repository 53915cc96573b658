/**
 * The demo luxid's simulated job queue: jobs go queued -> waiting -> running -> success/error
 * on injectable timers, with Ganeti-shaped opcode logs, results and timestamps. Jobs start
 * as luxid's JQScheduler starts them (at most `max_running_jobs`, by priority, after their
 * dependencies, as the filter rules allow: the policy is scheduler.ts) and wait for their
 * locks (locks.ts) as job processes do. Owns job state and change notification; Luxi-level
 * answers (drain flag, WaitForJobChange) are luxid.ts's business. `close()` clears every timer.
 */
import { GanetiError } from '../errors.js';
import { parseOpCode } from '../protocols/luxi/opcodes/parse.js';
import type { JobId, JobLogEntry, JobStatus, OpCode } from '../protocols/luxi/types.js';
import type { FilterData } from './cluster.js';
import type { FaultDecision } from './faults.js';
import { BGL, LockAllocation, type LockRequest, type LockRow } from './lock-allocation.js';
import type { OpLocks } from './locks.js';
import { DemoParseError } from './qlang.js';
import { applyingRule, checkDependency, dependencies, type SchedJob, selectJobsToRun } from './scheduler.js';

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
  /**
   * Time a job stays queued before the scheduler may start it, in milliseconds (luxid's
   * hand-over to a job process); then it starts as soon as the queue allows. Default: 50.
   */
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
  /**
   * How many jobs may run at once (the cluster's `max_running_jobs`), read at every
   * scheduling round. Default: {@link DEFAULT_MAX_RUNNING_JOBS}.
   */
  maxRunningJobs?: () => number;
  /** The job filter rules (`ReplaceFilter`), read at every scheduling round. Default: none. */
  filters?: () => readonly FilterData[];
  /** The locks an opcode takes when it starts (locks.ts `opLocks`). Default: the BGL, shared. */
  locksFor?: (op: Record<string, unknown>) => OpLocks;
}

export const DEFAULT_OP_DURATION_MS = 200;
export const DEFAULT_START_DELAY_MS = 50;
/** Ganeti's default `max_running_jobs` (constants `luxidMaximalRunningJobsDefault`). */
export const DEFAULT_MAX_RUNNING_JOBS = 20;
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

/** Where a handed-over job's current opcode stands while it cannot run yet. */
interface Waiter {
  job: Job;
  index: number;
  /** `deps`: a dependency is not finished; `bgl`/`locks`: the lock request below is pending. */
  phase: 'deps' | 'bgl' | 'locks';
  request: readonly LockRequest[];
}

/**
 * The simulated queue. Queued jobs become candidates `startDelayMs` after submission; then
 * luxid's scheduling (scheduler.ts) hands them over; each opcode waits for its dependencies
 * and locks (status "waiting"), then runs for `opDurationMs`.
 */
export class JobQueue {
  readonly #opDurationMs: number;
  readonly #startDelayMs: number;
  readonly #timers: JobTimers;
  readonly #startOp: NonNullable<JobQueueOptions['startOp']>;
  readonly #maxRunning: () => number;
  readonly #filters: () => readonly FilterData[];
  readonly #locksFor: NonNullable<JobQueueOptions['locksFor']>;
  /** Results of running opcodes, published when they finish. */
  readonly #results = new WeakMap<QueuedOp, unknown>();
  /** What fault rules (faults.ts) decided for an opcode at submit. */
  readonly #faults = new WeakMap<QueuedOp, FaultDecision>();
  readonly #jobs = new Map<number, Job>();
  readonly #handles = new Map<number, unknown>();
  readonly #listeners = new Set<Listener>();
  /** luxid's `qEnqueued`: not handed over yet, by job id. */
  readonly #enqueued: Job[] = [];
  /** Queued jobs whose start delay is over. */
  readonly #ready = new Set<number>();
  /** luxid's `qRunning`: handed over and not finished. */
  readonly #running = new Set<Job>();
  readonly #waiters = new Map<number, Waiter>();
  readonly #locks = new LockAllocation();
  #scheduling = false;
  #again = false;
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
    this.#maxRunning = options.maxRunningJobs ?? (() => DEFAULT_MAX_RUNNING_JOBS);
    this.#filters = options.filters ?? (() => []);
    this.#locksFor = options.locksFor ?? (() => ({ bgl: 'shared', levels: [] }));
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
    this.#enqueued.push(job);
    this.#schedule(id, this.#startDelayMs, () => {
      this.#ready.add(id);
      this.reschedule();
    });
    this.#emit();
    this.reschedule();
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

  /**
   * Rows of Query lock: the locks running jobs hold (and the lock sets they imply), and the
   * ones waiting jobs ask for, with those jobs as `pending` (by priority, then job id).
   */
  lockRows(): LockRow[] {
    const pending = [...this.#waiters.values()]
      .filter((w) => w.phase !== 'deps')
      .map((w) => ({ owner: w.job.id, priority: w.job.ops[w.index]?.priority ?? 0, locks: w.request }))
      .sort((a, b) => a.priority - b.priority || a.owner - b.owner);
    return this.#locks.rows(pending);
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

  #clearTimer(id: number): void {
    const h = this.#handles.get(id);
    if (h !== undefined) this.#timers.clearTimeout(h);
    this.#handles.delete(id);
  }

  #sched(job: Job): SchedJob {
    return { id: job.id, ops: job.ops.map((o) => o.input), priority: jobPriority(job) };
  }

  /**
   * One scheduling round (JQScheduler.hs `scheduleSomeJobs`): cancels queued jobs a REJECT
   * rule applies to, then hands over the jobs `selectJobsToRun` picks among the eligible
   * ones, up to `max_running_jobs` running. Rounds asked for during a round run after it.
   * Luxid runs one at every submission, job end and filter or config change.
   */
  reschedule(): void {
    if (this.#closed) return;
    if (this.#scheduling) {
      this.#again = true;
      return;
    }
    this.#scheduling = true;
    try {
      do {
        this.#again = false;
        this.#round();
      } while (this.#again);
    } finally {
      this.#scheduling = false;
    }
  }

  #round(): void {
    const rules = this.#filters();
    for (const job of [...this.#enqueued]) {
      const rule = applyingRule(rules, this.#sched(job));
      if (rule?.action === 'REJECT') this.#dequeue(job, null);
    }
    const queuedIds = new Set([...this.#enqueued, ...this.#running].map((j) => j.id));
    // `jobEligible`: no dependency is still queued or running (a job depending on itself
    // never is, and stays queued, as in luxid).
    const eligible = this.#enqueued.filter(
      (j) => this.#ready.has(j.id) && !j.ops.some((o) => dependencies(o.input).some(([d]) => queuedIds.has(d))),
    );
    const max = this.#maxRunning();
    const slots = (Number.isInteger(max) && max > 0 ? max : 1) - this.#running.size;
    const chosen = selectJobsToRun(
      eligible.map((j) => this.#sched(j)),
      [...this.#running].map((j) => this.#sched(j)),
      rules,
      slots,
    );
    for (const { id } of chosen) {
      const job = this.#jobs.get(id);
      if (!job) continue;
      this.#enqueued.splice(this.#enqueued.indexOf(job), 1);
      this.#ready.delete(id);
      this.#running.add(job);
      this.#pickUp(job, 0);
    }
  }

  /** Takes a job out of the queue before it was handed over; ops canceled with `result`. */
  #dequeue(job: Job, result: unknown): void {
    const at = this.#enqueued.indexOf(job);
    if (at >= 0) this.#enqueued.splice(at, 1);
    this.#ready.delete(job.id);
    this.#clearTimer(job.id);
    const now = this.timestamp();
    // JQueue.hs `cancelQueuedJob`: status and end time change, the result stays.
    for (const op of job.ops) {
      op.status = 'canceled';
      op.result = result;
      op.endTs = now;
    }
    job.endTs = now;
    this.#emit();
  }

  #log(job: Job, op: QueuedOp, message: string): void {
    const serial = job.ops.reduce((n, o) => n + o.log.length, 0) + 1;
    op.log.push([serial, this.timestamp(), 'message', message]);
  }

  /** The job process takes up an opcode: "waiting" (for dependencies and locks) from now. */
  #pickUp(job: Job, index: number): void {
    const op = job.ops[index];
    if (!op) return;
    const now = this.timestamp();
    job.startTs ??= now;
    op.startTs = now;
    op.status = 'waiting';
    this.#advance(job, index, 'deps');
    this.#emit();
  }

  /** Moves a waiting opcode on as far as it can: dependencies, the BGL, other locks, run. */
  #advance(job: Job, index: number, from: Waiter['phase']): void {
    const op = job.ops[index];
    if (op?.status !== 'waiting') return;
    this.#waiters.delete(job.id);
    if (from === 'deps') {
      for (const [dep, statuses] of dependencies(op.input)) {
        const other = this.#jobs.get(dep);
        const check = checkDependency(job.id, dep, statuses, other && (jobFinalized(other) ? jobStatus(other) : null));
        if (check.wait) {
          this.#waiters.set(job.id, { job, index, phase: 'deps', request: [] });
          return;
        }
        if (check.cancel) {
          this.#cancelStarted(job, index);
          return;
        }
        if (check.error !== undefined) {
          this.#failFrom(job, index, ['OpExecError', [check.error]], this.timestamp());
          this.#finishJob(job);
          return;
        }
      }
    }
    const locks = this.#locksFor(op.input);
    if (from !== 'locks') {
      const bgl: LockRequest[] = [[BGL, locks.bgl]];
      if (!this.#locks.tryAcquire(job.id, bgl)) {
        this.#waiters.set(job.id, { job, index, phase: 'bgl', request: bgl });
        return;
      }
    }
    if (locks.levels.length > 0 && !this.#locks.tryAcquire(job.id, locks.levels)) {
      this.#waiters.set(job.id, { job, index, phase: 'locks', request: locks.levels });
      return;
    }
    this.#runOp(job, index);
  }

  /** Retries every waiting opcode, by priority then job id, after locks or jobs changed. */
  #wake(): void {
    const waiters = [...this.#waiters.values()].sort(
      (a, b) => (a.job.ops[a.index]?.priority ?? 0) - (b.job.ops[b.index]?.priority ?? 0) || a.job.id - b.job.id,
    );
    for (const w of waiters) if (this.#waiters.get(w.job.id) === w) this.#advance(w.job, w.index, w.phase);
  }

  #runOp(job: Job, index: number): void {
    const op = job.ops[index];
    if (!op) return;
    const now = this.timestamp();
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
      this.#finishJob(job);
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
    // mcpu frees every lock of the opcode when it ends (FreeLocksLevel).
    this.#locks.release(job.id);
    const failure = this.#faults.get(op)?.fail;
    if (failure) {
      this.#failFrom(job, index, [failure[0], [...failure[1]]], op.endTs);
      this.#finishJob(job);
      return;
    }
    op.status = 'success';
    op.result = this.#results.get(op) ?? null;
    this.#results.delete(op);
    if (index + 1 < job.ops.length) {
      this.#pickUp(job, index + 1);
      this.#wake();
      return;
    }
    job.endTs = op.endTs;
    this.#finishJob(job);
  }

  /** A job ended: its locks go, waiting jobs and the queue get another chance. */
  #finishJob(job: Job): void {
    this.#clearTimer(job.id);
    this.#waiters.delete(job.id);
    this.#locks.release(job.id);
    this.#running.delete(job);
    this.#emit();
    this.#wake();
    this.reschedule();
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

  /** A handed-over job canceled while waiting: every unfinished opcode ends canceled. */
  #cancelStarted(job: Job, index: number): void {
    const now = this.timestamp();
    job.ops.forEach((op, i) => {
      if (i < index) return;
      op.status = 'canceled';
      op.result = 'Job canceled by request';
      op.endTs = now;
    });
    job.endTs = now;
    this.#finishJob(job);
  }

  /** CancelJob (Query/Server.hs, JQueue.hs `cancelJob`): `[success, message]`. */
  cancel(id: JobId, kill: boolean): [boolean, string] {
    const job = this.get(id);
    if (!job || jobFinalized(job)) return [false, `Job ${id} not found in queue`];
    if (this.#enqueued.includes(job)) {
      this.#dequeue(job, null);
      this.reschedule();
      return [true, `Dequeued job ${id}`];
    }
    const waiter = this.#waiters.get(job.id);
    if (!kill && waiter) {
      // SIGTERM: the job process cancels its waiting opcode, luxid watches it end.
      this.#cancelStarted(job, waiter.index);
      return [true, 'Job successfully cancelled'];
    }
    if (!kill) return [false, "Job no longer waiting, can't cancel (informed it anyway)"];
    this.#detectDeath(job);
    return [true, 'SIGKILL send to the process'];
  }

  /**
   * luxid notices a dead job process and fails every opcode of the job, finished ones
   * included, with its message as a plain string; the message also joins each reason
   * trail (JQScheduler.hs checkForDeath, JQueue.hs failQueuedJob).
   */
  #detectDeath(job: Job): void {
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
    this.#finishJob(job);
  }

  /**
   * Takes over the jobs a previous queue left (`serve --demo --state`), as luxid does when it
   * starts: finished jobs stay as they were, jobs that never started are queued again, and
   * jobs that had started fail as its death detection fails a job whose process is gone.
   * @throws Error when jobs were submitted already: restore comes first.
   */
  restore(jobs: readonly Job[], nextJobId: number): void {
    if (this.#jobs.size > 0) throw new Error('JobQueue.restore() must come before the first job');
    this.#nextId = Math.max(nextJobId, ...jobs.map((j) => j.id + 1), this.#nextId);
    const byId = [...jobs].sort((a, b) => a.id - b.id);
    for (const job of byId) this.#jobs.set(job.id, job);
    for (const job of byId) {
      if (jobFinalized(job)) continue;
      if (job.ops.every((op) => op.status === 'queued')) {
        this.#enqueued.push(job);
        this.#schedule(job.id, this.#startDelayMs, () => {
          this.#ready.add(job.id);
          this.reschedule();
        });
      } else {
        this.#detectDeath(job);
      }
    }
    this.#emit();
    this.reschedule();
  }

  /**
   * ChangeJobPriority (JQScheduler.hs `setJobPriority`): a queued job changes at once and is
   * scheduled anew (it may now start before others); a handed-over one is "signalled" and
   * changes its opcodes that have not started running.
   */
  changePriority(id: JobId, priority: number): [boolean, string] {
    const job = this.get(id);
    if (!job || jobFinalized(job)) return [false, `Job ${id} not found in queue`];
    for (const op of job.ops) if (!FINAL.has(op.status) && op.status !== 'running') op.priority = priority;
    this.#emit();
    if (this.#enqueued.includes(job)) {
      this.reschedule();
      return [true, `Priorities of pending opcodes for job ${id} have been changed to ${priority}`];
    }
    this.#wake();
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
