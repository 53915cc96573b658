/**
 * The test opcodes (Ganeti 3.0 lib/cmdlib/test.py): OP_TEST_DELAY (the job queue does the
 * waiting), OP_TEST_JQUEUE, OP_TEST_OS_PARAMS, OP_TEST_ALLOCATOR (cluster-iallocator.ts)
 * and OP_TEST_DUMMY, which has no logical unit in Ganeti's master daemon.
 */
import { OpCodeUnknown, OpExecError } from '../../errors.js';
import { testAllocator } from './cluster-iallocator.js';
import { findNode, prereq } from './common.js';
import type { OpContext, OpExecutors, OpInput } from './context.js';
import { info, masterNode, pyRepr } from './lu-support.js';

/**
 * OP_TEST_DELAY (LUTestDelay): null. Like the LU's ExpandNames it resolves `on_nodes` to
 * full names and sets `on_node_uuids` (plus the master's with `on_master`) on the opcode
 * it was given, so the stored opcode shows them; the queue waits `duration` seconds.
 * @throws OpPrereqError "Duration must be greater than zero" (no error code), or
 *   "Node 'x' not known" (unknown_entity).
 */
function testDelay(op: OpInput, ctx: OpContext): unknown {
  if (!(Number(op['duration']) > 0)) throw prereq('Duration must be greater than zero');
  const names = Array.isArray(op['on_nodes']) ? (op['on_nodes'] as unknown[]) : [];
  const nodes = names.map((n) => findNode(ctx, n));
  const uuids = nodes.map((n) => n.uuid);
  const master = masterNode(ctx.cluster);
  if (op['on_master'] !== false && master && !uuids.includes(master.uuid)) uuids.push(master.uuid);
  const stored = op as Record<string, unknown>;
  stored['on_nodes'] = nodes.map((n) => n.name);
  stored['on_node_uuids'] = uuids;
  if (ctx.dryRun) return null;
  const repeat = Number(op['repeat'] ?? 0);
  for (let i = 0; i < repeat; i++) info(ctx, `Test delay iteration ${i}/${repeat - 1}`);
  return null;
}

/**
 * OP_TEST_JQUEUE (LUTestJqueue): true, or OpExecError "Opcode failure was requested" with
 * `fail`. The notifications ask a client to connect to a Unix socket the LU opens; the demo
 * opens none, so, as in Ganeti when no client connects, they fail with "Client didn't
 * connect in time (timed out)" (OpPrereqError for notify_waitlock, else OpExecError).
 */
function testJqueue(op: OpInput, ctx: OpContext): unknown {
  const noClient = "Client didn't connect in time (timed out)";
  if (op['notify_waitlock'] === true) throw prereq(noClient);
  info(ctx, 'Expanding names');
  if (ctx.dryRun) return null;
  if (op['notify_exec'] === true) throw new OpExecError(noClient);
  info(ctx, 'Executing');
  if (Array.isArray(op['log_messages']) && op['log_messages'].length > 0) throw new OpExecError(noClient);
  if (op['fail'] === true) throw new OpExecError('Opcode failure was requested');
  return true;
}

/** Whether a value is true for Python (`if value:`). */
function pyTruthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

/**
 * OP_TEST_OS_PARAMS (LUTestOsParams): null after logging the secret parameters as Python
 * prints them ("Secret OS parameters: {'a': 'b'}").
 * @throws OpExecError "Opcode needs secret parameters" for none (or an empty dict).
 */
function testOsParams(op: OpInput, ctx: OpContext): unknown {
  if (ctx.dryRun) return null;
  const secret = op['osparams_secret'];
  if (!pyTruthy(secret)) throw new OpExecError('Opcode needs secret parameters');
  ctx.log(`Secret OS parameters: ${pyRepr(secret)}`);
  return null;
}

/**
 * OP_TEST_DUMMY: Ganeti's master daemon has no logical unit for it (mcpu's dispatch table
 * lacks it; only unit tests use it), so the job fails with OpCodeUnknown "Unknown opcode".
 */
function testDummy(): unknown {
  throw new OpCodeUnknown('Unknown opcode');
}

/** The test executors, gathered into CLUSTER_OPS by cluster.ts. */
export const TEST_OPS: OpExecutors = {
  OP_TEST_DELAY: testDelay,
  OP_TEST_JQUEUE: testJqueue,
  OP_TEST_OS_PARAMS: testOsParams,
  OP_TEST_ALLOCATOR: testAllocator,
  OP_TEST_DUMMY: testDummy,
};
