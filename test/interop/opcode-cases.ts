/**
 * Cases for the SubmitJob validation differential (opcode-validation.test.ts): from each
 * opcode of the table, requests that luxid must accept (minimal, full) or refuse (a missing
 * key, a wrong JSON kind, a value out of its type's range, a superfluous key, bad common
 * parameters), plus cases that do not belong to one opcode (OP_ID, SubmitManyJobs, job
 * shapes). Only builds requests; sending them and judging the answers is the test's job.
 */
import { type HType, parseHType, showHType } from '../../src/protocols/luxi/opcodes/htype.js';
import type { OpCodeDef, OpParamDef } from '../../src/protocols/luxi/opcodes/table.js';

/** One request to send to both luxids. */
export interface ValidationCase {
  /** `OP_TEST_DELAY/bad:duration:string`; unique. */
  readonly id: string;
  /** The opcode the case belongs to, or `(global)`. */
  readonly group: string;
  readonly method: 'SubmitJob' | 'SubmitManyJobs';
  readonly args: unknown[];
}

/** Enum type name -> its wire values. */
export type EnumValues = Readonly<Record<string, readonly (string | number)[]>>;

/**
 * Wire values of Ganeti 3.0's enumerations (from the Python package's constants, e.g.
 * `constants.VALID_TAG_TYPES`), each list's first value used as the sample. Kept here,
 * apart from the validator's own table, so that the oracle does not inherit its mistakes.
 */
export const ENUM_VALUES: EnumValues = {
  TagKind: ['cluster', 'instance', 'network', 'node', 'nodegroup'],
  SshKeyType: ['dsa', 'ecdsa', 'rsa'],
  ReplaceDisksMode: ['replace_auto', 'replace_new_secondary', 'replace_on_primary', 'replace_on_secondary'],
  RebootType: ['full', 'hard', 'soft'],
  OobCommand: ['health', 'power-cycle', 'power-off', 'power-on', 'power-status'],
  NICMode: ['bridged', 'openvswitch', 'pool', 'routed'],
  MigrationMode: ['live', 'non-live'],
  InstCreateMode: ['create', 'import', 'remote-import'],
  IAllocatorTestDir: ['in', 'out'],
  IAllocatorMode: ['allocate', 'allocate-secondary', 'change-group', 'multi-allocate', 'node-evacuate', 'relocate'],
  Hypervisor: ['chroot', 'fake', 'kvm', 'lxc', 'xen-hvm', 'xen-pvm'],
  FileDriver: ['blktap', 'blktap2', 'loop'],
  ExportMode: ['local', 'remote'],
  DiskTemplate: ['blockdev', 'diskless', 'drbd', 'ext', 'file', 'gluster', 'plain', 'rbd', 'sharedfile'],
  StorageType: ['blockdev', 'diskless', 'ext', 'file', 'gluster', 'lvm-pv', 'lvm-vg', 'rados', 'sharedfile'],
  EvacMode: ['all', 'primary-only', 'secondary-only'],
  DiskAccess: ['ro', 'rw'],
  AllocPolicy: ['preferred', 'last_resort', 'unallocable'],
  AdminStateSource: ['admin', 'user'],
  VerifyOptionalChecks: ['nplusone_mem'],
  DdmSimple: ['add', 'attach', 'detach', 'remove'],
  DdmFull: ['add', 'attach', 'detach', 'modify', 'remove'],
  OpSubmitPriority: [-10, 0, 10],
  // Qlang.hs `QueryTypeOp` (Python's QR_VIA_OP is narrower; luxid reads the Haskell one).
  QueryTypeOp: ['cluster', 'instance', 'node', 'group', 'os', 'export', 'network'],
  CVErrorCode: ['ECLUSTERCFG', 'ENODEHV', 'EINSTANCEDOWN'],
};

/** 2^64: Text.JSON reads it into a 64-bit Int (wrapping) where a bigger language would not. */
const BIG = 18446744073709551616n;

const arg = (t: HType, i: number): HType => {
  if (t.kind !== 'con' || t.args[i] === undefined) throw new TypeError(`type ${showHType(t)} has no argument ${i}`);
  return t.args[i];
};

/** Types whose unknown names the generator met (reported by the test). */
export const unknownTypes = new Set<string>();

