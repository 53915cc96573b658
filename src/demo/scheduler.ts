/**
 * The scheduling policy of the demo luxid, as Ganeti 3.0's JQScheduler decides it: which
 * queued jobs start next (`selectJobsToRun`: dependencies, priority, ad-hoc reason rate
 * limits, then the job filter rules of JQScheduler/Filtering.hs), and which filter rule
 * applies to a job. Pure functions over job data; jobs.ts owns the queue and the timers.
 */
import type { FilterData } from './cluster.js';
import type { FieldSpec } from './fields.js';
import { ok } from './fields.js';
import { type Filter, type FilterValue, evaluateFilter, parseFilter } from './qlang.js';

/** An opcode's dependencies as `[absolute job id, allowed statuses]` (JQueue.hs `getJobDependencies`). */
export function dependencies(op: Record<string, unknown>): Array<[number, string[]]> {
  const deps = op['depends'];
  if (!Array.isArray(deps)) return [];
  return deps.map((d: unknown) => {
    const [id, statuses] = Array.isArray(d) ? d : [];
    return [Number(id), Array.isArray(statuses) ? statuses.map(String) : []];
  });
}

/** A dependency's verdict: wait, go on, cancel the job, or fail it with `error`. */
export type DepCheck = { wait: true } | { wait: false; cancel?: true; error?: string };

/**
 * What a job process decides about one dependency (Python jqueue
 * `_JobDependencyManager.CheckAndRegister`), with its messages.
 * @param finalStatus the dependency's status once finished, null while it is not, undefined
 *   for a job the queue does not know.
 */
export function checkDependency(jobId: number, dep: number, statuses: readonly string[], finalStatus: string | null | undefined): DepCheck {
  if (dep === jobId) return { wait: false, error: "Job can't depend on itself" };
  if (finalStatus === undefined) return { wait: false, error: `Dependency error: Job ${dep} not found` };
  if (finalStatus === null) return { wait: true };
  if (finalStatus === 'canceled' && !statuses.includes('canceled')) return { wait: false, cancel: true };
  if (statuses.length === 0 || statuses.includes(finalStatus)) return { wait: false };
  return {
    wait: false,
    error: `Dependency job ${dep} finished with status '${finalStatus}', not one of '${statuses.join(', ')}' as required`,
  };
}

/** What the policy needs of a job. */
export interface SchedJob {
  id: number;
  /** The job's opcodes as stored (common parameters included). */
  ops: readonly Record<string, unknown>[];
  /** The job's priority (`calcJobPriority`): lower runs first. */
  priority: number;
}

/** The filter actions (Objects.hs `FilterAction`). */
export type FilterAction = 'ACCEPT' | 'PAUSE' | 'REJECT' | 'CONTINUE' | { rateLimit: number };

/** The action of a stored rule. */
export function ruleAction(rule: FilterData): FilterAction {
  const a = rule.action;
  if (Array.isArray(a) && a[0] === 'RATE_LIMIT' && typeof a[1] === 'number') return { rateLimit: a[1] };
  if (a === 'ACCEPT' || a === 'PAUSE' || a === 'REJECT' || a === 'CONTINUE') return a;
  return 'CONTINUE';
}

/** Parameters every opcode has; they are not part of the opcode proper (`metaParams`). */
const COMMON_PARAMS = new Set(['dry_run', 'debug_level', 'priority', 'depends', 'comment', 'reason']);

/** Rules in the order luxid applies them: priority, then watermark, then UUID (`filterRuleOrder`). */
export function orderRules(rules: readonly FilterData[]): FilterData[] {
  return [...rules].sort(
    (a, b) => a.priority - b.priority || a.watermark - b.watermark || (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0),
  );
}

type Comparison = '==' | '<' | '>' | '<=' | '>=';

function cmp(op: Comparison, order: number): boolean {
  switch (op) {
    case '==':
      return order === 0;
    case '<':
      return order < 0;
    case '>':
      return order > 0;
    case '<=':
      return order <= 0;
    case '>=':
      return order >= 0;
  }
}

