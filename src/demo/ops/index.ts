/**
 * Every demo opcode executor by OP_ID, gathered from the files that own each area:
 * instances (instance.ts), nodes, groups and networks (node.ts), and the cluster, tags,
 * backups, OS, queries and test opcodes (cluster.ts).
 */
import { CLUSTER_OPS } from './cluster.js';
import type { OpExecutors } from './context.js';
import { INSTANCE_OPS } from './instance.js';
import { NODE_OPS } from './node.js';

export const OP_EXECUTORS: OpExecutors = { ...CLUSTER_OPS, ...INSTANCE_OPS, ...NODE_OPS };
