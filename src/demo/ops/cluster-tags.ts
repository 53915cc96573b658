/**
 * The tag opcodes (Ganeti 3.0 lib/cmdlib/tags.py): OP_TAGS_GET, OP_TAGS_SET, OP_TAGS_DEL
 * and OP_TAGS_SEARCH over the cluster, nodes, instances, node groups and networks, with
 * objects.py TaggableObject's validation texts. The cluster's tags live in its info dict.
 */
import { compareCodePoints } from '../../protocols/luxi/opcodes/named-types.js';
import { OpExecError, OpPrereqError, TagError } from '../../errors.js';
import { byUuid, ECODE, findGroup, findInstance, findNetwork, findNode, touch } from './common.js';
import type { OpContext, OpExecutors, OpInput } from './context.js';

/** constants.MAX_TAG_LEN. */
export const MAX_TAG_LEN = 128;
/** constants.MAX_TAGS_PER_OBJ. */
export const MAX_TAGS_PER_OBJ = 4096;

/**
 * objects.py TaggableObject.VALID_TAG_RE: word characters (Python 3's Unicode `\w`: letters,
 * numbers, underscore) and `. + * / : @ -`. Python's `$` also matches before one final newline.
 */
const VALID_TAG_RE = /^[\p{L}\p{N}_.+*/:@-]+\n?$/u;

/**
 * TaggableObject.ValidateTag.
 * @throws TagError "Invalid tag type (not a string)", "Tag too long (>128 characters)",
 *   "Tags cannot be empty" or "Tag contains invalid characters".
 */
export function validateTag(tag: unknown): asserts tag is string {
  if (typeof tag !== 'string') throw new TagError('Invalid tag type (not a string)');
  // Python counts code points, not UTF-16 units.
  if ([...tag].length > MAX_TAG_LEN) throw new TagError(`Tag too long (>${MAX_TAG_LEN} characters)`);
  if (tag === '') throw new TagError('Tags cannot be empty');
  if (!VALID_TAG_RE.test(tag)) throw new TagError('Tag contains invalid characters');
}

/** A tagged object: its tag list and how the LU's `cfg.Update` marks it changed. */
interface Target {
  tags: string[];
  update(ctx: OpContext): void;
}

/** Python's AttributeError on the None the config lookup gave, as the job reports it. */
const noneHasNo = (attr: string) => new OpExecError(`'NoneType' object has no attribute '${attr}'`);

/**
 * TagsLU.ExpandNames + CheckPrereq: the object named by `kind` and `name`, or null for a
 * network lookup of no name (ConfigWriter.LookupNetwork(None) finds nothing, and the LU
 * only trips over that when it touches the tags).
 * @throws OpPrereqError "Node 'x' not known", "Instance 'x' not known" (unknown_entity),
 *   "Node group 'x' not found", "Network 'x' not found", or "More than one node group
 *   exists. Target group must be specified explicitly." for a group of no name.
 * @throws OpExecError for a node or instance of no name (ExpandNames calls `.upper()` on None).
 */
function findTarget(op: OpInput, ctx: OpContext): Target | null {
  const name = op['name'] ?? null;
  const obj = (o: { tags: string[]; mtime: number; serialNo: number }): Target => ({ tags: o.tags, update: (c) => touch(o, c) });
  switch (op['kind']) {
    case 'cluster': {
      const info = ctx.cluster.info;
      return {
        tags: info.tags,
        update: (c) => {
          info['mtime'] = c.now();
        },
      };
    }
    case 'node':
      if (name === null) throw noneHasNo('upper');
      return obj(findNode(ctx, name));
    case 'instance':
      if (name === null) throw noneHasNo('upper');
      return obj(findInstance(ctx, name));
    case 'nodegroup':
      return obj(findGroup(ctx, name));
    case 'network':
      return name === null ? null : obj(findNetwork(ctx, name));
    default:
      throw new OpPrereqError(`Wrong tag type requested (${String(op['kind'])})`, ECODE.inval);
  }
}

const tagList = (op: OpInput): unknown[] => (Array.isArray(op['tags']) ? (op['tags'] as unknown[]) : []);

/** OP_TAGS_GET (LUTagsGet): the object's tags. */
function tagsGet(op: OpInput, ctx: OpContext): unknown {
  const target = findTarget(op, ctx);
  if (ctx.dryRun) return null;
  if (!target) throw noneHasNo('GetTags');
  return [...target.tags];
}

