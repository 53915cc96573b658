/**
 * Luxi value types and the server-side contract `LuxiImplementation`: one method per
 * Luxi call, named as on the wire, taking the arguments as luxid decodes them
 * (spec §6.1, Luxi.hs `decodeLuxiCall`). The dispatch (handler.ts) decodes and checks the
 * arguments; an implementation (the demo luxid, or yours) only answers.
 */

/**
 * A job id as sent on the wire: a non-negative integer (or a numeric string, which luxid
 * accepts). Ids beyond 2^53 (luxid allows 64-bit ones) are exact bigints.
 */
export type JobId = number | bigint;

/** A query filter in Ganeti's query language (qlang): `null` or a nested list such as `["=", "name", "node1"]`. */
export type QueryFilter = null | readonly unknown[];

/** What a `Query`/`QueryFields` call asks about. */
export type QueryResource =
  | 'cluster'
  | 'node'
  | 'instance'
  | 'group'
  | 'job'
  | 'lock'
  | 'os'
  | 'export'
  | 'extstorage'
  | 'network'
  | 'filter'
  | (string & {});

/** Field kinds (Ganeti `QFT_*`; `float` is QFTNumberFloat, e.g. `ndp/cpu_speed`). */
export type FieldKind = 'unknown' | 'text' | 'bool' | 'number' | 'float' | 'unit' | 'timestamp' | 'other';

/** A field definition, as in `Query` and `QueryFields` results. */
export interface FieldDefinition {
  name: string;
  title: string;
  kind: FieldKind;
  doc: string;
}

/** Result status of one cell (Ganeti `RS_*`): 0 normal, 1 unknown field, 2 no data, 3 unavailable, 4 offline. */
export type ResultStatus = 0 | 1 | 2 | 3 | 4;

/** One cell of a `Query` result: `[status, value]`. */
export type QueryCell = [status: ResultStatus, value: unknown];

/** The result of `Query`. */
export interface QueryResult {
  fields: FieldDefinition[];
  data: QueryCell[][];
}

/** The result of `QueryFields`. */
export interface QueryFieldsResult {
  fields: FieldDefinition[];
}

/** An opcode as sent in a job: a dict with `OP_ID` plus the opcode's parameters. */
export interface OpCode {
  OP_ID: string;
  [param: string]: unknown;
}

/** Job statuses in Ganeti's order. */
export const JOB_STATUSES = ['queued', 'waiting', 'canceling', 'running', 'canceled', 'success', 'error'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** A job log entry: `[serial, [seconds, microseconds], type, message]`. */
export type JobLogEntry = [serial: number, timestamp: [number, number], type: string, message: unknown];

/** The result of `WaitForJobChange`: current values of the fields, and new log entries. */
export type JobChange = [fieldValues: unknown[], logEntries: JobLogEntry[]];

/** One entry of a `SubmitManyJobs` result: `[true, jobId]` or `[false, errorMessage]`. */
export type SubmitManyResult = [true, JobId] | [false, string];

/**
 * A luxid: one method per Luxi call, named as on the wire. Arguments arrive decoded and
 * checked. Throw a GanetiError (e.g. `OpPrereqError`) to answer with a failure. Methods
 * may return promises (WaitForJobChange long-polls).
 */
export interface LuxiImplementation {
  Query(what: QueryResource, fields: string[], filter: QueryFilter): QueryResult | Promise<QueryResult>;
  QueryFields(what: QueryResource, fields: string[] | null): QueryFieldsResult | Promise<QueryFieldsResult>;
  QueryNodes(names: string[], fields: string[], useLocking: boolean): unknown[][] | Promise<unknown[][]>;
  QueryInstances(names: string[], fields: string[], useLocking: boolean): unknown[][] | Promise<unknown[][]>;
  QueryGroups(names: string[], fields: string[], useLocking: boolean): unknown[][] | Promise<unknown[][]>;
  QueryNetworks(names: string[], fields: string[], useLocking: boolean): unknown[][] | Promise<unknown[][]>;
  QueryExports(nodes: string[], useLocking: boolean): unknown[][] | Promise<unknown[][]>;
  QueryJobs(jobIds: JobId[] | null, fields: string[]): unknown[][] | Promise<unknown[][]>;
  QueryFilters(uuids: string[] | null, fields: string[]): unknown[][] | Promise<unknown[][]>;
  QueryConfigValues(fields: string[]): unknown[] | Promise<unknown[]>;
  QueryClusterInfo(): Record<string, unknown> | Promise<Record<string, unknown>>;
  QueryTags(kind: string, name: string): string[] | Promise<string[]>;
  SubmitJob(ops: OpCode[]): JobId | Promise<JobId>;
  SubmitJobToDrainedQueue(ops: OpCode[]): JobId | Promise<JobId>;
  SubmitManyJobs(jobs: OpCode[][]): SubmitManyResult[] | Promise<SubmitManyResult[]>;
  WaitForJobChange(
    jobId: JobId,
    fields: string[],
    prevJobInfo: unknown[] | null,
    prevLogSerial: number | null,
    timeoutSeconds: number,
  ): JobChange | Promise<JobChange>;
  PickupJob(jobId: JobId): null | Promise<null>;
  ArchiveJob(jobId: JobId): boolean | Promise<boolean>;
  AutoArchiveJobs(ageSeconds: number, timeoutSeconds: number): [number, number] | Promise<[number, number]>;
  CancelJob(jobId: JobId, kill: boolean): [boolean, string] | Promise<[boolean, string]>;
  ChangeJobPriority(jobId: JobId, priority: number): [boolean, string] | Promise<[boolean, string]>;
  SetDrainFlag(drained: boolean): boolean | Promise<boolean>;
  SetWatcherPause(until: number | null): number | null | Promise<number | null>;
  ReplaceFilter(uuid: string | null, priority: number, predicates: unknown[], action: unknown, reason: unknown[]): string | Promise<string>;
  DeleteFilter(uuid: string): null | Promise<null>;
}

/** The 25 Luxi method names, in Ganeti's order (Constants.hs `luxiReqAll`). */
export type LuxiMethod = keyof LuxiImplementation;
