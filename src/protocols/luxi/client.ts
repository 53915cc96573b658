/**
 * LuxiClient: a typed Luxi client (Ganeti lib/luxi.py `Client`, Haskell Luxi.hs) over one
 * connection from dispatch/client.ts, with opt-in re-sending of read-only calls after a
 * dropped connection, and helpers to wait for jobs and read query results.
 */
import type { AnyOpCode } from './opcodes/types.js';
import { type CallOptions, type Client, type ConnectClientOptions, connectClient } from '../../dispatch/client.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS, checkCount } from '../../defaults.js';
import { ConnectionClosedError, JobLost, RequestError } from '../../errors.js';
import {
  JOB_NOTCHANGED,
  LUXI_METHOD_TABLE,
  LUXI_WFJC_TIMEOUT_SECONDS,
  defaultQuerySocket,
  encodeLuxiArgs,
  type LuxiParams,
  type LuxiResult,
} from './methods.js';
import { queryRecords, type QueryRecordsOptions } from './query-result.js';
import type {
  JobChange,
  JobId,
  JobLogEntry,
  JobStatus,
  LuxiMethod,
  OpCode,
  QueryFieldsResult,
  QueryFilter,
  QueryResource,
  QueryResult,
} from './types.js';

/** Options of {@link LuxiClient.connect}. */
export interface LuxiClientOptions extends ConnectClientOptions {
  /** Time allowed for connecting, in ms. Default: 30000 (`luxiDefCtmo`). */
  connectTimeoutMs?: number;
  /** Time allowed for each answer, in ms. Default: 180000 (`luxiDefRwto`). */
  requestTimeoutMs?: number;
  /**
   * How many times a read-only call (the Query* calls and WaitForJobChange; see
   * `LuxiMethodSpec.readOnly`) is re-sent on a new connection after the connection closed
   * before its answer. Other calls (SubmitJob, CancelJob, SetDrainFlag, ...) are never
   * re-sent: they could act twice. Default: 0.
   */
  readOnlyRetries?: number;
}

/** Job statuses after which a job never changes again. */
export const FINAL_JOB_STATUSES: readonly JobStatus[] = ['success', 'error', 'canceled'];

/** Options of {@link LuxiClient.waitForJob}. */
export interface WaitForJobOptions {
  /** Called with each new job log entry, in order. */
  onProgress?: (entry: JobLogEntry) => void;
  /** Called with each status change. */
  onStatus?: (status: JobStatus) => void;
  /** Stops waiting; the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Seconds each WaitForJobChange may block on the server. Default: 89 (`luxiWfjcTimeout`). */
  pollTimeoutSeconds?: number;
}

/** The outcome of a finished job. */
export interface JobOutcome {
  jobId: JobId;
  status: JobStatus;
  /** The job's `opresult` field: one result per opcode (an error for a failed one). */
  opresult: unknown[];
}

/** A typed Luxi client. Create with {@link LuxiClient.connect}; calls on one client go out in order. */
export class LuxiClient {
  readonly #path: string;
  readonly #options: LuxiClientOptions;
  readonly #readOnlyRetries: number;
  #client: Client;

  private constructor(path: string, client: Client, options: LuxiClientOptions, readOnlyRetries: number) {
    this.#path = path;
    this.#client = client;
    this.#options = options;
    this.#readOnlyRetries = readOnlyRetries;
  }

  /**
   * Connects to luxid's socket. Default path: `defaultQuerySocket()`
   * (`$GANETI_ROOTDIR/var/run/ganeti/socket/ganeti-query`).
   * @throws NoMasterError, PermissionError, TimeoutError (see connectSocket); RangeError for a bad option.
   */
  static async connect(path: string = defaultQuerySocket(), options: LuxiClientOptions = {}): Promise<LuxiClient> {
    const retries = checkCount('readOnlyRetries', options.readOnlyRetries ?? 0);
    const resolved: LuxiClientOptions = {
      ...options,
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    };
    const client = await connectClient(path, resolved);
    return new LuxiClient(path, client, resolved, retries);
  }

  /** The socket path this client talks to. */
  get path(): string {
    return this.#path;
  }