/** Numeric order; integers compare exactly (bigint timestamps above 2^53 included). */
function numOrder(a: number | bigint, b: number | bigint): number {
  const exact = (v: number | bigint) => typeof v === 'bigint' || Number.isInteger(v);
  const [x, y] = exact(a) && exact(b) ? [BigInt(a), BigInt(b)] : [Number(a), Number(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Haskell's derived order of `FilterValue`: every QuotedString before every NumericValue. */
function valueOrder(a: FilterValue, b: FilterValue): number {
  const sa = typeof a === 'string';
  const sb = typeof b === 'string';
  if (sa !== sb) return sa ? -1 : 1;
  if (sa && sb) return a < b ? -1 : a > b ? 1 : 0;
  return numOrder(a as number | bigint, b as number | bigint);
}

/** Rank of a JSON value's constructor in Text.JSON's derived `Ord JSValue`. */
function jsonRank(v: unknown): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'boolean') return 1;
  if (typeof v === 'number' || typeof v === 'bigint') return 2;
  if (typeof v === 'string') return 3;
  if (Array.isArray(v)) return 4;
  return 5;
}

/** Text.JSON's derived order of JSON values (`JSNull < JSBool < JSRational < JSString < JSArray < JSObject`). */
function jsonOrder(a: unknown, b: unknown): number {
  const ra = jsonRank(a);
  const rb = jsonRank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 1) return Number(a) - Number(b);
  if (ra === 2) return numOrder(a as number | bigint, b as number | bigint);
  if (ra === 3) return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
  if (ra === 4) {
    const x = a as unknown[];
    const y = b as unknown[];
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const o = jsonOrder(x[i], y[i]);
      if (o !== 0) return o;
    }
    return x.length - y.length;
  }
  if (ra === 5) return JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0;
  return 0;
}

/**
 * `evaluateFilterComparator`: only comparisons count; any other leaf, or a comparison on a
 * field the predicate does not know (`leaf` answers undefined), makes the whole predicate false.
 */
function comparatorOnly(f: Filter, leaf: (op: Comparison, field: string, value: FilterValue) => boolean | undefined): boolean {
  const walk = (x: Filter): boolean | undefined => {
    switch (x.op) {
      case 'empty':
        return true;
      case 'and': {
        for (const a of x.args) {
          const r = walk(a);
          if (r !== true) return r;
        }
        return true;
      }
      case 'or': {
        for (const a of x.args) {
          const r = walk(a);
          if (r !== false) return r;
        }
        return false;
      }
      case 'not': {
        const r = walk(x.arg);
        return r === undefined ? undefined : !r;
      }
      case '==':
      case '<':
      case '>':
      case '<=':
      case '>=':
        return leaf(x.op, x.field, x.value);
      default:
        return undefined;
    }
  };
  return walk(f) ?? false;
}

