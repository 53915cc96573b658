/**
 * Helpers every demo opcode executor shares: name expansion with the LUs' error texts,
 * change stamps, and the shape of set-params answers. Executors import from here
 * instead of writing their own.
 */
import { createGanetiError, OpPrereqError } from '../../errors.js';
import type { ClusterData, GroupData, InstanceData, NetworkData, NodeData } from '../cluster.js';
import type { OpContext, OpInput } from './context.js';

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

/**
 * An OpPrereqError as the LU raises it: with an error code, or, where the LU gives none,
 * with the message as its only argument (Python `OpPrereqError(msg)` travels as `[msg]`,
 * as e.g. CheckStorageTypeEnabled and LookupNodeGroup(None) raise it).
 */
export function prereq(message: string, code?: string): Error {
  return code === undefined ? createGanetiError('OpPrereqError', [message]) : new OpPrereqError(message, code);
}

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

/** ConfigWriter.LookupNodeGroup's search: the group with that uuid, else the one with that name. */
export function matchGroup(ctx: OpContext, target: unknown): GroupData | undefined {
  return ctx.cluster.groups.find((g) => g.uuid === target) ?? ctx.cluster.groups.find((g) => g.name === target);
}

/**
 * ConfigWriter.LookupNodeGroup: a group by uuid or name; no name (null) means the only
 * group, and is an OpPrereqError without code when there are several.
 * @throws OpPrereqError "Node group 'x' not found" (unknown_entity).
 */
export function findGroup(ctx: OpContext, target: unknown): GroupData {
  if (target === null || target === undefined) {
    const [only, ...more] = ctx.cluster.groups;
    if (!only || more.length > 0) throw prereq('More than one node group exists. Target group must be specified explicitly.');
    return only;
  }
  const found = matchGroup(ctx, target);
  if (!found) throw new OpPrereqError(`Node group '${String(target)}' not found`, ECODE.noent);
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

/** A JSON object parameter as a record; anything else (null, a list, a scalar) as `{}`. */
export function asDict(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** A JSON list parameter as an array; anything else as `[]`. */
export function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** Whether the opcode gives `key` a value (not missing, not None). */
export function isGiven(op: OpInput, key: string): boolean {
  return op[key] !== undefined && op[key] !== null;
}

/** Config objects in configuration order, which is by uuid. */
export function byUuid<T extends { uuid: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0));
}

/** DRBD metadata per disk, in MiB (constants.DRBD_META_SIZE). */
export const DRBD_META_MIB = 128;

/** The cluster's volume group name (the demo's nodes use "xenvg" when none is set). */
export function vgName(cluster: ClusterData): string {
  const vg = cluster.info['volume_group_name'];
  return typeof vg === 'string' && vg ? vg : 'xenvg';
}
