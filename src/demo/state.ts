/**
 * The demo's state on disk (`serve --demo --state FILE`): the cluster, the job queue and the
 * queue flags in one JSON document, so a restarted mock luxid goes on where it stopped, as
 * luxid does with its config and queue directory. Writes are atomic (a temporary file in
 * the same directory, fsync, rename); a file that is not a state of this version is an
 * error naming it, never a silent fresh start. Integers beyond 2^53 (reason timestamps)
 * are kept exact.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { JsonSyntaxError, parseExactJson, stringifyExactJson } from '../exact-json.js';
import { type ClusterData, loadCluster } from './cluster.js';
import type { Job } from './jobs.js';

/** The version of the state format; a file of another version is refused. */
export const STATE_VERSION = 1;

/** Everything a mock luxid needs to go on after a restart. */
export interface DemoState {
  cluster: ClusterData;
  /** The queue's drain flag. */
  drained: boolean;
  /** The next job id to hand out. */
  nextJobId: number;
  /** Every job, archived ones included, as the queue keeps them. */
  jobs: Job[];
}

/** A state file that cannot be used: it names the file, what is wrong, and the way out. */
export class StateFileError extends Error {
  override readonly name = 'StateFileError';
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`--state ${file}: ${problem} (fix or remove the file to start from the cluster again)`);
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Checks the shape of one stored job enough that the queue can run and query it. */
function checkJob(file: string, job: unknown, at: number): Job {
  const where = `jobs[${at}]`;
  if (!isRecord(job) || !isCount(job['id']) || !Array.isArray(job['ops'])) throw new StateFileError(file, `${where} is not a job`);
  for (const [i, op] of job['ops'].entries()) {
    if (!isRecord(op) || !isRecord(op['input']) || typeof op['input']['OP_ID'] !== 'string' || typeof op['status'] !== 'string') {
      throw new StateFileError(file, `${where}.ops[${i}] is not a queued opcode`);
    }
    if (!Array.isArray(op['log'])) throw new StateFileError(file, `${where}.ops[${i}].log is not a list`);
  }
  return job as unknown as Job;
}

/**
 * Reads a state file.
 * @returns the state, or undefined when there is no file yet (the caller starts afresh).
 * @throws StateFileError for a file that cannot be read or is not a state of this version.
 */
export function readStateFile(file: string): DemoState | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StateFileError(file, `cannot read it: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseExactJson(text);
  } catch (err) {
    if (err instanceof JsonSyntaxError || err instanceof SyntaxError) throw new StateFileError(file, `not valid JSON: ${err.message}`);
    throw err;
  }
  if (!isRecord(doc) || doc['ganetiUdsDemoState'] !== STATE_VERSION) {
    throw new StateFileError(file, `not a ganeti-uds demo state of version ${STATE_VERSION}`);
  }
  let cluster: ClusterData;
  try {
    cluster = loadCluster(doc['cluster']);
  } catch (err) {
    throw new StateFileError(file, (err as Error).message);
  }
  if (typeof doc['drained'] !== 'boolean') throw new StateFileError(file, 'drained is not a boolean');
  if (!isCount(doc['nextJobId']) || doc['nextJobId'] < 1) throw new StateFileError(file, 'nextJobId is not a positive integer');
  if (!Array.isArray(doc['jobs'])) throw new StateFileError(file, 'jobs is not a list');
  const jobs = doc['jobs'].map((j, i) => checkJob(file, j, i));
  const nextJobId = doc['nextJobId'];
  const clash = jobs.find((j) => j.id >= nextJobId);
  if (clash) throw new StateFileError(file, `job ${clash.id} is not below nextJobId ${nextJobId}`);
  return { cluster, drained: doc['drained'], nextJobId, jobs };
}

/**
 * Writes a state file atomically: a temporary file beside it, flushed to disk, then renamed
 * over the old one, so a crash leaves the old state or the new one, never half of either.
 */
export function writeStateFile(file: string, state: DemoState): void {
  const text = stringifyExactJson({ ganetiUdsDemoState: STATE_VERSION, ...state }) ?? '';
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, file);
  // The rename itself is durable once the directory is flushed.
  const dir = openSync(dirname(file), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

/**
 * Saves a state whenever `schedule()` is called, coalescing the calls of one event-loop
 * turn into one write. `flush()` writes at once if a save is pending (on shutdown).
 */
export class StateSaver {
  readonly #file: string;
  readonly #snapshot: () => DemoState;
  readonly #onError: (err: unknown) => void;
  #pending: NodeJS.Immediate | undefined;

  constructor(file: string, snapshot: () => DemoState, onError: (err: unknown) => void) {
    this.#file = file;
    this.#snapshot = snapshot;
    this.#onError = onError;
  }

  schedule(): void {
    this.#pending ??= setImmediate(() => this.flush());
  }

  flush(): void {
    if (this.#pending === undefined) return;
    clearImmediate(this.#pending);
    this.#pending = undefined;
    try {
      writeStateFile(this.#file, this.#snapshot());
    } catch (err) {
      this.#onError(err);
    }
  }
}
