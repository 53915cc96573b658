/**
 * Helpers every demo opcode executor shares: name expansion with the LUs' error texts,
 * change stamps, and the shape of set-params answers. Executors import from here
 * instead of writing their own.
 */
import { OpPrereqError } from '../../errors.js';
import type { GroupData, InstanceData, NetworkData, NodeData } from '../cluster.js';
import type { OpContext } from './context.js';

/** Ganeti's OpPrereqError codes (errors.py `ECODE_*`). */
export const ECODE = {
  resolver: 'resolver_error',
  nores: 'insufficient_resources',
  tempNores: 'temp_insufficient_resources',
  inval: 'wrong_input',
  state: 'wrong_state',
  noent: 'unknown_entity',
  exists: 'already_exists',
  notunique: 'resource_not_unique',
  fault: 'internal_error',
  environ: 'environment_error',
} as const;

interface Named {
  name: string;
  uuid: string;
}

/**
 * ConfigWriter's name expansion: an exact name or uuid, else the one name that starts with
 * `name` followed by a dot (a short host name). Undefined when none or several match.
 */
export function expandName<T extends Named>(items: readonly T[], name: string): T | undefined {
  const exact = items.find((i) => i.name === name || i.uuid === name);
  if (exact) return exact;
  const partial = items.filter((i) => i.name.startsWith(`${name}.`));
  return partial.length === 1 ? partial[0] : undefined;
}

/** cmdlib/common.py `_ExpandItemName`: OpPrereqError "Instance 'x' not known" (unknown_entity). */
export function findInstance(ctx: OpContext, name: unknown): InstanceData {
  const found = expandName(ctx.cluster.instances, String(name));
  if (!found) throw new OpPrereqError(`Instance '${String(name)}' not known`, ECODE.noent);
  return found;
}

/** cmdlib/common.py `_ExpandItemName`: OpPrereqError "Node 'x' not known" (unknown_entity). */
export function findNode(ctx: OpContext, name: unknown): NodeData {
  const found = expandName(ctx.cluster.nodes, String(name));
  if (!found) throw new OpPrereqError(`Node '${String(name)}' not known`, ECODE.noent);
  return found;
}

/** ConfigWriter.LookupNodeGroup: OpPrereqError "Node group 'x' not found" (unknown_entity). */
export function findGroup(ctx: OpContext, name: unknown): GroupData {
  const found = ctx.cluster.groups.find((g) => g.name === name || g.uuid === name);
  if (!found) throw new OpPrereqError(`Node group '${String(name)}' not found`, ECODE.noent);
  return found;
}

/** ConfigWriter.LookupNetwork: OpPrereqError "Network 'x' not found" (unknown_entity). */
export function findNetwork(ctx: OpContext, name: unknown): NetworkData {
  const found = ctx.cluster.networks.find((n) => n.name === name || n.uuid === name);
  if (!found) throw new OpPrereqError(`Network '${String(name)}' not found`, ECODE.noent);
  return found;
}

/** Marks a config object changed, as ConfigWriter.Update does: mtime now, serial + 1. */
export function touch(obj: { mtime: number; serialNo: number }, ctx: OpContext): void {
  obj.mtime = ctx.now();
  obj.serialNo += 1;
}

/** A set-params LU's answer: `[[param, new value], ...]` in the order they were applied. */
export type ParamChanges = Array<[string, unknown]>;