/**
 * A valid value of type `t`. `alt` asks for a second, different valid value where the type
 * has one (to differ from a default).
 */
export function sample(t: HType, alt = false): unknown {
  if (t.kind === 'list') return [sample(t.elem, alt)];
  if (t.kind === 'tuple') return t.elems.map((e) => sample(e, alt));
  const enumValues = ENUM_VALUES[t.name];
  if (enumValues) return enumValues[alt && enumValues.length > 1 ? 1 : 0];
  switch (t.name) {
    case 'String':
      return alt ? 'x2' : 'x1';
    case 'NonEmptyString':
      return alt ? 'web2' : 'web1';
    case 'Int':
    case 'NonNegative':
    case 'Positive':
      return alt ? 4 : 3;
    case 'Double':
      return alt ? 2.5 : 1.5;
    case 'Bool':
      return !alt;
    case 'JSValue':
      return alt ? 'v2' : 'v1';
    case 'Maybe':
    case 'Private':
    case 'Secret':
      return sample(arg(t, 0), alt);
    case 'ListSet':
      return [sample(arg(t, 0), alt)];
    case 'JSObject':
      return { k1: sample(arg(t, 0), alt) };
    case 'GenericContainer':
    case 'Map':
      return { [String(sample(arg(t, 0), alt))]: sample(arg(t, 1), alt) };
    case 'IPv4Address':
      return alt ? '192.0.2.11' : '192.0.2.10';
    case 'IPv4Network':
      return alt ? '198.51.100.0/24' : '192.0.2.0/24';
    case 'IPv6Address':
      return alt ? '2001:db8::2' : '2001:db8::1';
    case 'IPv6Network':
      return alt ? '2001:db8:1::/64' : '2001:db8::/64';
    case 'INicParams':
      return { link: alt ? 'br1' : 'br0' };
    case 'IDiskParams':
      return { size: alt ? 2048 : 1024 };
    case 'JobDependency':
      return [1, alt ? ['success'] : []];
    case 'ReasonTrail':
      return [['gnt:client:test', alt ? 'r2' : 'r1', 1]];
    case 'DiskIndex':
      return alt ? 1 : 0;
    case 'RecreateDisksInfo':
      return [alt ? 1 : 0];
    case 'SetParamsMods':
      return [['add', -1, sample(arg(t, 0), alt)]];
    case 'ExportTarget':
      return alt ? 'node2.example.com' : 'node1.example.com';
    default:
      unknownTypes.add(t.name);
      return alt ? 'x2' : 'x1';
  }
}

/** One deliberately bad (or borderline) value with a label. */
interface BadValue {
  readonly label: string;
  readonly value: unknown;
}

/** The JSON kind of a type's values, for the "wrong kind" cases. */
function kindOf(t: HType): 'string' | 'number' | 'bool' | 'list' | 'object' | 'any' {
  if (t.kind === 'list' || t.kind === 'tuple') return 'list';
  const enumValues = ENUM_VALUES[t.name];
  if (enumValues) return typeof enumValues[0] === 'number' ? 'number' : 'string';
  switch (t.name) {
    case 'String':
    case 'NonEmptyString':
    case 'IPv4Address':
    case 'IPv4Network':
    case 'IPv6Address':
    case 'IPv6Network':
    case 'ExportTarget':
      return 'string';
    case 'Int':
    case 'NonNegative':
    case 'Positive':
    case 'Double':
    case 'DiskIndex':
      return 'number';
    case 'Bool':
      return 'bool';
    case 'ListSet':
    case 'JobDependency':
    case 'ReasonTrail':
    case 'RecreateDisksInfo':
    case 'SetParamsMods':
      return 'list';
    case 'JSObject':
    case 'GenericContainer':
    case 'Map':
    case 'INicParams':
    case 'IDiskParams':
      return 'object';
    case 'Maybe':
    case 'Private':
    case 'Secret':
      return kindOf(arg(t, 0));
    default:
      return 'any';
  }
}

const WRONG_KIND: Readonly<Record<string, BadValue[]>> = {
  string: [{ label: 'number', value: 5 }],
  number: [{ label: 'string', value: 'x' }],
  bool: [
    { label: 'string', value: 'yes' },
    { label: 'number', value: 1 },
  ],
  list: [{ label: 'object', value: { a: 1 } }],
  object: [{ label: 'list', value: [1] }],
  any: [],
};