  /**
   * Calls `method` with `params` (encoded as the table says) and resolves with its result.
   * A connection found closed before sending is re-opened (nothing was sent yet).
   * @throws the server's GanetiError; RequestError for a plain-string failure (a parse
   *   error: the server then closes); ConnectionClosedError; TimeoutError.
   */
  async call<M extends LuxiMethod>(method: M, params: LuxiParams<M>, options: CallOptions = {}): Promise<LuxiResult<M>> {
    const args = encodeLuxiArgs(method, params);
    let retries = LUXI_METHOD_TABLE[method].readOnly ? this.#readOnlyRetries : 0;
    for (;;) {
      if (this.#client.closed) await this.#reconnect(options.signal);
      try {
        return (await this.#client.call(method, args, options)) as LuxiResult<M>;
      } catch (err) {
        // After a parse failure luxid closes the connection (spec §4): drop it now, so the
        // next call opens a new one instead of writing into the closing one.
        if (err instanceof RequestError) this.#client.destroy();
        if (!(err instanceof ConnectionClosedError) || retries === 0) throw err;
        retries--;
        this.#client.destroy();
      }
    }
  }

  async #reconnect(signal: AbortSignal | undefined): Promise<void> {
    this.#client = await connectClient(this.#path, signal ? { ...this.#options, signal } : this.#options);
  }

  /** Closes the connection, after answers still due. */
  close(): Promise<void> {
    return this.#client.close();
  }

  /** Closes the connection at once; calls in flight fail. */
  destroy(): void {
    this.#client.destroy();
  }

  // Query calls (read-only).

  queryNodes(names: string[], fields: string[], useLocking = false, options?: CallOptions): Promise<unknown[][]> {
    return this.call('QueryNodes', [names, fields, useLocking], options);
  }
  queryInstances(names: string[], fields: string[], useLocking = false, options?: CallOptions): Promise<unknown[][]> {
    return this.call('QueryInstances', [names, fields, useLocking], options);
  }
  queryGroups(names: string[], fields: string[], useLocking = false, options?: CallOptions): Promise<unknown[][]> {
    return this.call('QueryGroups', [names, fields, useLocking], options);
  }
  queryNetworks(names: string[], fields: string[], useLocking = false, options?: CallOptions): Promise<unknown[][]> {
    return this.call('QueryNetworks', [names, fields, useLocking], options);
  }
  queryExports(nodes: string[], useLocking = false, options?: CallOptions): Promise<unknown[][]> {
    return this.call('QueryExports', [nodes, useLocking], options);
  }
  /** `jobIds` null or `[]` means all jobs. */
  queryJobs(jobIds: JobId[] | null, fields: string[], options?: CallOptions): Promise<unknown[][]> {
    return this.call('QueryJobs', [jobIds, fields], options);
  }
  /** `uuids` null or `[]` means all filter rules. */
  queryFilters(uuids: string[] | null, fields: string[], options?: CallOptions): Promise<unknown[][]> {
    return this.call('QueryFilters', [uuids, fields], options);
  }
  queryConfigValues(fields: string[], options?: CallOptions): Promise<unknown[]> {
    return this.call('QueryConfigValues', [fields], options);
  }
  queryClusterInfo(options?: CallOptions): Promise<Record<string, unknown>> {
    return this.call('QueryClusterInfo', [], options);
  }
  /** `kind` is `cluster`, `node`, `instance`, `nodegroup` or `network`. */
  queryTags(kind: string, name: string, options?: CallOptions): Promise<string[]> {
    return this.call('QueryTags', [kind, name], options);
  }
  /** The generic query (`Query`); build `filter` with `qlang`. */
  query(what: QueryResource, fields: string[], filter: QueryFilter = null, options?: CallOptions): Promise<QueryResult> {
    return this.call('Query', [what, fields, filter], options);
  }
  /** `Query`, unwrapped into one record per row (see {@link queryRecords}). */
  async queryAsRecords(
    what: QueryResource,
    fields: string[],
    filter: QueryFilter = null,
    options: CallOptions & QueryRecordsOptions = {},
  ): Promise<Record<string, unknown>[]> {
    return queryRecords(await this.query(what, fields, filter, options), options);
  }
  /** Field definitions; `fields` null means all fields. */
  queryFields(what: QueryResource, fields: string[] | null = null, options?: CallOptions): Promise<QueryFieldsResult> {
    return this.call('QueryFields', [what, fields], options);
  }

  // Job calls (never re-sent).

  // The submit calls take typed opcodes (opcodes/types.ts: a misspelt parameter does not
  // compile; cast data of unknown shape, which luxid then checks) and send each with
  // `reason: []` when it has none: luxid refuses an opcode without a reason trail, and
  // Python's opcode constructors fill the same default.

  submitJob(ops: AnyOpCode[], options?: CallOptions): Promise<JobId> {
    return this.call('SubmitJob', [ops.map(withReason)], options);
  }
  submitJobToDrainedQueue(ops: AnyOpCode[], options?: CallOptions): Promise<JobId> {
    return this.call('SubmitJobToDrainedQueue', [ops.map(withReason)], options);
  }
  submitManyJobs(jobs: AnyOpCode[][], options?: CallOptions): Promise<LuxiResult<'SubmitManyJobs'>> {
    return this.call('SubmitManyJobs', [jobs.map((ops) => ops.map(withReason))], options);
  }
  /**
   * One WaitForJobChange: blocks up to `timeoutSeconds` (capped at 89) for the job's
   * `fields` to differ from `prevJobInfo` or for log entries after `prevLogSerial`.
   * Resolves with `[values, newLogEntries]`, or `"nochange"` if the server says so
   * (luxid itself answers the unchanged values instead).
   */
  waitForJobChangeOnce(
    jobId: JobId,
    fields: string[],
    prevJobInfo: unknown[] | null,
    prevLogSerial: number | null,
    timeoutSeconds = LUXI_WFJC_TIMEOUT_SECONDS,
    options?: CallOptions,
  ): Promise<JobChange | typeof JOB_NOTCHANGED> {
    return this.call('WaitForJobChange', [jobId, fields, prevJobInfo, prevLogSerial, timeoutSeconds], options) as Promise<
      JobChange | typeof JOB_NOTCHANGED
    >;
  }
  /** WaitForJobChange repeated while the answer is `"nochange"` (Python `WaitForJobChange`). */
  async waitForJobChange(
    jobId: JobId,
    fields: string[],
    prevJobInfo: unknown[] | null,
    prevLogSerial: number | null,
    options?: CallOptions,
  ): Promise<JobChange> {
    for (;;) {
      const result = await this.waitForJobChangeOnce(jobId, fields, prevJobInfo, prevLogSerial, LUXI_WFJC_TIMEOUT_SECONDS, options);
      if (result !== JOB_NOTCHANGED) return result;
    }
  }
  /** Always refused by luxid ("for internal use only"); kept for completeness. */
  pickupJob(jobId: JobId, options?: CallOptions): Promise<null> {
    return this.call('PickupJob', [jobId], options);
  }
  archiveJob(jobId: JobId, options?: CallOptions): Promise<boolean> {
    return this.call('ArchiveJob', [jobId], options);
  }
  /** Archives finished jobs older than `ageSeconds`; resolves with `[archived, remaining]`. */
  autoArchiveJobs(ageSeconds: number, timeoutSeconds = LUXI_WFJC_TIMEOUT_SECONDS, options?: CallOptions): Promise<[number, number]> {
    return this.call('AutoArchiveJobs', [ageSeconds, timeoutSeconds], options);
  }
  cancelJob(jobId: JobId, kill = false, options?: CallOptions): Promise<[boolean, string]> {
    return this.call('CancelJob', [jobId, kill], options);
  }
  changeJobPriority(jobId: JobId, priority: number, options?: CallOptions): Promise<[boolean, string]> {
    return this.call('ChangeJobPriority', [jobId, priority], options);
  }
  setDrainFlag(drained: boolean, options?: CallOptions): Promise<boolean> {
    return this.call('SetDrainFlag', [drained], options);
  }
  /** Pauses the watcher until `until` (seconds since the epoch), or unpauses with null. */
  setWatcherPause(until: number | null, options?: CallOptions): Promise<number | null> {
    return this.call('SetWatcherPause', [until], options);
  }
  /** Adds (uuid null) or replaces a job filter rule; resolves with its uuid. */
  replaceFilter(
    uuid: string | null,
    priority: number,
    predicates: unknown[],
    action: unknown,
    reason: unknown[],
    options?: CallOptions,
  ): Promise<string> {
    return this.call('ReplaceFilter', [uuid, priority, predicates, action, reason], options);
  }
  deleteFilter(uuid: string, options?: CallOptions): Promise<null> {
    return this.call('DeleteFilter', [uuid], options);
  }

  // Helpers.

  /**
   * Waits until the job is finished (success, error or canceled), looping
   * WaitForJobChange on `["status"]`; reports new log entries and status changes.
   * Resolves with the final status and the job's `opresult`.
   * @throws JobLost when the job does not exist; the server's errors; `signal.reason` on abort.
   */
  async waitForJob(jobId: JobId, options: WaitForJobOptions = {}): Promise<JobOutcome> {
    const { onProgress, onStatus, signal } = options;
    const pollSeconds = options.pollTimeoutSeconds ?? LUXI_WFJC_TIMEOUT_SECONDS;
    let prevInfo: unknown[] | null = null;
    let prevSerial: number | null = null;
    let status: JobStatus | undefined;
    while (status === undefined || !FINAL_JOB_STATUSES.includes(status)) {
      signal?.throwIfAborted();
      const change = await this.waitForJobChangeOnce(jobId, ['status'], prevInfo, prevSerial, pollSeconds, signal ? { signal } : {});
      if (change === JOB_NOTCHANGED) continue;
      if (!Array.isArray(change)) throw new JobLost(`Job ${jobId} not found`);
      const [info, log] = change;
      for (const entry of log ?? []) {
        const serial = entry[0];
        if (prevSerial !== null && serial <= prevSerial) continue;
        prevSerial = serial;
        onProgress?.(entry);
      }
      const next = info[0] as JobStatus;
      if (next !== status) onStatus?.(next);
      status = next;
      prevInfo = info;
    }
    const rows = await this.queryJobs([jobId], ['status', 'opresult'], signal ? { signal } : {});
    const row = rows[0];
    if (row === undefined || row[0] === null) throw new JobLost(`Job ${jobId} not found`);
    return { jobId, status: row[0] as JobStatus, opresult: Array.isArray(row[1]) ? row[1] : [] };
  }

  /** Submits a job and waits for it: {@link submitJob} then {@link waitForJob}. */
  async submitJobAndWait(ops: AnyOpCode[], options: WaitForJobOptions = {}): Promise<JobOutcome> {
    const jobId = await this.submitJob(ops, options.signal ? { signal: options.signal } : {});
    return this.waitForJob(jobId, options);
  }
}

/** The opcode, with `reason: []` added when it has no `reason` key (Python's default). */
function withReason(op: AnyOpCode): OpCode {
  return 'reason' in op && op.reason != null ? (op as OpCode) : { ...op, reason: [] };
}