/** A dotted field of an opcode's JSON (`nestedAccessByKeyDotted`); undefined when missing. */
function dotted(op: Record<string, unknown>, path: string): unknown {
  let v: unknown = op;
  for (const key of path.split('.')) {
    if (v === null || typeof v !== 'object' || Array.isArray(v) || !Object.hasOwn(v, key)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/** One leaf over a plain JSON value, through qlang (regular expressions, `=[]`, `?`). */
function qlangLeaf(f: Filter, value: unknown): boolean {
  const spec: FieldSpec<unknown> = { def: { name: 'v', title: 'v', kind: 'other', doc: '' }, get: () => ok(value) };
  return evaluateFilter({ ...f, field: 'v' } as Filter, null, null as never, new Map([['v', spec]]));
}

/** `evaluateFilterJSON` on one opcode: a missing field or a type error makes it false. */
function opcodeMatches(f: Filter, op: Record<string, unknown>): boolean {
  const proper = Object.fromEntries(Object.entries(op).filter(([k]) => !COMMON_PARAMS.has(k)));
  const walk = (x: Filter): boolean => {
    switch (x.op) {
      case 'empty':
        return true;
      case 'and':
        return x.args.every(walk);
      case 'or':
        return x.args.some(walk);
      case 'not':
        return !walk(x.arg);
      default: {
        const value = dotted(proper, x.field);
        if (value === undefined) throw new Missing();
        if (x.op === '==' || x.op === '<' || x.op === '>' || x.op === '<=' || x.op === '>=') return cmp(x.op, jsonOrder(value, x.value));
        return qlangLeaf(x, value);
      }
    }
  };
  try {
    return walk(f);
  } catch {
    return false;
  }
}

class Missing extends Error {}

function parsed(predicate: unknown): [string, Filter] | null {
  if (!Array.isArray(predicate) || typeof predicate[0] !== 'string') return null;
  try {
    return [predicate[0], parseFilter(predicate[1] ?? null)];
  } catch {
    return null;
  }
}

/** Whether one predicate holds for a job (Filtering.hs `matchPredicate`). */
export function matchPredicate(job: SchedJob, watermark: number, predicate: unknown): boolean {
  const p = parsed(predicate);
  if (!p) return false;
  const [kind, f] = p;
  switch (kind) {
    case 'jobid':
      return comparatorOnly(f, (op, field, value) => {
        if (field !== 'id') return undefined;
        if (typeof value === 'string') return value === 'watermark' ? cmp(op, numOrder(job.id, watermark)) : undefined;
        return cmp(op, numOrder(job.id, value));
      });
    case 'opcode':
      return job.ops.some((o) => opcodeMatches(f, o));
    case 'reason':
      return job.ops.some((o) =>
        (Array.isArray(o['reason']) ? (o['reason'] as unknown[][]) : []).some(([source, reason, ts]) =>
          comparatorOnly(f, (op, field, value) => {
            if (field === 'source') return cmp(op, valueOrder(String(source), value));
            if (field === 'reason') return cmp(op, valueOrder(String(reason), value));
            if (field === 'timestamp') return cmp(op, valueOrder(typeof ts === 'bigint' ? ts : Number(ts), value));
            return undefined;
          }),
        ),
      );
    default:
      return false;
  }
}

/** Whether every predicate of a rule holds (Filtering.hs `matches`). */
export function ruleMatches(job: SchedJob, rule: FilterData): boolean {
  return rule.predicates.every((p) => matchPredicate(job, rule.watermark, p));
}

/** The first matching rule whose action is not CONTINUE (Filtering.hs `applyingFilter`). */
export function applyingRule(rules: readonly FilterData[], job: SchedJob): FilterData | undefined {
  return orderRules(rules).find((r) => ruleAction(r) !== 'CONTINUE' && ruleMatches(job, r));
}

/** Ad-hoc rate-limit buckets of a job: reasons `rate-limit:n:LABEL` (ReasonRateLimiting.hs). */
function reasonBuckets(job: SchedJob): Map<string, number> {
  const out = new Map<string, number>();
  for (const o of job.ops) {
    for (const entry of Array.isArray(o['reason']) ? (o['reason'] as unknown[][]) : []) {
      const parts = String(entry[1]).split(':');
      if (parts[0] !== 'rate-limit' || parts.length < 2) continue;
      const n = /^\d+$/.test(parts[1] ?? '') ? Number(parts[1]) : 0;
      if (n > 0) out.set(parts.slice(1).join(':'), n);
    }
  }
  return out;
}

/**
 * The queued jobs to start now, in order (`selectJobsToRun`): `eligible` ones (no dependency
 * still in the queue), sorted by priority (stable, so by job id within a priority), through
 * the ad-hoc reason rate limits and the filter rules (PAUSE and REJECT hold a job back,
 * RATE_LIMIT n lets at most n jobs the rule applies to run), at most `slots` of them.
 */
export function selectJobsToRun(
  queued: readonly SchedJob[],
  running: readonly SchedJob[],
  rules: readonly FilterData[],
  slots: number,
): SchedJob[] {
  if (slots <= 0) return [];
  const candidates = [...queued].sort((a, b) => a.priority - b.priority);
  // Reason buckets: limits from every job, occupation from running ones.
  const used = new Map<string, number>();
  for (const j of running) for (const key of reasonBuckets(j).keys()) used.set(key, (used.get(key) ?? 0) + 1);
  const afterReasons = candidates.filter((j) => {
    const buckets = reasonBuckets(j);
    for (const [key, limit] of buckets) if ((used.get(key) ?? 0) + 1 > limit) return false;
    for (const key of buckets.keys()) used.set(key, (used.get(key) ?? 0) + 1);
    return true;
  });
  // Filter rule slots: RATE_LIMIT rules, occupied by running jobs they apply to.
  const ruleUsed = new Map<string, number>();
  for (const j of running) {
    const r = applyingRule(rules, j);
    if (r && typeof ruleAction(r) === 'object') ruleUsed.set(r.uuid, (ruleUsed.get(r.uuid) ?? 0) + 1);
  }
  const chosen: SchedJob[] = [];
  for (const j of afterReasons) {
    const r = applyingRule(rules, j);
    const action = r ? ruleAction(r) : 'ACCEPT';
    if (action === 'PAUSE' || action === 'REJECT') continue;
    if (r && typeof action === 'object') {
      const n = ruleUsed.get(r.uuid) ?? 0;
      if (n >= action.rateLimit) continue;
      ruleUsed.set(r.uuid, n + 1);
    }
    chosen.push(j);
  }
  return chosen.slice(0, slots);
}
