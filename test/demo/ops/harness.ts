/**
 * The one hand-built OpContext the executor tests (test/demo/ops/*.test.ts) run against: a
 * draft copy of the sample cluster, a fixed clock, the job log and the submitted jobs
 * kept for inspection, as the job queue (src/demo/jobs.ts) gives an executor.
 */
import assert from 'node:assert/strict';
import type { ClusterData, InstanceData, NodeData } from '../../../src/demo/cluster.js';
import { sampleCluster } from '../../../src/demo/cluster-sample.js';
import type { OpContext } from '../../../src/demo/ops/context.js';
import { OP_EXECUTORS } from '../../../src/demo/ops/index.js';
import { GanetiError } from '../../../src/errors.js';
import type { OpCode } from '../../../src/protocols/luxi/types.js';

/** What the harness's clock reads (seconds since the epoch). */
export const NOW = 2000000000.5;

/** The id of the job the opcode runs in. */
export const JOB_ID = 7;

/** The common opcode parameters luxid fills in, under the ones a test gives. */
const BASE_PARAMS = { priority: 0, debug_level: 0, reason: [['gnt:client', 'test', 1]] };

export interface Harness {
  ctx: OpContext;
  /** The draft the executors change. */
  cluster: ClusterData;
  /** The job log lines, in order. */
  logs: string[];
  /** Every job submitted through `ctx.submitJobs`, in order. */
  submitted: OpCode[][];
  /** Runs the executor of `op.OP_ID` (common parameters defaulted) and returns its result. */
  run(op: Record<string, unknown>): unknown;
  /** The draft's instance named `name` or `name.example.com`. */
  inst(name: string): InstanceData;
  /** The draft's node `node<n>.example.com`. */
  node(n: number): NodeData;
}

export interface HarnessOptions {
  /** Whether the opcode is a dry run. Default: false. */
  dryRun?: boolean;
  /** The cluster to run against, used as is. Default: a fresh copy of the sample. */
  cluster?: ClusterData;
}

/** A context whose clock reads NOW and whose submitted jobs get ids from 100 on. */
export function harness(opts: HarnessOptions = {}): Harness {
  const cluster = opts.cluster ?? structuredClone(sampleCluster());
  const logs: string[] = [];
  const submitted: OpCode[][] = [];
  const ctx: OpContext = {
    cluster,
    now: () => NOW,
    jobId: JOB_ID,
    dryRun: opts.dryRun ?? false,
    log: (m) => logs.push(m),
    submitJobs: (jobs) =>
      jobs.map((j) => {
        submitted.push(j);
        return [true, 99 + submitted.length];
      }),
  };
  return {
    ctx,
    cluster,
    logs,
    submitted,
    run(op) {
      const id = String(op['OP_ID']);
      const exec = OP_EXECUTORS[id];
      assert.ok(exec, `no executor for ${id}`);
      return exec({ ...BASE_PARAMS, ...op }, ctx);
    },
    inst: (name) => instance(cluster, name),
    node: (n) => node(cluster, n),
  };
}

/** The instance named `name` or `name.example.com`. */
export function instance(cluster: ClusterData, name: string): InstanceData {
  const found = cluster.instances.find((i) => i.name === name || i.name === `${name}.example.com`);
  assert.ok(found, `no instance ${name}`);
  return found;
}

/** The node `node<n>.example.com`. */
export function node(cluster: ClusterData, n: number): NodeData {
  const found = cluster.nodes.find((x) => x.name === `node${n}.example.com`);
  assert.ok(found, `no node node${n}.example.com`);
  return found;
}

/** Asserts that `fn` throws a GanetiError of `className` with exactly these wire args. */
export function assertGanetiError(fn: () => unknown, className: string, args: unknown[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof GanetiError, `not a GanetiError: ${String(err)}`);
    assert.equal(err.className, className);
    assert.deepEqual(err.args, args);
    return true;
  });
}
