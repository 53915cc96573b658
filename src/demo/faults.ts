/**
 * Fault rules for the demo luxid: make matching opcodes fail with a chosen Ganeti error,
 * take longer, or make the daemon drop the connection that submits them, so that a
 * tool's error paths can be tested. Owns the rule shape, its two spellings (the compact
 * `--fault` text and the JSON rules file), its checks and the per-rule counting; the job
 * queue (jobs.ts) and DemoLuxid apply the decisions.
 */
import { ECODES, GANETI_ERROR_SHAPES, checkErrorArgs, isGanetiErrorName, type GanetiErrorName } from '../ganeti-errors.js';
import { COMMON_OP_PARAMS, OPCODES } from '../protocols/luxi/opcodes/table.js';
import type { OpCode } from '../protocols/luxi/types.js';

/**
 * One fault rule, as a TypeScript caller or a rules file writes it. An opcode matches
 * when its OP_ID fits `op` and every entry of `params` equals the opcode's parameter.
 * Each rule counts the opcodes it matches; it fires on matches `after + 1` to
 * `after + times`. A rule has at least one action: `fail` and/or `delayMs`, or `drop`.
 */
export interface FaultRule {
  /** An OP_ID (`OP_INSTANCE_SHUTDOWN`) or a glob where `*` stands for any run of characters (`OP_INSTANCE_*`, `*`). */
  readonly op: string;
  /**
   * Parameter values the opcode must have, compared with the opcode as luxid stores it
   * at submit (defaults filled in, names as the client sent them). Values compare as JSON;
   * a string also matches a number, boolean or null written the same way (`"duration": "5"`
   * matches `5`), and for a name parameter (`instance_name`, `pnode`, ...) a short name
   * matches its full form both ways (`web1`, `web1.example.com`). Default: none.
   */
  readonly params?: Readonly<Record<string, unknown>>;
  /** Matching opcodes let through before the rule fires. Default: 0. */
  readonly after?: number;
  /** How many matching opcodes the rule fires on, from then on (at least 1). Default: every one. */
  readonly times?: number;
  /**
   * End the opcode in error, as a failing logical unit does, changing nothing:
   * - `true`: {@link DEFAULT_FAULT_ERROR} with a message naming the rule;
   * - a class name of ganeti-errors.ts: that class, with the same message when it takes
   *   one message (any other class needs its arguments);
   * - `[className, [args...]]`, the wire form: exactly that error, the arguments checked
   *   against the class's shape.
   */
  readonly fail?: true | string | readonly [string, readonly unknown[]];
  /** Extra milliseconds the opcode runs before it finishes (or fails). Default: 0. */
  readonly delayMs?: number;
  /**
   * Drop the connection of the SubmitJob / SubmitManyJobs call that carries the opcode:
   * no answer, the socket destroyed, no job queued. Goes alone, without `fail` or `delayMs`.
   */
  readonly drop?: boolean;
}

/** A checked rule: every default filled in, `fail` in wire form, and a label for messages. */
export interface ResolvedFaultRule {
  readonly op: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly after: number;
  /** `Infinity` when the rule fires on every match after `after`. */
  readonly times: number;
  readonly fail: readonly [GanetiErrorName, readonly unknown[]] | null;
  readonly delayMs: number;
  readonly drop: boolean;
  /** How the rule was given: its `--fault` text, `FILE#n`, or `faults[i]`. */
  readonly label: string;
}

/** What a fired rule does to one opcode. */
export interface FaultDecision {
  readonly rule: ResolvedFaultRule;
  /** The error the opcode ends with (its opresult), or null to let it succeed. */
  readonly fail: readonly [GanetiErrorName, readonly unknown[]] | null;
  /** Extra run time in milliseconds. */
  readonly delayMs: number;
  /** Drop the submitting connection instead of queueing the job. */
  readonly drop: boolean;
}

/** The error class of `fail: true` and of a bare `fail` in the compact syntax. */
export const DEFAULT_FAULT_ERROR: GanetiErrorName = 'OpExecError';

/** Longest `delayMs` accepted: what `setTimeout` can wait (about 24.8 days). */
export const MAX_FAULT_DELAY_MS = 2 ** 31 - 1;

/** A rule that cannot be used; `rule` names it, `problem` says what is wrong and how to fix it. */
export class FaultRuleError extends Error {
  override readonly name = 'FaultRuleError';
  readonly rule: string;
  readonly problem: string;