/**
 * OP_TAGS_SET (LUTagsSet): adds the tags (a tag already there stays once).
 * @throws TagError for an invalid tag (CheckPrereq), OpExecError "Error while setting tag:
 *   Too many tags" past MAX_TAGS_PER_OBJ (Exec; nothing is saved).
 */
function tagsSet(op: OpInput, ctx: OpContext): unknown {
  const target = findTarget(op, ctx);
  const tags = tagList(op);
  for (const tag of tags) validateTag(tag);
  if (ctx.dryRun) return null;
  if (!target) throw noneHasNo('AddTag');
  for (const tag of tags as string[]) {
    // TaggableObject.AddTag counts before it adds, so a full object refuses even a tag it has.
    if (target.tags.length >= MAX_TAGS_PER_OBJ) throw new OpExecError('Error while setting tag: Too many tags');
    if (!target.tags.includes(tag)) target.tags.push(tag);
  }
  // Ganeti keeps tags as a set (THH `TagSet`): luxid answers them sorted.
  target.tags.sort(compareCodePoints);
  target.update(ctx);
  return null;
}

/**
 * OP_TAGS_DEL (LUTagsDel): removes the tags.
 * @throws OpPrereqError "Tag(s) 'a', 'b' not found" (unknown_entity, sorted) when any is missing.
 */
function tagsDel(op: OpInput, ctx: OpContext): unknown {
  const target = findTarget(op, ctx);
  const tags = tagList(op);
  for (const tag of tags) validateTag(tag);
  if (!target) throw noneHasNo('GetTags');
  const missing = [...new Set(tags as string[])].filter((t) => !target.tags.includes(t)).sort();
  if (missing.length > 0) {
    throw new OpPrereqError(`Tag(s) ${missing.map((t) => `'${t}'`).join(', ')} not found`, ECODE.noent);
  }
  if (ctx.dryRun) return null;
  for (const tag of tags as string[]) {
    const at = target.tags.indexOf(tag);
    if (at >= 0) target.tags.splice(at, 1);
  }
  target.update(ctx);
  return null;
}

/** Python's `re.compile` stand-in: a Unicode RegExp, else a plain one (laxer escapes). */
function compilePattern(pattern: string): RegExp {
  try {
    return new RegExp(pattern, 'u');
  } catch {
    return new RegExp(pattern);
  }
}

/**
 * OP_TAGS_SEARCH (LUTagsSearch): `[[path, tag], ...]` for every tag matching `pattern`, over
 * "/cluster", "/instances/x", "/nodes/x", "/nodegroup/x" and "/network/x" in that order
 * (objects in configuration order, which is by uuid).
 * @throws OpPrereqError "Invalid search pattern 'p': reason" (wrong_input); the reason is
 *   JavaScript's text, not Python's.
 */
function tagsSearch(op: OpInput, ctx: OpContext): unknown {
  const pattern = String(op['pattern']);
  let re: RegExp;
  try {
    re = compilePattern(pattern);
  } catch (err) {
    throw new OpPrereqError(`Invalid search pattern '${pattern}': ${(err as Error).message}`, ECODE.inval);
  }
  if (ctx.dryRun) return null;
  const c = ctx.cluster;
  const targets: Array<[string, readonly string[]]> = [
    ['/cluster', c.info.tags],
    ...byUuid(c.instances).map((o): [string, string[]] => [`/instances/${o.name}`, o.tags]),
    ...byUuid(c.nodes).map((o): [string, string[]] => [`/nodes/${o.name}`, o.tags]),
    ...byUuid(c.groups).map((o): [string, string[]] => [`/nodegroup/${o.name}`, o.tags]),
    ...byUuid(c.networks).map((o): [string, string[]] => [`/network/${o.name}`, o.tags]),
  ];
  return targets.flatMap(([path, tags]) => tags.filter((t) => re.test(t)).map((t) => [path, t]));
}

/** The tag executors, gathered into CLUSTER_OPS by cluster.ts. */
export const TAG_OPS: OpExecutors = {
  OP_TAGS_GET: tagsGet,
  OP_TAGS_SET: tagsSet,
  OP_TAGS_DEL: tagsDel,
  OP_TAGS_SEARCH: tagsSearch,
};
