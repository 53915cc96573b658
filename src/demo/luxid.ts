/**
 * DemoLuxid: a mock luxid implementing every Luxi call over an in-memory cluster
 * (cluster.ts) and a simulated job queue (jobs.ts). Answers follow Ganeti 3.0
 * `Query/Server.hs handleCall`, including the texts the real luxid sends. Argument
 * decoding is the Luxi dispatch's job; this class only answers.
 */
import { DropConnection } from '../dispatch/handler.js';
import { GanetiError, GenericError, JobLost, OpExecError } from '../errors.js';
import type {
  JobChange,
  JobId,
  JobLogEntry,
  LuxiImplementation,
  OpCode,
  QueryFieldsResult,
  QueryFilter,
  QueryResource,
  QueryResult,
  SubmitManyResult,
} from '../protocols/luxi/types.js';
import { LUXI_WFJC_TIMEOUT_SECONDS } from '../protocols/luxi/methods.js';
import { sampleCluster, type ClusterData } from './cluster.js';
import type { DemoState } from './state.js';
import { FaultInjector, type FaultRule, type ResolvedFaultRule } from './faults.js';
import { buildContext, type QueryContext } from './fields.js';
import { DEFAULT_MAX_RUNNING_JOBS, type Job, JobQueue, jobFinalized, parseJobOps, type JobQueueOptions } from './jobs.js';
import { opLocks } from './locks.js';
import type { OpContext, OpExecutor } from './ops/context.js';
import { OP_EXECUTORS } from './ops/index.js';
import { DemoParseError, show } from './qlang.js';
import { classicQuery, lookupItem, queryFields, runQuery } from './query.js';