  constructor(rule: string, problem: string) {
    super(`fault rule ${rule}: ${problem}`);
    this.rule = rule;
    this.problem = problem;
  }
}

const RULE_KEYS = ['op', 'params', 'after', 'times', 'fail', 'delayMs', 'drop'] as const;
/** Words of the compact syntax that are options, not parameter names. */
const OPTION_WORDS = new Set(['after', 'times', 'delay', 'fail', 'drop']);
const ACTION_HINT = 'add fail, fail=CLASS[:ARGS], delay=DURATION or drop';

/** The rules checkFaultRule made, so that FaultInjector does not check them twice. */
const RESOLVED = new WeakSet<object>();

const OP_IDS: readonly string[] = OPCODES.map((d) => d.id);
const COMMON_PARAMS: readonly string[] = COMMON_OP_PARAMS.map((p) => p.name);

function globRegExp(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`);
}

function quote(text: string): string {
  return `'${text}'`;
}

/** Checks `op` and `params` against the opcode table: the glob must match an opcode, each key must be a parameter of one. */
function checkTarget(label: string, op: unknown, params: Readonly<Record<string, unknown>>): void {
  if (typeof op !== 'string' || !/^[A-Z0-9_*]+$/.test(op)) {
    throw new FaultRuleError(
      label,
      `the opcode must be an OP_ID such as OP_INSTANCE_SHUTDOWN or a glob such as OP_INSTANCE_*, got ${show(op)}`,
    );
  }
  const re = globRegExp(op);
  const ids = OP_IDS.filter((id) => re.test(id));
  if (ids.length === 0) {
    const hint = op.includes('*') ? 'matches no Ganeti 3.0 opcode' : 'is not a Ganeti 3.0 opcode';
    // Suggest the opcodes of the same kind: OP_INSTANCE_SHUTDWN -> OP_INSTANCE_*.
    const kind = /^OP_[A-Z0-9]+_/.exec(op)?.[0];
    const near = kind === undefined ? [] : OP_IDS.filter((id) => id.startsWith(kind));
    const list =
      near.length > 0 ? `; ${kind}* are ${near.join(', ')}` : '; opcodes look like OP_INSTANCE_SHUTDOWN, OP_NODE_SET_PARAMS, OP_TEST_DELAY';
    throw new FaultRuleError(label, `${op} ${hint}${list}`);
  }
  const defs = OPCODES.filter((d) => ids.includes(d.id));
  for (const key of Object.keys(params)) {
    if (COMMON_PARAMS.includes(key)) continue;
    if (defs.some((d) => d.params.some((p) => p.name === key || p.presence === 'rest'))) continue;
    const own =
      defs.length === 1 ? ` (its parameters: ${[...(defs[0]?.params ?? []).map((p) => p.name), ...COMMON_PARAMS].join(', ')})` : '';
    throw new FaultRuleError(label, `no opcode matching ${op} has a parameter ${quote(key)}${own}`);
  }
}

function show(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value);
  } catch {
    return String(value);
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function defaultMessage(label: string): string {
  return `Fault rule ${label} made this opcode fail`;
}

/** Turns a rule's `fail` into the wire form `[className, args]`, checking class and arguments. */
function resolveFail(label: string, fail: unknown): readonly [GanetiErrorName, readonly unknown[]] {
  let name: unknown;
  let args: readonly unknown[] | undefined;
  if (fail === true) name = DEFAULT_FAULT_ERROR;
  else if (typeof fail === 'string') name = fail;
  else if (Array.isArray(fail) && fail.length === 2 && Array.isArray(fail[1])) [name, args] = fail as [unknown, unknown[]];
  else throw new FaultRuleError(label, `fail must be true, an error class name or [className, [args...]], got ${show(fail)}`);
  if (typeof name !== 'string' || !isGanetiErrorName(name)) {
    throw new FaultRuleError(label, `${show(name)} is not a Ganeti error class; use one of ${Object.keys(GANETI_ERROR_SHAPES).join(', ')}`);
  }
  const shape: readonly string[] = GANETI_ERROR_SHAPES[name];
  if (args === undefined) {
    if (shape.length === 0) args = [];
    else if (shape.length === 1 && shape[0] === 'string') args = [defaultMessage(label)];
    else
      throw new FaultRuleError(
        label,
        `${name} takes ${plural(shape.length, 'argument')} (${shape.join(', ')}); give them, e.g. fail=${example(name)}`,
      );
  }
  const wrong = checkErrorArgs(name, args);
  if (wrong !== undefined)
    throw new FaultRuleError(label, `${wrong} (its arguments: ${shape.join(', ') || 'none'}); e.g. fail=${example(name)}`);
  if (name === 'OpPrereqError' && !(ECODES as readonly unknown[]).includes(args[1])) {
    throw new FaultRuleError(label, `OpPrereqError's second argument is its error code, one of ${ECODES.join(', ')}; got ${show(args[1])}`);
  }
  return Object.freeze([name, Object.freeze([...args])] as const);
}