/** Bad values for type `t`: the wrong JSON kind, then values its type refuses. */
export function badValues(t: HType): BadValue[] {
  const out: BadValue[] = [...(WRONG_KIND[kindOf(t)] ?? [])];
  if (t.kind === 'list') {
    for (const b of badValues(t.elem).slice(0, 2)) out.push({ label: `elem-${b.label}`, value: [b.value] });
    return out;
  }
  if (t.kind === 'tuple') {
    out.push({ label: 'short', value: t.elems.slice(1).map((e) => sample(e)) });
    const first = t.elems[0];
    if (first)
      for (const b of badValues(first).slice(0, 1))
        out.push({ label: `first-${b.label}`, value: [b.value, ...t.elems.slice(1).map((e) => sample(e))] });
    return out;
  }
  const enumValues = ENUM_VALUES[t.name];
  if (enumValues) {
    out.push({ label: 'unknown', value: typeof enumValues[0] === 'number' ? 99 : 'no-such-value' });
    return out;
  }
  switch (t.name) {
    // Text.JSON reads a Haskell String also from an array of one-character strings.
    case 'NonEmptyString':
      out.push({ label: 'empty', value: '' }, { label: 'chars', value: ['w', 'e', 'b'] }, { label: 'no-chars', value: [] });
      break;
    case 'String':
      out.push(
        { label: 'empty-ok', value: '' },
        { label: 'list', value: ['a'] },
        { label: 'chars', value: ['a', 'b'] },
        { label: 'list-long', value: ['ab'] },
        { label: 'list-empty', value: [] },
        { label: 'list-number', value: [5] },
      );
      break;
    case 'Int':
      out.push({ label: 'fraction', value: 1.5 }, { label: 'big', value: BIG }, { label: 'negative', value: -5 });
      break;
    case 'Double':
      out.push({ label: 'integer', value: 2 }, { label: 'bool', value: true });
      break;
    case 'NonNegative':
      out.push(
        { label: 'negative', value: -5 },
        { label: 'zero', value: 0 },
        { label: 'fraction', value: 2.5 },
        { label: 'big', value: BIG },
      );
      break;
    case 'Positive':
      out.push({ label: 'zero', value: 0 }, { label: 'negative', value: -1 }, { label: 'fraction', value: 0.4 });
      break;
    case 'Maybe':
    case 'Private':
    case 'Secret':
      return badValues(arg(t, 0));
    case 'ListSet': {
      // A set: stored deduplicated, in the element type's order.
      const elem = arg(t, 0);
      out.push(
        {
          label: 'elem-bad',
          value: badValues(elem)
            .map((b) => b.value)
            .slice(-1),
        },
        { label: 'multi-ok', value: [sample(elem, true), sample(elem), sample(elem, true)] },
      );
      break;
    }
    case 'JSObject':
      // Key order as given, or sorted (a Haskell Map): the stored form shows which.
      out.push({ label: 'string', value: 'x' }, { label: 'two-keys-ok', value: { zz: sample(arg(t, 0)), aa: sample(arg(t, 0), true) } });
      for (const b of badValues(arg(t, 0)).slice(0, 1)) out.push({ label: `value-${b.label}`, value: { k1: b.value } });
      break;
    case 'GenericContainer':
    case 'Map': {
      const key = arg(t, 0);
      if (key.kind === 'con' && ENUM_VALUES[key.name]) out.push({ label: 'bad-key', value: { bogus: sample(arg(t, 1)) } });
      out.push({
        label: 'two-keys-ok',
        value: { [String(sample(key, true))]: sample(arg(t, 1)), [String(sample(key))]: sample(arg(t, 1), true) },
      });
      for (const b of badValues(arg(t, 1)).slice(0, 1)) out.push({ label: `value-${b.label}`, value: { [String(sample(key))]: b.value } });
      break;
    }
    case 'IPv4Address':
    case 'IPv6Address':
      out.push({ label: 'not-ip', value: 'not-an-ip' });
      break;
    case 'IPv4Network':
      out.push({ label: 'bad-prefix', value: '192.0.2.0/33' }, { label: 'not-net', value: 'x' });
      break;
    case 'IPv6Network':
      out.push({ label: 'bad-prefix', value: '2001:db8::/129' }, { label: 'not-net', value: 'x' });
      break;
    case 'INicParams':
      out.push(
        { label: 'extra-key', value: { bogus: 1 } },
        { label: 'bad-mode', value: { mode: 'nosuch' } },
        { label: 'empty-ok', value: {} },
      );
      break;
    case 'IDiskParams':
      out.push(
        { label: 'size-unit', value: { size: '1G' } },
        { label: 'size-bad', value: { size: 'x' } },
        { label: 'extra-key', value: { bogus: 1 } },
      );
      break;
    case 'DiskIndex':
      out.push({ label: 'negative', value: -1 }, { label: 'too-big', value: 99 });
      break;
    case 'RecreateDisksInfo':
      out.push({ label: 'empty-ok', value: [] }, { label: 'elem-string', value: ['x'] }, { label: 'params', value: [[0, { size: 5 }]] });
      break;
    case 'SetParamsMods':
      out.push(
        { label: 'empty-ok', value: [] },
        { label: 'bad-op', value: [['bogus', 0, sample(arg(t, 0))]] },
        { label: 'old-style', value: [['add', sample(arg(t, 0))]] },
        { label: 'pair-of-ints', value: [[1, 2]] },
        { label: 'by-name', value: [['modify', 'disk0', sample(arg(t, 0))]] },
      );
      break;
    case 'ExportTarget':
      out.push({ label: 'empty', value: '' }, { label: 'list-ok', value: [1, 'a'] });
      break;
    default:
      break;
  }
  return out;
}