/** Options of {@link DemoLuxid}. */
export interface DemoLuxidOptions extends JobQueueOptions {
  /** The cluster to serve; copied. Default: {@link sampleCluster}(). */
  cluster?: ClusterData;
  /** Same as `opDurationMs` (the CLI's `--job-step-ms`); `opDurationMs` wins when both are set. */
  jobStepMs?: number;
  /**
   * Fault rules (faults.ts; the CLI's `--fault`/`--faults`), checked here: matching opcodes
   * fail with a chosen error, run longer, or get their client's SubmitJob dropped.
   * @throws FaultRuleError for a bad rule. Default: none.
   */
  faults?: readonly (FaultRule | ResolvedFaultRule)[];
  /**
   * A state saved by a previous demo (`snapshot()`, state.ts; the CLI's `--state`): its
   * cluster, drain flag and jobs replace `cluster`; unfinished jobs go on as luxid's do after
   * a restart. Default: a fresh queue over `cluster`.
   */
  state?: DemoState;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The cluster's value when it is a positive integer (luxid reads its config), else `fallback`. */
function positiveInt(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : fallback;
}

/**
 * Runs an executor; an error that is not Ganeti's (a bug of the demo met by some input)
 * fails the opcode with OpExecError naming it, instead of ending the daemon.
 */
function runExecutor(execute: OpExecutor, op: Record<string, unknown>, ctx: OpContext): unknown {
  try {
    return execute(op, ctx);
  } catch (err) {
    if (err instanceof GanetiError) throw err;
    const what = err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.emitWarning(`demo executor of ${String(op['OP_ID'])} failed: ${what}`);
    throw new OpExecError(
      `Internal error of the demo cluster in ${String(op['OP_ID'])}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** A mock luxid. Call `close()` to stop job timers and release pending WaitForJobChange calls. */
export class DemoLuxid implements LuxiImplementation {
  #cluster: ClusterData;
  readonly #jobs: JobQueue;
  readonly #timers: NonNullable<JobQueueOptions['timers']> | undefined;
  readonly #faults: FaultInjector;
  /** Listeners of changes the job queue does not see (drain flag, watcher pause, filters). */
  readonly #listeners = new Set<() => void>();
  #drained = false;

  constructor(options: DemoLuxidOptions = {}) {
    this.#faults = new FaultInjector(options.faults ?? []);
    this.#cluster = structuredClone(options.state?.cluster ?? options.cluster ?? sampleCluster());
    this.#drained = options.state?.drained ?? false;
    const opDurationMs = options.opDurationMs ?? options.jobStepMs;
    this.#jobs = new JobQueue({
      startOp: (op, job, log) => this.#startOp(op, job, log),
      maxRunningJobs: () => positiveInt(this.#cluster.info['max_running_jobs'], DEFAULT_MAX_RUNNING_JOBS),
      filters: () => this.#cluster.filters,
      locksFor: (op) => opLocks(op, this.#cluster),
      ...options,
      ...(opDurationMs !== undefined ? { opDurationMs } : {}),
    });
    this.#timers = options.timers;
    if (options.state) this.#jobs.restore(structuredClone(options.state.jobs), options.state.nextJobId);
  }

  /** Everything needed to go on after a restart (`state` of the next DemoLuxid); a copy. */
  snapshot(): DemoState {
    return structuredClone({
      cluster: this.#cluster,
      drained: this.#drained,
      nextJobId: this.#jobs.lastJobId + 1,
      jobs: this.#jobs.list(true),
    });
  }

  /**
   * Calls `listener` after every change of the cluster, the queue or its flags (to save the
   * state); returns the unsubscribe function.
   */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    const offJobs = this.#jobs.onChange(listener);
    return () => {
      this.#listeners.delete(listener);
      offJobs();
    };
  }

  #changed(): void {
    for (const l of [...this.#listeners]) l();
  }

  /** The job queue, for inspection. */
  get jobs(): JobQueue {
    return this.#jobs;
  }

  /** The served cluster (live object: changes show in later answers). */
  get cluster(): ClusterData {
    return this.#cluster;
  }

  /**
   * Runs an opcode's executor (ops/) against a draft of the cluster. The draft becomes the
   * served cluster, and the jobs the opcode submits are queued, only when the executor
   * returns and the opcode is not a dry run: a failing opcode changes nothing.
   * @throws the executor's GanetiError (OpPrereqError, OpExecError, ...).
   */
  #startOp(op: Record<string, unknown>, job: Job, log: (message: string) => void): unknown {
    const id = String(op['OP_ID']);
    const execute = OP_EXECUTORS[id];
    if (!execute) throw new OpExecError(`The demo cluster cannot run ${id}`);
    const draft = structuredClone(this.#cluster);
    const followUps: OpCode[][] = [];
    const dryRun = op['dry_run'] === true;
    const ctx: OpContext = {
      cluster: draft,
      now: () => this.#now() / 1000,
      jobId: job.id,
      dryRun,
      log,
      submitJobs: (jobs) =>
        jobs.map((ops) => {
          followUps.push(parseJobOps(ops));
          return [true, this.#jobs.lastJobId + followUps.length];
        }),
    };
    const result = runExecutor(execute, op, ctx);
    if (dryRun) {
      // mcpu.py's words when it skips Exec.
      log(' - INFO: dry-run mode requested, not actually executing the operation');
      return result;
    }
    this.#cluster = draft;
    // Fault rules see these jobs too; no client waits for them, so none is dropped.
    for (const ops of followUps) {
      const faults = ops.map((o) => this.#faults.decide(o, false));
      this.#jobs.submit(ops, faults);
    }
    return result;
  }

  #ctx(): QueryContext {
    return buildContext(this.#cluster);
  }

  #now(): number {
    return this.#timers ? this.#timers.now() : Date.now();
  }

  Query(what: QueryResource, fields: string[], filter: QueryFilter): QueryResult {
    return runQuery(what, fields, filter, this.#ctx(), this.#jobs);
  }

  QueryFields(what: QueryResource, fields: string[] | null): QueryFieldsResult {
    return queryFields(what, fields);
  }

  QueryNodes(names: string[], fields: string[], useLocking: boolean): unknown[][] {
    return classicQuery('node', names, fields, useLocking, this.#ctx(), this.#jobs);
  }

  QueryInstances(names: string[], fields: string[], useLocking: boolean): unknown[][] {
    return classicQuery('instance', names, fields, useLocking, this.#ctx(), this.#jobs);
  }

  QueryGroups(names: string[], fields: string[], useLocking: boolean): unknown[][] {
    return classicQuery('group', names, fields, useLocking, this.#ctx(), this.#jobs);
  }

  QueryNetworks(names: string[], fields: string[], useLocking: boolean): unknown[][] {
    return classicQuery('network', names, fields, useLocking, this.#ctx(), this.#jobs);
  }

  QueryExports(nodes: string[], useLocking: boolean): unknown[][] {
    return classicQuery('export', nodes, ['node', 'export'], useLocking, this.#ctx(), this.#jobs);
  }

  QueryJobs(jobIds: JobId[] | null, fields: string[]): unknown[][] {
    return classicQuery('job', jobIds ?? [], fields, false, this.#ctx(), this.#jobs);
  }

  QueryFilters(uuids: string[] | null, fields: string[]): unknown[][] {
    return classicQuery('filter', uuids ?? [], fields, false, this.#ctx(), this.#jobs);
  }

  QueryConfigValues(fields: string[]): unknown[] {
    const info = this.#cluster.info;
    const pause = this.#cluster.watcherPause;
    const values: Record<string, () => unknown> = {
      cluster_name: () => info.name,
      // Ganeti reports the pause only while it lasts (QCluster.isWatcherPaused).
      watcher_pause: () => (pause !== null && pause > this.#now() / 1000 ? pause : null),
      master_node: () => info.master,
      drain_flag: () => this.#drained,
      modify_ssh_setup: () => info['modify_ssh_setup'] ?? null,
      ssh_key_type: () => info['ssh_key_type'] ?? null,
      ssh_key_bits: () => info['ssh_key_bits'] ?? null,
    };
    return fields.map((f) => (Object.hasOwn(values, f) ? (values[f] as () => unknown)() : null));
  }

  QueryClusterInfo(): Record<string, unknown> {
    return structuredClone(this.#cluster.info);
  }

  /**
   * Tags of the cluster or of a named object.
   * @throws OpPrereqError "Node name x not found" (unknown_entity) and the like.
   * @throws DemoParseError for a kind other than cluster, node, instance, nodegroup, network.
   */
  QueryTags(kind: string, name: string): string[] {
    const c = this.#cluster;
    switch (kind) {
      case 'cluster':
        return [...c.info.tags];
      case 'node':
        return [...lookupItem(c.nodes, 'Node', name).tags];
      case 'instance':
        return [...lookupItem(c.instances, 'Instance', name).tags];
      case 'nodegroup':
        return [...lookupItem(c.groups, 'NodeGroup', name).tags];
      case 'network':
        return [...lookupItem(c.networks, 'Network', name).tags];
      default:
        throw new DemoParseError(kind, `Invalid string value for type TagKind: ${show(kind)}`);
    }
  }

  /** @throws GenericError "Queue drained" while the drain flag is set. */
  SubmitJob(ops: OpCode[]): JobId {
    if (this.#drained) throw new GenericError('Queue drained');
    return this.#submitFromClient([ops])[0] as number;
  }

  SubmitJobToDrainedQueue(ops: OpCode[]): JobId {
    return this.#submitFromClient([ops])[0] as number;
  }

  /** @throws GenericError "Queue drained" while the drain flag is set. */
  SubmitManyJobs(jobs: OpCode[][]): SubmitManyResult[] {
    if (this.#drained) throw new GenericError('Queue drained');
    return this.#submitFromClient(jobs).map((id): SubmitManyResult => [true, id]);
  }

  /**
   * Parses a client's jobs, lets the fault rules decide on every opcode, then queues them.
   * @throws DropConnection when a `drop` rule fires on any opcode: no job is queued.
   */
  #submitFromClient(jobs: OpCode[][]): number[] {
    const parsed = jobs.map(parseJobOps);
    const faults = parsed.map((ops) => ops.map((op) => this.#faults.decide(op)));
    const drop = faults.flat().find((f) => f?.drop);
    if (drop) throw new DropConnection(`fault rule ${drop.rule.label}`);
    return parsed.map((ops, i) => this.#jobs.submit(ops, faults[i]));
  }

  #jobUpdate(jobId: JobId, fields: string[], prevLogSerial: number | null): JobChange {
    let rows: unknown[][];
    try {
      rows = classicQuery('job', [jobId], ['oplog', ...fields], false, this.#ctx(), this.#jobs);
    } catch {
      // An unknown field makes luxid's inner query fail; it then answers nulls (computeJobUpdate).
      return [fields.map(() => null), []];
    }
    const [row] = rows;
    if (!row) return [fields.map(() => null), []];
    const [oplog, ...values] = row;
    const logs = (Array.isArray(oplog) ? (oplog as JobLogEntry[][]).flat() : []).filter(
      (e) => prevLogSerial === null || e[0] > prevLogSerial,
    );
    return [values, logs];
  }

  /**
   * Long-polls until the job's fields or log differ from `prevJobInfo`/`prevLogSerial`,
   * or `min(timeoutSeconds, 89)` seconds pass; then answers the current state (which is
   * `[prevJobInfo, []]` if nothing changed). A finished job answers at once.
   * @throws JobLost "Can't load job file" for an unknown job.
   */
  async WaitForJobChange(
    jobId: JobId,
    fields: string[],
    prevJobInfo: unknown[] | null,
    prevLogSerial: number | null,
    timeoutSeconds: number,
  ): Promise<JobChange> {
    const job = this.#jobs.get(jobId);
    if (!job) throw new JobLost("Can't load job file");
    const compute = () => this.#jobUpdate(jobId, fields, prevLogSerial);
    const changed = (v: JobChange) => v[1].length > 0 || show(v[0]) !== show(prevJobInfo);
    const first = compute();
    if (jobFinalized(job) || changed(first) || this.#jobs.closed) return first;
    const waitMs = Math.max(0, Math.min(timeoutSeconds, LUXI_WFJC_TIMEOUT_SECONDS)) * 1000;
    const timers = this.#timers ?? {
      setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms).unref(),
      clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout),
    };
    return new Promise<JobChange>((resolve) => {
      let handle: unknown;
      const finish = () => {
        unsubscribe();
        timers.clearTimeout(handle);
        resolve(compute());
      };
      const unsubscribe = this.#jobs.onChange(() => {
        if (this.#jobs.closed || changed(compute())) finish();
      });
      handle = timers.setTimeout(finish, waitMs);
    });
  }

  /** @throws GenericError: luxid keeps PickupJob for its own job processes. */
  PickupJob(_jobId: JobId): null {
    throw new GenericError("Luxi call 'PickupJob' is for internal use only");
  }

  ArchiveJob(jobId: JobId): boolean {
    return this.#jobs.archive(jobId);
  }

  AutoArchiveJobs(ageSeconds: number, _timeoutSeconds: number): [number, number] {
    return this.#jobs.autoArchive(ageSeconds);
  }

  CancelJob(jobId: JobId, kill: boolean): [boolean, string] {
    return this.#jobs.cancel(jobId, kill);
  }

  ChangeJobPriority(jobId: JobId, priority: number): [boolean, string] {
    return this.#jobs.changePriority(jobId, priority);
  }

  SetDrainFlag(drained: boolean): boolean {
    this.#drained = drained;
    this.#changed();
    return true;
  }

  SetWatcherPause(until: number | null): number | null {
    this.#cluster.watcherPause = until;
    this.#changed();
    return until;
  }

  /**
   * Adds (uuid null) or replaces a job filter rule; returns its UUID. The watermark is the
   * highest job id so far, and luxid appends its own reason entry (nanosecond bigint).
   * @throws GenericError "Unable to parse UUID" for a malformed uuid.
   */
  ReplaceFilter(uuid: string | null, priority: number, predicates: unknown[], action: unknown, reason: unknown[]): string {
    if (uuid !== null && !UUID_RE.test(uuid)) throw new GenericError('Unable to parse UUID');
    const id = uuid ?? crypto.randomUUID();
    const ns = BigInt(Math.floor(this.#now())) * 1_000_000n;
    const rule = {
      uuid: id,
      watermark: this.#jobs.lastJobId,
      priority,
      predicates,
      action,
      reasonTrail: [...reason, ['luxid', '', ns]],
    };
    const filters = this.#cluster.filters;
    const at = filters.findIndex((f) => f.uuid === id);
    if (at >= 0) filters[at] = rule;
    else filters.push(rule);
    // A filter change makes luxid schedule again (configChangeNeedsRescheduling).
    this.#jobs.reschedule();
    this.#changed();
    return id;
  }

  /** @throws GenericError "Filter rule with UUID x does not exist". */
  DeleteFilter(uuid: string): null {
    const filters = this.#cluster.filters;
    const at = filters.findIndex((f) => f.uuid === uuid);
    if (at < 0) throw new GenericError(`Filter rule with UUID ${uuid} does not exist`);
    filters.splice(at, 1);
    this.#jobs.reschedule();
    this.#changed();
    return null;
  }

  /** Stops job timers and releases pending WaitForJobChange calls. Idempotent. */
  close(): void {
    this.#jobs.close();
  }
}