/** Compact-syntax examples of the classes that take more than one message. */
const FAIL_EXAMPLES: Partial<Record<GanetiErrorName, string>> = {
  OpPrereqError: 'OpPrereqError:Instance web1 is not running:wrong_state',
  ResolverError: 'ResolverError:web9.example.com:-2:Name or service not known',
  ConfigVersionMismatch: 'ConfigVersionMismatch:3000000:2160000',
  X509CertError: 'X509CertError:server.pem:certificate expired',
  ConfigVerifyError: 'ConfigVerifyError:["Configuration is broken",["node3 has no group"]]',
  HooksAbort: 'HooksAbort:[[["node1","hooks/50-check","refused"]]]',
  JobQueueFull: 'JobQueueFull',
};

function example(name: GanetiErrorName): string {
  return FAIL_EXAMPLES[name] ?? `${name}:message`;
}

function count(label: string, key: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new FaultRuleError(label, `${key} must be a whole number >= ${min}, got ${show(value)}`);
  }
  return value;
}

/**
 * Checks one rule object (from TypeScript or a rules file) and fills in its defaults.
 * @param label names the rule in messages (and in the default failure message).
 * @throws FaultRuleError naming the rule, the problem and the fix.
 */
export function checkFaultRule(value: unknown, label: string): ResolvedFaultRule {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new FaultRuleError(label, `a rule is an object such as {"op": "OP_INSTANCE_SHUTDOWN", "fail": true}, got ${show(value)}`);
  }
  const rule = value as Record<string, unknown>;
  for (const key of Object.keys(rule)) {
    if (!(RULE_KEYS as readonly string[]).includes(key)) {
      throw new FaultRuleError(label, `unknown key ${quote(key)}; a rule takes ${RULE_KEYS.join(', ')}`);
    }
  }
  const params = rule['params'] ?? {};
  if (params === null || typeof params !== 'object' || Array.isArray(params)) {
    throw new FaultRuleError(label, `params must be an object of parameter values such as {"instance_name": "web1"}, got ${show(params)}`);
  }
  checkTarget(label, rule['op'], params as Record<string, unknown>);
  const after = rule['after'] === undefined ? 0 : count(label, 'after', rule['after'], 0);
  const times = rule['times'] === undefined ? Number.POSITIVE_INFINITY : count(label, 'times', rule['times'], 1);
  const delayMs = rule['delayMs'] === undefined ? 0 : count(label, 'delayMs', rule['delayMs'], 0);
  if (delayMs > MAX_FAULT_DELAY_MS) throw new FaultRuleError(label, `delayMs must be at most ${MAX_FAULT_DELAY_MS}, got ${delayMs}`);
  const drop = rule['drop'] ?? false;
  if (typeof drop !== 'boolean') throw new FaultRuleError(label, `drop must be true or false, got ${show(drop)}`);
  const fail = rule['fail'] === undefined || rule['fail'] === false ? null : resolveFail(label, rule['fail']);
  if (drop && (fail !== null || delayMs > 0)) {
    throw new FaultRuleError(
      label,
      'drop goes alone: a dropped submission never runs, so fail and delay cannot apply; make them two rules',
    );
  }
  if (!drop && fail === null && delayMs === 0) throw new FaultRuleError(label, `the rule has no action; ${ACTION_HINT}`);
  const resolved: ResolvedFaultRule = Object.freeze({
    op: rule['op'] as string,
    params: Object.freeze(structuredClone(params as Record<string, unknown>)),
    after,
    times,
    fail,
    delayMs,
    drop,
    label,
  });
  RESOLVED.add(resolved);
  return resolved;
}