/** An opcode object in the key order luxid's error texts do not depend on: OP_ID first. */
type Op = Record<string, unknown>;

function cases(def: OpCodeDef, common: readonly OpParamDef[], moreEnumValues: EnumValues): ValidationCase[] {
  const all = [...common, ...def.params];
  const out: ValidationCase[] = [];
  const add = (label: string, op: Op): void => {
    out.push({ id: `${def.id}/${label}`, group: def.id, method: 'SubmitJob', args: [[op]] });
  };
  const types = new Map(all.map((p) => [p.name, parseHType(p.type)] as const));
  const typeOf = (p: OpParamDef): HType => types.get(p.name) as HType;
  const minimal = (): Op => {
    const op: Op = { OP_ID: def.id };
    for (const p of all) if (p.presence === 'required') op[p.name] = p.name === 'reason' ? [] : sample(typeOf(p));
    return op;
  };
  add('min', minimal());
  // Every parameter with a valid value other than its default.
  const full: Op = { OP_ID: def.id };
  for (const p of all) {
    let v = sample(typeOf(p));
    if (p.presence === 'default' && JSON.stringify(v) === JSON.stringify(p.default)) v = sample(typeOf(p), true);
    full[p.name] = v;
  }
  add('full', full);
  // Every non-required parameter null: dropped, stored as null or defaulted, per field.
  const nulls = minimal();
  for (const p of all) if (p.presence !== 'required') nulls[p.name] = null;
  add('nulls', nulls);
  // Only OP_ID and reason: the first missing key is reported (parse order).
  add('bare', { OP_ID: def.id, reason: [] });
  for (const p of all) {
    if (p.presence === 'required') {
      const op = minimal();
      delete op[p.name];
      add(`missing:${p.name}`, op);
    }
    if (p.presence === 'required' || p.name !== 'depends') add(`null:${p.name}`, { ...minimal(), [p.name]: null });
    const seen = new Set<string>();
    for (const b of badValues(typeOf(p))) {
      let label = `bad:${p.name}:${b.label}`;
      while (seen.has(label)) label += "'";
      seen.add(label);
      add(label, { ...minimal(), [p.name]: b.value });
    }
  }
  // Every value of an enum parameter (alone, or as the one element of a list or set).
  for (const p of all) {
    let t = typeOf(p);
    let wrap = (v: unknown): unknown => v;
    if (t.kind === 'con' && (t.name === 'Maybe' || t.name === 'ListSet') && t.args[0]) {
      if (t.name === 'ListSet') wrap = (v) => [v];
      t = t.args[0];
    } else if (t.kind === 'list') {
      wrap = (v) => [v];
      t = t.elem;
    }
    const values = t.kind === 'con' ? new Set([...(ENUM_VALUES[t.name] ?? []), ...(moreEnumValues[t.name] ?? [])]) : [];
    for (const v of values) add(`enum:${p.name}:${v}`, { ...minimal(), [p.name]: wrap(v) });
  }
  // Two bad parameters: which one luxid names (its parse order).
  const own = def.params;
  if (own.length >= 2) {
    const first = own[0] as OpParamDef;
    const last = own[own.length - 1] as OpParamDef;
    const bf = badValues(typeOf(first))[0];
    const bl = badValues(typeOf(last))[0];
    if (bf && bl) add('two-bad', { ...minimal(), [first.name]: bf.value, [last.name]: bl.value });
  }
  add('extra', { ...minimal(), bogus_param: 1 });
  const firstOwn = own[0];
  const firstBad = firstOwn ? badValues(typeOf(firstOwn))[0] : undefined;
  if (firstOwn && firstBad) add('extra-and-bad', { ...minimal(), [firstOwn.name]: firstBad.value, bogus_param: 1 });
  add('extra-two', { ...minimal(), zz_bogus: 1, aa_bogus: 2 });
  add(
    'extra-and-missing',
    (() => {
      const op: Op = { ...minimal(), bogus_param: 1 };
      const req = own.find((p) => p.presence === 'required');
      if (req) delete op[req.name];
      return op;
    })(),
  );
  // Common parameters, each bad in a few ways.
  const commonBad: [string, string, unknown][] = [
    ['priority', '99', 99],
    ['priority', 'string', 'x'],
    ['priority', 'ok-high', 10],
    ['priority', 'ok-low', -10],
    ['depends', 'short', [[1]]],
    ['depends', 'string', 'x'],
    ['depends', 'relative', [[-1, []]]],
    ['depends', 'bad-status', [[1, ['bogus']]]],
    ['depends', 'ok', [[1, ['success', 'error']]]],
    ['reason', 'string', 'x'],
    ['reason', 'pair', [['a', 'b']]],
    ['reason', 'number-source', [[1, 'b', 0]]],
    ['reason', 'ok', [['a', 'b', 1795633315754584001n]]],
    ['comment', 'number', 5],
    ['dry_run', 'string', 'yes'],
    ['debug_level', 'negative', -1],
  ];
  for (const [name, label, value] of commonBad) add(`common:${name}:${label}`, { ...minimal(), [name]: value });
  return out;
}

