/**
 * `ganeti-uds/demo`: the mock luxid. {@link DemoLuxid} implements every Luxi method over an
 * in-memory cluster ({@link sampleCluster}, or one read with {@link loadCluster}) and a job
 * queue whose jobs run on timers. Serve it with
 * `createServer(createLuxiHandler(new DemoLuxid()), { path })`.
 *
 * @module ganeti-uds/demo
 */
export { DemoLuxid } from './demo/luxid.js';
export type { DemoLuxidOptions } from './demo/luxid.js';
export { sampleCluster, loadCluster } from './demo/cluster.js';
export type {
  ClusterData,
  NodeData,
  NodeLive,
  GroupData,
  InstanceData,
  DiskData,
  NicData,
  NetworkData,
  FilterData,
  IPolicy,
  ISpec,
} from './demo/cluster.js';
export { JobQueue, DEFAULT_OP_DURATION_MS, DEFAULT_START_DELAY_MS } from './demo/jobs.js';
export type { JobQueueOptions, JobTimers, Job, QueuedOp, OpStatus, Timestamp } from './demo/jobs.js';
export { DemoParseError } from './demo/qlang.js';
export { FaultRuleError, parseFaultRule, parseFaultRules } from './demo/faults.js';
export type { FaultDecision, FaultRule, ResolvedFaultRule } from './demo/faults.js';
