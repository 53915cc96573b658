/**
 * Building opcodes from request bodies as ganeti-rapi does (lib/rapi/baserlib.py
 * `FillOpcode`, `_GetCommonStatic`; opcodes_base.py `BaseOpCode.__init__`, `Validate`): the
 * renames, the static parameters a body may not override, the parameter-name check, the
 * type check of every parameter (with Ganeti's texts), and the reason trail. Types are
 * checked with the opcode table's readers (opcodes/table.ts), which luxid uses as well.
 */
import { opCodeDef } from '../protocols/luxi/opcodes/parse.js';
import { OPCODE_TYPE_READERS } from '../protocols/luxi/opcodes/named-types.js';
import { COMMON_OP_PARAMS, type OpParamDef } from '../protocols/luxi/opcodes/table.js';
import type { OpCode } from '../protocols/luxi/types.js';
import { badRequest } from './http-error.js';
import { checkType } from './request.js';
import { pyRepr, pyReprString, pyReprTuple } from './python-format.js';

/** `constants.OPCODE_REASON_SRC_RLIB2`: the reason-trail source of RAPI opcodes. */
export const REASON_SRC_RLIB2 = 'gnt:library:rlib2';
/** `constants.OPCODE_REASON_SRC_USER`: the source of the `?reason=` text. */
export const REASON_SRC_USER = 'gnt:user';

/** `utils.EpochNano()`: nanoseconds since the epoch, exact (a bigint beyond 2^53). */
export function epochNano(): bigint {
  return BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
}

/** `_GetCommonStatic`: the reason trail, with the user's `?reason=` first when given. */
export function rapiReasonTrail(opName: string, userReason: string | null): unknown[][] {
  const trail: unknown[][] = [];
  if (userReason) trail.push([REASON_SRC_USER, userReason, epochNano()]);
  trail.push([`${REASON_SRC_RLIB2}:${opName}`, '', epochNano()]);
  return trail;
}

/** The Python class name of an opcode: OP_INSTANCE_SHUTDOWN -> OpInstanceShutdown. */
export function opClassName(opId: string): string {
  return opId
    .split('_')
    .map((w) => w.charAt(0) + w.slice(1).toLowerCase())
    .join('');
}

/** Whether `value` passes the parameter's type check (Python `test(value)`). */
function passes(def: OpParamDef, value: unknown): boolean {
  if (value === null || value === undefined) return def.presence === 'optional' || def.presence === 'optionalNull';
  try {
    OPCODE_TYPE_READERS.reader(def.type)(value);
    return true;
  } catch {
    return false;
  }
}

/** The value Python's opcode constructor gives a parameter the caller did not set. */
function pythonDefault(def: OpParamDef): unknown {
  // luxid requires a reason trail; Python's opcodes default it to [].
  if (def.name === 'reason') return [];
  return def.presence === 'default' ? structuredClone(def.default) : null;
}

/**
 * Builds and checks an opcode as `FillOpcode(opcls, body, static, rename)` does, and
 * serialises it as Python's opcode does (`__getstate__`: every parameter, defaults filled,
 * then OP_ID).
 * @throws RapiHttpError 400 with Ganeti's texts.
 */
export function fillOpcode(
  opId: string,
  body: unknown,
  staticParams: Record<string, unknown>,
  rename?: Readonly<Record<string, string>>,
): OpCode {
  const def = opCodeDef(opId);
  if (def === undefined) throw new TypeError(`no opcode ${opId} in the table`);
  let params: Record<string, unknown>;
  if (body === null || body === undefined) params = {};
  else {
    checkType(body, 'dict', 'Body contents');
    params = { ...(body as Record<string, unknown>) };
  }
  for (const [old, neu] of Object.entries(rename ?? {})) {
    if (Object.hasOwn(params, neu) && Object.hasOwn(params, old)) {
      throw badRequest(`Parameter '${old}' was renamed to '${neu}', but both are specified`);
    }
    if (Object.hasOwn(params, old)) {
      params[neu] = params[old];
      delete params[old];
    }
  }
  const overwritten = Object.keys(params).filter((k) => Object.hasOwn(staticParams, k));
  if (overwritten.length > 0) throw badRequest(`Can't overwrite static parameters {${overwritten.map(pyReprString).join(', ')}}`);
  Object.assign(params, staticParams);

  const all = [...def.params, ...COMMON_OP_PARAMS];
  const names = new Set(all.map((p) => p.name));
  const invalid = (text: string): Error => badRequest(`Invalid body parameters: ${text}`);
  for (const key of Object.keys(params)) {
    if (!names.has(key)) throw invalid(`Object ${opClassName(opId)} doesn't support the parameter '${key}'`);
  }
  const op: Record<string, unknown> = {};
  for (const p of all) {
    const given = Object.hasOwn(params, p.name);
    const value = given ? params[p.name] : pythonDefault(p);
    if (given ? !passes(p, value) : p.presence === 'required' && p.name !== 'reason') {
      throw invalid(pyReprTuple([`Parameter '${opId}.${p.name}' fails validation`, 'wrong_input']));
    }
    op[p.name] = value ?? null;
  }
  op['OP_ID'] = opId;
  return op as OpCode;
}

/** An opcode built the way rlib2 calls an opcode constructor directly (no body, no check). */
export function makeOpcode(opId: string, params: Record<string, unknown>): OpCode {
  const def = opCodeDef(opId);
  if (def === undefined) throw new TypeError(`no opcode ${opId} in the table`);
  const op: Record<string, unknown> = {};
  for (const p of [...def.params, ...COMMON_OP_PARAMS]) {
    op[p.name] = Object.hasOwn(params, p.name) ? params[p.name] : pythonDefault(p);
  }
  op['OP_ID'] = opId;
  return op as OpCode;
}

/** For messages: Python's repr of a value (re-exported for resource modules). */
export { pyRepr };