/**
 * Every case of one opcode. `moreEnumValues` adds values to try for each enum parameter
 * (e.g. the validator's own lists, so that a value only it accepts is caught).
 */
export function opcodeCases(def: OpCodeDef, common: readonly OpParamDef[], moreEnumValues: EnumValues = {}): ValidationCase[] {
  return cases(def, common, moreEnumValues);
}

/**
 * Cases about the request as a whole: OP_ID, job shapes and SubmitManyJobs. `good` is a
 * valid opcode and `bad` an invalid one (from opcodeCases).
 */
export function globalCases(good: Op, bad: Op): ValidationCase[] {
  const g = '(global)';
  const job = (label: string, ops: unknown[]): ValidationCase => ({ id: `${g}/${label}`, group: g, method: 'SubmitJob', args: [ops] });
  const many = (label: string, jobs: unknown[]): ValidationCase => ({
    id: `${g}/${label}`,
    group: g,
    method: 'SubmitManyJobs',
    args: [jobs],
  });
  const noId: Op = { ...good };
  delete noId['OP_ID'];
  return [
    job('op-id-missing', [noId]),
    job('op-id-number', [{ ...good, OP_ID: 5 }]),
    job('op-id-unknown', [{ ...good, OP_ID: 'OP_NO_SUCH' }]),
    job('op-id-lowercase', [{ ...good, OP_ID: String(good['OP_ID']).toLowerCase() }]),
    job('op-id-null', [{ ...good, OP_ID: null }]),
    job('op-list', [[1, 2]]),
    job('op-string', ['x']),
    job('op-null', [null]),
    job('job-empty', []),
    job('job-two-second-bad', [good, bad]),
    job('job-two-good', [good, good]),
    { id: `${g}/job-object`, group: g, method: 'SubmitJob', args: [good] },
    many('many-good-bad', [[good], [bad]]),
    many('many-bad-good', [[bad], [good]]),
    many('many-good-good', [[good], [good, good]]),
    many('many-empty', []),
    many('many-empty-job', [[]]),
    many('many-not-list', [good]),
  ];
}
