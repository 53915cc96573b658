/**
 * What an opcode executor of the demo may touch: a draft of the cluster, the clock, the
 * job's log and the job queue (for opcodes that submit jobs). The queue (jobs.ts) runs
 * each executor against a draft copy and makes it the live cluster only when the
 * executor returns and the opcode is not a dry run, so a failing opcode changes nothing.
 */
import type { OpCode, SubmitManyResult } from '../../protocols/luxi/types.js';
import type { ClusterData } from '../cluster.js';

/** The world of one running opcode. */
export interface OpContext {
  /** A draft copy of the cluster: mutate freely. */
  readonly cluster: ClusterData;
  /** Seconds since the epoch (fractional), for ctime/mtime. */
  now(): number;
  /** The running job's id. */
  readonly jobId: number;
  /** Whether the opcode is a dry run: the draft is discarded after the executor returns. */
  readonly dryRun: boolean;
  /** Adds a message to the job's log, as an LU's `Feedback`/`LogInfo` does. */
  log(message: string): void;
  /** Submits follow-up jobs (evacuations, cluster verify); answers as SubmitManyJobs does. */
  submitJobs(jobs: OpCode[][]): SubmitManyResult[];
}

/** An opcode as an executor receives it: parameters by name, defaulted as luxid stores them. */
export type OpInput = Readonly<Record<string, unknown>>;

/**
 * Runs one validated opcode (parameters defaulted as luxid stores them) against
 * `ctx.cluster` and returns the LU's result. For a dry run it checks everything, changes
 * the draft or not, and returns what the LU's `dry_run_result` is (usually null).
 * @throws OpPrereqError (Ganeti's text and error code) when a prerequisite fails, or
 *   OpExecError when execution fails; the draft is then discarded.
 */
export type OpExecutor = (op: OpInput, ctx: OpContext) => unknown;

/** Executors by OP_ID. */
export type OpExecutors = Readonly<Record<string, OpExecutor>>;