/** Parses the compact duration of `delay=`: 2s, 500ms, 1.5s, 1m; a bare number is seconds, as in the CLI's other flags. */
function parseDelay(label: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text);
  if (!m) throw new FaultRuleError(label, `delay takes a duration such as 2s, 500ms or 1m (a bare number is seconds), got ${quote(text)}`);
  const unit = m[2] ?? 's';
  const factor = unit === 'ms' ? 1 : unit === 'm' ? 60_000 : 1000;
  return Math.round(Number(m[1]) * factor);
}

/** The compact arguments after `fail=CLASS:`, as the class's shape reads them. */
function parseFailArgs(label: string, name: string, text: string): unknown[] {
  if (text.startsWith('[')) {
    try {
      const args: unknown = JSON.parse(text);
      if (Array.isArray(args)) return args;
    } catch {
      // reported below
    }
    throw new FaultRuleError(label, `the arguments after fail=${name}: start with '[' but are not a JSON list: ${text}`);
  }
  if (!isGanetiErrorName(name)) return [text]; // resolveFail names the unknown class
  const shape: readonly string[] = GANETI_ERROR_SHAPES[name];
  if (shape.length === 1 && shape[0] === 'string') return [text];
  if (shape.some((k) => k !== 'string' && k !== 'int')) {
    throw new FaultRuleError(label, `${name} takes ${shape.join(', ')}; give its arguments as a JSON list, e.g. fail=${example(name)}`);
  }
  const parts = text.split(':');
  if (parts.length !== shape.length) {
    throw new FaultRuleError(
      label,
      `${name} takes ${plural(shape.length, 'argument')} separated by ':' (${shape.join(', ')}), got ${parts.length}; ` +
        `e.g. fail=${example(name)} (an argument containing ':' needs the JSON list form, fail=${name}:["...", ...])`,
    );
  }
  return parts.map((p, i) => {
    if (shape[i] !== 'int') return p;
    if (!/^-?\d+$/.test(p)) throw new FaultRuleError(label, `${name} argument ${i + 1} is a whole number, got ${quote(p)}`);
    return Number(p);
  });
}

/**
 * Parses the compact syntax of `serve --demo --fault RULE`:
 *
 *     OPCODE[:PARAM=VALUE...][:after=N][:times=N][:delay=DURATION][:drop][:fail[=CLASS[:ARGS]]]
 *
 * Fields are separated by ':'; the first is the OP_ID or glob. `fail` comes last, because
 * everything after `fail=CLASS:` is the error's arguments: the whole message for a class
 * that takes one message, else one argument per ':' (or a JSON list). A parameter value
 * is a string (and matches a number, boolean or null written the same way); a value with
 * ':' in it, or a parameter named like an option (OP_TEST_DUMMY's `fail`), needs a rules file.
 * @throws FaultRuleError naming the rule, the problem and the fix.
 */
export function parseFaultRule(text: string): ResolvedFaultRule {
  const label = text;
  const fields = text.split(':');
  const op = fields[0] ?? '';
  const rule: Record<string, unknown> = { op };
  const params: Record<string, unknown> = {};
  const seen = new Set<string>();
  for (let i = 1; i < fields.length; i++) {
    const field = fields[i] as string;
    const eq = field.indexOf('=');
    const key = eq < 0 ? field : field.slice(0, eq);
    const val = eq < 0 ? undefined : field.slice(eq + 1);
    if (OPTION_WORDS.has(key)) {
      if (seen.has(key)) throw new FaultRuleError(label, `${key} is given twice`);
      seen.add(key);
    }
    if (key === 'fail') {
      if (val === undefined || val === '') {
        if (i + 1 < fields.length)
          throw new FaultRuleError(label, `fail must be the last field (found ${quote(fields.slice(i + 1).join(':'))} after it)`);
        rule['fail'] = true;
      } else {
        const rest = fields.slice(i + 1).join(':');
        rule['fail'] = i + 1 < fields.length ? [val, parseFailArgs(label, val, rest)] : val;
      }
      break;
    }
    if (key === 'drop') {
      if (val !== undefined) throw new FaultRuleError(label, `drop takes no value, got ${quote(field)}`);
      rule['drop'] = true;
    } else if (val === undefined) {
      throw new FaultRuleError(
        label,
        `${quote(field)} is neither PARAM=VALUE nor an option; fields are PARAM=VALUE, after=N, times=N, delay=DURATION, drop, fail[=CLASS[:ARGS]]`,
      );
    } else if (key === 'after' || key === 'times') {
      if (!/^\d+$/.test(val)) throw new FaultRuleError(label, `${key} must be a whole number, got ${quote(val)}`);
      rule[key] = Number(val);
    } else if (key === 'delay') {
      rule['delayMs'] = parseDelay(label, val);
    } else {
      if (!/^[a-z_][a-z0-9_]*$/.test(key))
        throw new FaultRuleError(label, `${quote(key)} is not a parameter name (lower case, such as instance_name)`);
      if (Object.hasOwn(params, key)) throw new FaultRuleError(label, `parameter ${key} is given twice`);
      params[key] = val;
    }
  }
  if (Object.keys(params).length > 0) rule['params'] = params;
  return checkFaultRule(rule, label);
}

