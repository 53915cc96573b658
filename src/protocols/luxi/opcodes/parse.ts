/**
 * SubmitJob's opcode parser, as luxid's (OpCodes.hs `MetaOpCode`, THH `loadObjectField`,
 * JSON.hs `readJSONfromDict`): the common parameters, then OP_ID, then the opcode's own
 * parameters in table order, the first failure reported with luxid's text, then the check
 * for keys no parameter takes. Answers the opcode as luxid stores it: defaults filled,
 * absent optional parameters left out, values re-serialised by their type.
 */
import { fail, haskellShowStrings } from '../decode.js';
import type { OpCode } from '../types.js';
import { type ValueReader, withDesc } from './htype.js';
import { compareCodePoints, OPCODE_TYPE_READERS } from './named-types.js';
import { COMMON_OP_PARAMS, OPCODES, type OpCodeDef, type OpParamDef } from './table.js';

interface CompiledParam {
  readonly def: OpParamDef;
  readonly read: ValueReader;
}

interface CompiledOpCode {
  readonly def: OpCodeDef;
  readonly params: readonly CompiledParam[];
  /** Every key the opcode takes, sorted as Haskell's Set does; null when any key is allowed. */
  readonly allowed: ReadonlySet<string> | null;
  readonly allowedSorted: readonly string[];
}

function compileParam(def: OpParamDef): CompiledParam {
  return { def, read: withDesc(def.name, OPCODE_TYPE_READERS.reader(def.type)) };
}

const COMMON = COMMON_OP_PARAMS.map(compileParam);

function compileOpCode(def: OpCodeDef): CompiledOpCode {
  const params = def.params.map(compileParam);
  const keys = ['OP_ID', ...[...COMMON_OP_PARAMS, ...def.params].map((p) => p.name)];
  const restArguments = def.params.some((p) => p.presence === 'rest');
  const allowedSorted = [...new Set(keys)].sort(compareCodePoints);
  return { def, params, allowed: restArguments ? null : new Set(allowedSorted), allowedSorted };
}

let compiled: ReadonlyMap<string, CompiledOpCode> | undefined;

/** The compiled table, built on first use (75 opcodes, each type compiled once). */
function table(): ReadonlyMap<string, CompiledOpCode> {
  compiled ??= new Map(OPCODES.map((def) => [def.id, compileOpCode(def)]));
  return compiled;
}

/** The opcode definition for `id`, or undefined. */
export function opCodeDef(id: string): OpCodeDef | undefined {
  return table().get(id)?.def;
}

/** THH `loadObjectField` for one parameter: reads it into `out` as luxid stores it. */
function loadParam(obj: Record<string, unknown>, keys: readonly string[], p: CompiledParam, out: Record<string, unknown>): void {
  const { name, presence } = p.def;
  const value = obj[name];
  switch (presence) {
    case 'required':
      if (value === undefined) fail(`key '${name}' not found, object contains only ${haskellShowStrings(keys)}`);
      out[name] = p.read(value);
      return;
    case 'default':
      out[name] = value === undefined || value === null ? structuredClone(p.def.default) : p.read(value);
      return;
    case 'optional':
      if (value !== undefined && value !== null) out[name] = p.read(value);
      return;
    case 'optionalNull':
      out[name] = value === undefined || value === null ? null : p.read(value);
      return;
    case 'rest':
      return;
  }
}

/**
 * Parses one submitted opcode as luxid does.
 * @returns the opcode as luxid stores it (QueryJobs `ops`), before luxid adds its reason entry.
 * @throws LuxiParseError with luxid's text ("key 'x' not found, ...", "Unknown opcode X",
 *   "Can't parse value for 'x': ...", "Superfluous dictionary keys: ...").
 */
export function parseOpCode(value: unknown): OpCode {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail('Unable to read JSObject');
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  const out: Record<string, unknown> = {};
  for (const p of COMMON) loadParam(obj, keys, p, out);
  const id = obj['OP_ID'];
  if (id === undefined) fail(`key 'OP_ID' not found, object contains only ${haskellShowStrings(keys)}`);
  if (typeof id !== 'string') fail("key 'OP_ID': Unable to read String");
  const op = table().get(id);
  if (!op) fail(`Unknown opcode ${id}`);
  out['OP_ID'] = id;
  for (const p of op.params) loadParam(obj, keys, p, out);
  if (op.allowed) {
    const allowed = op.allowed;
    const superfluous = keys.filter((k) => !allowed.has(k));
    if (superfluous.length > 0) {
      superfluous.sort(compareCodePoints);
      fail(`Superfluous dictionary keys: ${haskellShowStrings(superfluous)}, but only ${haskellShowStrings(op.allowedSorted)} allowed.`);
    }
  } else {
    const taken = new Set(op.allowedSorted);
    for (const k of keys) if (!taken.has(k)) out[k] = obj[k];
  }
  return out as OpCode;
}
