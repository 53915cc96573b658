/** A hand-built OpContext over a copy of the sample cluster, for the node/group/network executor tests. */
import assert from 'node:assert/strict';
import { type ClusterData, sampleCluster } from '../../../src/demo/cluster.js';
import type { OpContext } from '../../../src/demo/ops/context.js';
import { NODE_OPS } from '../../../src/demo/ops/node.js';
import { GanetiError } from '../../../src/errors.js';
import type { OpCode } from '../../../src/protocols/luxi/types.js';

export interface Harness {
  ctx: OpContext;
  cluster: ClusterData;
  logs: string[];
  submitted: OpCode[][];
  run(op: Record<string, unknown>): unknown;
}

/** A context whose clock reads 2000000000.5 and whose submitted jobs get ids from 100 on. */
export function harness(opts: { dryRun?: boolean; cluster?: ClusterData } = {}): Harness {
  const cluster = opts.cluster ?? structuredClone(sampleCluster());
  const logs: string[] = [];
  const submitted: OpCode[][] = [];
  const ctx: OpContext = {
    cluster,
    now: () => 2000000000.5,
    jobId: 42,
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
      const exec = NODE_OPS[id];
      assert.ok(exec, `no executor for ${id}`);
      return exec({ priority: 0, reason: [['gnt:client', 'test', 1]], ...op }, ctx);
    },
  };
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

export function node(cluster: ClusterData, n: number) {
  const found = cluster.nodes.find((x) => x.name === `node${n}.example.com`);
  assert.ok(found);
  return found;
}