/**
 * Checks the contents of a rules file: a JSON list of {@link FaultRule} objects.
 * @param file names the file in messages; rule n is labelled `FILE#n` (from 1).
 * @throws FaultRuleError for the first bad rule.
 */
export function parseFaultRules(json: unknown, file: string): ResolvedFaultRule[] {
  if (!Array.isArray(json)) {
    throw new FaultRuleError(file, 'a rules file holds a JSON list of rules, such as [{"op": "OP_INSTANCE_SHUTDOWN", "fail": true}]');
  }
  return json.map((rule, i) => checkFaultRule(rule, `${file}#${i + 1}`));
}

/**
 * Whether the opcode's parameter `actual` equals the rule's `wanted` (see {@link FaultRule.params}).
 * For a name parameter (`instance_name`, `node_name`, `pnode`, ...) a short name also matches
 * its full form, both ways (`web1` and `web1.example.com`), as the LU expands names.
 */
function valueMatches(key: string, wanted: unknown, actual: unknown): boolean {
  if (actual === undefined) return false;
  if (typeof wanted === 'string' && typeof actual === 'string' && /(name|node)$/.test(key)) {
    return wanted === actual || actual.startsWith(`${wanted}.`) || wanted.startsWith(`${actual}.`);
  }
  if (typeof wanted === 'string' && typeof actual !== 'string') {
    if (typeof actual === 'number' && /^-?\d+(\.\d+)?(e-?\d+)?$/i.test(wanted)) return Number(wanted) === actual;
    return show(actual) === wanted;
  }
  return show(canonical(wanted)) === show(canonical(actual));
}

/** A copy with object keys sorted, so that JSON texts compare regardless of key order. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/**
 * Applies fault rules to opcodes as they are submitted, in submission order. Every rule
 * that matches an opcode counts it; the first rule (in the order given) whose count is in
 * its `after`/`times` window decides what happens to the opcode.
 */
export class FaultInjector {
  readonly #rules: readonly { rule: ResolvedFaultRule; re: RegExp }[];
  readonly #seen: number[];

  /**
   * @param rules checked rules, or rule objects (checked here, labelled `faults[i]`).
   * @throws FaultRuleError for a bad rule.
   */
  constructor(rules: readonly (FaultRule | ResolvedFaultRule)[]) {
    this.#rules = rules.map((r, i) => {
      const rule = isResolved(r) ? r : checkFaultRule(r, `faults[${i}]`);
      return { rule, re: globRegExp(rule.op) };
    });
    this.#seen = this.#rules.map(() => 0);
  }

  /** The rules, checked. */
  get rules(): readonly ResolvedFaultRule[] {
    return this.#rules.map((r) => r.rule);
  }

  /**
   * Counts `op` against every rule and answers the first fired rule's decision, or undefined.
   * @param droppable false for an opcode no client submitted (a job an opcode submits):
   *   `drop` rules then neither count nor fire.
   */
  decide(op: OpCode, droppable = true): FaultDecision | undefined {
    let decision: FaultDecision | undefined;
    this.#rules.forEach(({ rule, re }, i) => {
      if ((rule.drop && !droppable) || !re.test(op.OP_ID)) return;
      const input = op as Record<string, unknown>;
      if (!Object.entries(rule.params).every(([k, v]) => valueMatches(k, v, input[k]))) return;
      const n = ++(this.#seen[i] as number);
      if (decision !== undefined || n <= rule.after || n > rule.after + rule.times) return;
      decision = { rule, fail: rule.fail, delayMs: rule.delayMs, drop: rule.drop };
    });
    return decision;
  }
}

function isResolved(rule: FaultRule | ResolvedFaultRule): rule is ResolvedFaultRule {
  return RESOLVED.has(rule);
}
