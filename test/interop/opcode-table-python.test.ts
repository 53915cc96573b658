// Our opcode table against Ganeti's own Python package (Debian's Ganeti 3.0): its
// `ganeti.opcodes` is generated from the same OpCodes.hs, so OP_MAPPING must have the same
// opcodes, the same parameters in the same order, the same required-ness, defaults, types
// (as hs2py spells them) and docs, apart from the few places where Python differs on purpose
// (listed below).
// Skipped loudly without the packages.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { COMMON_OP_PARAMS, OPCODES, type OpParamDef } from '../../src/protocols/luxi/opcodes/table.js';
import { GANETI_PYTHONPATH, PYTHON, ganetiSkip, run } from './peers.js';

const skip = ganetiSkip();

// Dumps OP_MAPPING as JSON. Python's generated classes give a required parameter the default
// None with a check that refuses None (only the hand-written ones use ht.NoDefault), so
// "required" is: NoDefault, or None that the parameter's own check rejects.
const DUMP = `
import ast, inspect, json
from ganeti import ht, opcodes

def own_checks(cls):
    # The check of each parameter the class itself declares, as its source spells it.
    checks = {}
    for node in ast.walk(ast.parse(inspect.getsource(cls))):
        if isinstance(node, ast.Assign) and any(getattr(t, 'id', None) == 'OP_PARAMS' for t in node.targets):
            for row in node.value.elts:
                checks[row.elts[0].value] = ast.unparse(row.elts[2])
    return checks

def result_check(cls):
    for node in ast.walk(ast.parse(inspect.getsource(cls))):
        if isinstance(node, ast.Assign) and any(getattr(t, 'id', None) == 'OP_RESULT' for t in node.targets):
            return ast.unparse(node.value)
    return None

out = {}
for op_id, cls in opcodes.OP_MAPPING.items():
    params = []
    for (name, default, check, doc) in cls.GetAllParams():
        no_default = default is ht.NoDefault
        params.append({
            'name': name,
            'required': no_default or (default is None and not check(None)),
            'hasDefault': not no_default and default is not None,
            'default': None if no_default else default,
            'doc': doc or '',
        })
    out[op_id] = {'doc': inspect.cleandoc(cls.__doc__ or ''), 'params': params, 'checks': own_checks(cls), 'result': result_check(cls)}
print(json.dumps(out))
`;

interface PyParam {
  name: string;
  required: boolean;
  hasDefault: boolean;
  default: unknown;
  doc: string;
}
type PyTable = Record<string, { doc: string; params: PyParam[]; checks: Record<string, string>; result: string | null }>;

/**
 * Parameters luxid requires and Python does not, keyed by common parameter name or by
 * `OP_ID.name`; each says why. The test also checks that every one still occurs, so none
 * outlives its reason.
 */
const REQUIRED_DIFFERS: Record<string, string> = {
  reason: "OpCodes.hs pReason is a plain simpleField; Python's hand-written OpCode.OP_PARAMS defaults it to []",
  'OP_TEST_DUMMY.result': 'JSValue: its Python check ht.TAny accepts None, so None cannot mark it required',
  'OP_TEST_DUMMY.messages': 'JSValue, as above',
  'OP_TEST_DUMMY.fail': 'JSValue, as above',
  'OP_TEST_DUMMY.submit_jobs': 'JSValue, as above',
};
/** Common parameters whose Python doc is the hand-written OpCode.OP_PARAMS text, not withDoc's. */
const DOC_DIFFERS = new Set(['priority', 'depends', 'comment', 'reason']);

const collapse = (text: string): string => text.split(/\s+/).filter(Boolean).join(' ');

/**
 * The ht check Ganeti's hs2py writes for a Haskell parameter type (THH/PyType.hs `pyType` and
 * its `showValue`): so the generated Python spells out the type we hold, and a slip in one of
 * our type strings shows here. Optional parameters get the Maybe wrapper, with ht's aliases.
 */
