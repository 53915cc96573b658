/** A small scripted LuxiImplementation for tests: records every call and answers from fixed data. */
import { JobLost, OpPrereqError } from '../../../src/errors.js';
import type { JobChange, JobLogEntry, LuxiImplementation, LuxiMethod, OpCode, QueryResult } from '../../../src/protocols/luxi/types.js';

export interface RecordedCall {
  method: LuxiMethod;
  params: unknown[];
}

/** One scripted step of a job, as WaitForJobChange reveals it. */
export interface JobStep {
  status: string;
  log: JobLogEntry[];
}

export class FakeLuxid implements LuxiImplementation {
  readonly calls: RecordedCall[] = [];
  /** Steps WaitForJobChange walks through for job 1, one per call. */
  steps: JobStep[] = [];
  /** Answers "nochange" on these call numbers (0-based) of WaitForJobChange. */
  nochangeAt = new Set<number>();
  #wfjcCalls = 0;
  #logSoFar: JobLogEntry[] = [];

  #record(method: LuxiMethod, params: unknown[]): void {
    this.calls.push({ method, params });
  }

  Query(what: string, fields: string[], filter: null | readonly unknown[]): QueryResult {
    this.#record('Query', [what, fields, filter]);
    return {
      fields: fields.map((name) => ({ name, title: name.toUpperCase(), kind: 'text' as const, doc: `The ${name}` })),
      data: [fields.map((f) => [0, `${what}1-${f}`] as [0, unknown]), fields.map(() => [2, null] as [2, unknown])],
    };
  }
  QueryFields(what: string, fields: string[] | null) {
    this.#record('QueryFields', [what, fields]);
    return { fields: (fields ?? ['name']).map((name) => ({ name, title: name, kind: 'text' as const, doc: what })) };
  }
  QueryNodes(names: string[], fields: string[], useLocking: boolean) {
    this.#record('QueryNodes', [names, fields, useLocking]);
    if (useLocking) throw new OpPrereqError('Sync queries are not allowed', 'wrong_input');
    return [fields.map((f) => `node-${f}`)];
  }
  QueryInstances(names: string[], fields: string[], useLocking: boolean) {
    this.#record('QueryInstances', [names, fields, useLocking]);
    return [fields.map((f) => `inst-${f}`)];
  }
  QueryGroups(names: string[], fields: string[], useLocking: boolean) {
    this.#record('QueryGroups', [names, fields, useLocking]);
    return [['default']];
  }
  QueryNetworks(names: string[], fields: string[], useLocking: boolean) {
    this.#record('QueryNetworks', [names, fields, useLocking]);
    return [];
  }
  QueryExports(nodes: string[], useLocking: boolean) {
    this.#record('QueryExports', [nodes, useLocking]);
    return [['node1', null]];
  }
  QueryJobs(jobIds: number[] | null, fields: string[]) {
    this.#record('QueryJobs', [jobIds, fields]);
    const last = this.steps[this.steps.length - 1];
    return (jobIds ?? []).map((id) =>
      fields.map((f) => (f === 'id' ? id : f === 'status' ? (last?.status ?? 'queued') : f === 'opresult' ? ['done'] : null)),
    );
  }
  QueryFilters(uuids: string[] | null, fields: string[]) {
    this.#record('QueryFilters', [uuids, fields]);
    return [];
  }
  QueryConfigValues(fields: string[]) {
    this.#record('QueryConfigValues', [fields]);
    return fields.map((f) => (f === 'cluster_name' ? 'cluster.example.com' : null));
  }
  QueryClusterInfo() {
    this.#record('QueryClusterInfo', []);
    return { name: 'cluster.example.com', master: 'node1', protocol_version: 2020000 };
  }
  QueryTags(kind: string, name: string) {
    this.#record('QueryTags', [kind, name]);
    return [`${kind}:${name}`];
  }
  SubmitJob(ops: OpCode[]) {
    this.#record('SubmitJob', [ops]);
    return 1;
  }
  SubmitJobToDrainedQueue(ops: OpCode[]) {
    this.#record('SubmitJobToDrainedQueue', [ops]);
    return 2;
  }
  SubmitManyJobs(jobs: OpCode[][]) {
    this.#record('SubmitManyJobs', [jobs]);
    return jobs.map((_, i) => [true, 10 + i] as [true, number]);
  }
  WaitForJobChange(
    jobId: number,
    fields: string[],
    prevJobInfo: unknown[] | null,
    prevLogSerial: number | null,
    timeoutSeconds: number,
  ): JobChange {
    this.#record('WaitForJobChange', [jobId, fields, prevJobInfo, prevLogSerial, timeoutSeconds]);
    if (jobId !== 1) throw new JobLost("Can't load job file");
    const n = this.#wfjcCalls++;
    if (this.nochangeAt.has(n)) return 'nochange' as unknown as JobChange;
    const step = this.steps.shift();
    if (step === undefined) {
      // luxid on timeout: the unchanged value and no new entries.
      return [prevJobInfo ?? ['queued'], []];
    }
    this.#logSoFar.push(...step.log);
    if (this.steps.length === 0) this.steps.push({ status: step.status, log: [] });
    // Like luxid, answer every entry after prevLogSerial (all of them when it is null).
    const log = this.#logSoFar.filter((e) => prevLogSerial === null || e[0] > prevLogSerial);
    return [[step.status], log];
  }
  PickupJob(jobId: number): null {
    this.#record('PickupJob', [jobId]);
    return null;
  }
  ArchiveJob(jobId: number) {
    this.#record('ArchiveJob', [jobId]);
    return true;
  }
  AutoArchiveJobs(ageSeconds: number, timeoutSeconds: number): [number, number] {
    this.#record('AutoArchiveJobs', [ageSeconds, timeoutSeconds]);
    return [3, 0];
  }
  CancelJob(jobId: number, kill: boolean): [boolean, string] {
    this.#record('CancelJob', [jobId, kill]);
    return [true, `Dequeued job ${jobId}`];
  }
  ChangeJobPriority(jobId: number, priority: number): [boolean, string] {
    this.#record('ChangeJobPriority', [jobId, priority]);
    return [true, `priority ${priority}`];
  }
  SetDrainFlag(drained: boolean) {
    this.#record('SetDrainFlag', [drained]);
    return true;
  }
  SetWatcherPause(until: number | null) {
    this.#record('SetWatcherPause', [until]);
    return until;
  }
  ReplaceFilter(uuid: string | null, priority: number, predicates: unknown[], action: unknown, reason: unknown[]) {
    this.#record('ReplaceFilter', [uuid, priority, predicates, action, reason]);
    return uuid ?? 'new-uuid';
  }
  DeleteFilter(uuid: string): null {
    this.#record('DeleteFilter', [uuid]);
    return null;
  }
}