function pythonCheck(type: string, optional: boolean): string {
  const tokens = type.match(/[A-Za-z_][\w.']*|[()[\],]/g) ?? [];
  let at = 0;
  type Py = { head: string; args: Py[] };
  const atom = (): Py | undefined => {
    const t = tokens[at];
    if (t === '[') {
      at++;
      const elem = app();
      at++; // ']'
      return { head: 'ListOf', args: [elem] };
    }
    if (t === '(') {
      at++;
      if (tokens[at] === ')') {
        at++;
        return { head: 'None', args: [] };
      }
      const elems = [app()];
      while (tokens[at] === ',') {
        at++;
        elems.push(app());
      }
      at++; // ')'
      return elems.length === 1 ? elems[0] : { head: 'TupleOf', args: elems };
    }
    if (t === undefined || !/^[A-Za-z_]/.test(t)) return undefined;
    at++;
    const base = t.slice(t.lastIndexOf('.') + 1);
    const renamed: Record<string, string> = {
      Map: 'DictOf',
      Set: 'SetOf',
      ListSet: 'SetOf',
      Either: 'Or',
      GenericContainer: 'DictOf',
      JSValue: 'Any',
      JSObject: 'Object',
    };
    return { head: renamed[base] ?? base, args: [] };
  };
  const app = (): Py => {
    const head = atom();
    assert.ok(head, `not a Haskell type: ${type}`);
    const args: Py[] = [];
    for (let a = atom(); a; a = atom()) args.push(a);
    return args.length === 0 ? head : { head: head.head, args: [...head.args, ...args] };
  };
  const show = (p: Py): string => (p.args.length === 0 ? `ht.T${p.head}` : `ht.T${p.head}(${p.args.map(show).join(', ')})`);
  const tree = app();
  assert.equal(at, tokens.length, `trailing tokens in ${type}`);
  if (!optional) return show(tree);
  const aliases: Record<string, string> = { NonEmptyString: 'MaybeString', Bool: 'MaybeBool', DictOf: 'MaybeDict', ListOf: 'MaybeList' };
  const alias = tree.args.length === 0 ? aliases[tree.head] : undefined;
  return alias ? `ht.T${alias}` : `ht.TMaybe(${show(tree)})`;
}

describe('opcode table against ganeti.opcodes.OP_MAPPING', { skip, timeout: 60_000 }, () => {
  let py: PyTable = {};
  const seenRequiredDiffers = new Set<string>();
  const seenDocDiffers = new Set<string>();

  before(async () => {
    const r = await run(PYTHON, ['-c', DUMP], { env: { ...process.env, PYTHONPATH: GANETI_PYTHONPATH }, timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    py = JSON.parse(r.stdout) as PyTable;
  });

  const all = (id: string): readonly OpParamDef[] => {
    const op = OPCODES.find((o) => o.id === id);
    assert.ok(op, id);
    // GetAllParams walks the MRO: the opcode's own parameters, then OpCode's common ones.
    return [...op.params, ...COMMON_OP_PARAMS];
  };

  test('has the same opcodes', () => {
    assert.deepEqual(OPCODES.map((o) => o.id).sort(), Object.keys(py).sort());
  });

  test('has the same parameter names, in the same order', () => {
    const mismatches: string[] = [];
    for (const op of OPCODES) {
      const ours = all(op.id).map((p) => p.name);
      const theirs = (py[op.id]?.params ?? []).map((p) => p.name);
      if (ours.join() !== theirs.join()) mismatches.push(`${op.id}: ours ${ours.join()} / python ${theirs.join()}`);
    }
    assert.deepEqual(mismatches, []);
  });

  test('has the same required parameters and the same defaults', () => {
    const mismatches: string[] = [];
    for (const op of OPCODES) {
      const theirs = new Map((py[op.id]?.params ?? []).map((p) => [p.name, p]));
      for (const p of all(op.id)) {
        const q = theirs.get(p.name);
        if (!q) continue; // reported by the names test
        const where = `${op.id}.${p.name}`;
        if ((p.presence === 'required') !== q.required) {
          const key = COMMON_OP_PARAMS.includes(p) ? p.name : where;
          if (key in REQUIRED_DIFFERS && p.presence === 'required') seenRequiredDiffers.add(key);
          else mismatches.push(`${where}: ours ${p.presence}, python required=${q.required}`);
          continue;
        }
        if (p.presence === 'default') {
          if (!q.hasDefault) mismatches.push(`${where}: ours default ${JSON.stringify(p.default)}, python none`);
          else if (!isDeepStrictEqual(p.default, q.default))
            mismatches.push(`${where}: ours default ${JSON.stringify(p.default)}, python ${JSON.stringify(q.default)}`);
        } else if (q.hasDefault) {
          // optional / optionalNull / required all read None (or NoDefault) in Python.
          mismatches.push(`${where}: ours ${p.presence}, python default ${JSON.stringify(q.default)}`);
        }
      }
    }
    assert.deepEqual(mismatches, []);
    assert.deepEqual([...seenRequiredDiffers].sort(), Object.keys(REQUIRED_DIFFERS).sort());
  });

  test('has the parameter and result types that Python was generated from', () => {
    const mismatches: string[] = [];
    let compared = 0;
    for (const op of OPCODES) {
      const checks = py[op.id]?.checks ?? {};
      for (const p of op.params) {
        const expected = pythonCheck(p.type, p.presence === 'optional' || p.presence === 'optionalNull');
        if (checks[p.name] !== expected) mismatches.push(`${op.id}.${p.name}: ${p.type} -> ${expected}, python ${checks[p.name]}`);
        compared++;
      }
      const result = pythonCheck(op.result, false);
      if (py[op.id]?.result !== result) mismatches.push(`${op.id} result: ${op.result} -> ${result}, python ${py[op.id]?.result}`);
    }
    assert.deepEqual(mismatches, []);
    assert.equal(
      compared,
      OPCODES.reduce((n, o) => n + o.params.length, 0),
    );
  });

  test('has the same docs', () => {
    const mismatches: string[] = [];
    for (const op of OPCODES) {
      const entry = py[op.id];
      if (!entry) continue;
      if (op.doc !== collapse(entry.doc)) mismatches.push(`${op.id}: ${JSON.stringify(op.doc)} / ${JSON.stringify(entry.doc)}`);
      const theirs = new Map(entry.params.map((p) => [p.name, p]));
      for (const p of all(op.id)) {
        const q = theirs.get(p.name);
        if (!q || p.doc === collapse(q.doc)) continue;
        if (DOC_DIFFERS.has(p.name) && COMMON_OP_PARAMS.includes(p)) seenDocDiffers.add(p.name);
        else mismatches.push(`${op.id}.${p.name}: ${JSON.stringify(p.doc)} / ${JSON.stringify(q.doc)}`);
      }
    }
    assert.deepEqual(mismatches, []);
    assert.deepEqual([...seenDocDiffers].sort(), [...DOC_DIFFERS].sort());
  });
});
