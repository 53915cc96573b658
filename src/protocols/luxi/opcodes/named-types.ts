/**
 * How luxid reads each named Haskell type that opcode parameters use: the primitives of
 * Text.JSON, Ganeti's wrappers (NonEmpty, NonNegative, Private, ...), its string enums
 * (Types.hs `declareLADT`), and its objects (OpParams.hs INicParams, IDiskParams,
 * SetParamsMods, RecreateDisksInfo, ...), with their error texts. Each reader returns the
 * value as luxid serialises it again, which is what QueryJobs shows as the stored opcode.
 */
import {
  LuxiParseError,
  fail,
  haskellShowString,
  haskellShowStrings,
  ppValue,
  readBool,
  readDouble,
  readJobId,
  readReasonTrail,
  readString,
} from '../decode.js';
import { listReader, type NamedTypeReader, TypeReaders, tupleReader, type ValueReader, withDesc } from './htype.js';

/** Ganeti's string enums (Types.hs `declareLADT`), wire values in constructor order. */
export const ENUM_VALUES = {
  DiskTemplate: ['diskless', 'file', 'sharedfile', 'plain', 'blockdev', 'drbd', 'rbd', 'ext', 'gluster'],
  TagKind: ['instance', 'node', 'nodegroup', 'cluster', 'network'],
  AllocPolicy: ['preferred', 'last_resort', 'unallocable'],
  MigrationMode: ['live', 'non-live'],
  VerifyOptionalChecks: ['nplusone_mem'],
  CVErrorCode: [
    'ECLUSTERCFG',
    'ECLUSTERCERT',
    'ECLUSTERCLIENTCERT',
    'ECLUSTERFILECHECK',
    'ECLUSTERDANGLINGNODES',
    'ECLUSTERDANGLINGINST',
    'EINSTANCEBADNODE',
    'EINSTANCEDOWN',
    'EINSTANCELAYOUT',
    'EINSTANCEMISSINGDISK',
    'EINSTANCEFAULTYDISK',
    'EINSTANCEWRONGNODE',
    'EINSTANCESPLITGROUPS',
    'EINSTANCEPOLICY',
    'EINSTANCEUNSUITABLENODE',
    'EINSTANCEMISSINGCFGPARAMETER',
    'ENODEDRBD',
    'ENODEDRBDVERSION',
    'ENODEDRBDHELPER',
    'ENODEFILECHECK',
    'ENODEHOOKS',
    'ENODEHV',
    'ENODELVM',
    'ENODEN1',
    'ENODENET',
    'ENODEOS',
    'ENODEORPHANINSTANCE',
    'ENODEORPHANLV',
    'ENODERPC',
    'ENODESSH',
    'ENODEVERSION',
    'ENODESETUP',
    'ENODETIME',
    'ENODEOOBPATH',
    'ENODEUSERSCRIPTS',
    'ENODEFILESTORAGEPATHS',
    'ENODEFILESTORAGEPATHUNUSABLE',
    'ENODESHAREDFILESTORAGEPATHUNUSABLE',
    'ENODEGLUSTERSTORAGEPATHUNUSABLE',
    'EGROUPDIFFERENTPVSIZE',
    'EEXTAGS',
  ],
  DdmSimple: ['add', 'attach', 'remove', 'detach'],
  DdmFull: ['add', 'attach', 'remove', 'detach', 'modify'],
  Hypervisor: ['kvm', 'xen-pvm', 'chroot', 'xen-hvm', 'lxc', 'fake'],
  OobCommand: ['health', 'power-cycle', 'power-off', 'power-on', 'power-status'],
  StorageType: ['file', 'sharedfile', 'gluster', 'lvm-pv', 'lvm-vg', 'diskless', 'blockdev', 'rados', 'ext'],
  EvacMode: ['primary-only', 'secondary-only', 'all'],
  FileDriver: ['loop', 'blktap', 'blktap2'],
  InstCreateMode: ['create', 'import', 'remote-import'],
  RebootType: ['soft', 'hard', 'full'],
  ExportMode: ['local', 'remote'],
  IAllocatorTestDir: ['in', 'out'],
  IAllocatorMode: ['allocate', 'allocate-secondary', 'multi-allocate', 'relocate', 'node-evacuate', 'change-group'],
  NICMode: ['bridged', 'routed', 'openvswitch', 'pool'],
  FinalizedJobStatus: ['canceled', 'success', 'error'],
  AdminStateSource: ['admin', 'user'],
  ReplaceDisksMode: ['replace_on_primary', 'replace_on_secondary', 'replace_new_secondary', 'replace_auto'],
  SshKeyType: ['rsa', 'dsa', 'ecdsa'],
  /** OpParams.hs `DiskAccess` (declareSADT over C.diskRdonly, C.diskRdwr). */
  DiskAccess: ['ro', 'rw'],
  /** Query/Language.hs `QueryTypeOp`: the resources OP_QUERY takes. */
  QueryTypeOp: ['cluster', 'instance', 'node', 'group', 'os', 'export', 'network'],
} as const satisfies Record<string, readonly string[]>;

/** Opcode priorities (Types.hs `OpSubmitPriority`, an integer enum): low, normal, high. */
export const SUBMIT_PRIORITIES = [10, 0, -10] as const;

/** The most disks an instance may have (Constants.hs `maxDisks`), bounding a DiskIndex. */
export const MAX_DISKS = 16;

/** What Ganeti stores for a `Secret` value (Types.hs `redacted`). */
export const REDACTED = '<redacted>';

/** Haskell rounds half to even (`round`). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** An exact integer as a number when safe, else a bigint. */
function canonicalInt(n: bigint): number | bigint {
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

/**
 * Text.JSON's `Int`: any JSON number, rounded half to even, wrapped to 64 bits as GHC's
 * `fromInteger` does.
 */
export function readHaskellInt(v: unknown): number | bigint {
  if (typeof v === 'bigint') return canonicalInt(BigInt.asIntN(64, v));
  if (typeof v !== 'number' || !Number.isFinite(v)) fail('Unable to read Int');
  const r = roundHalfEven(v);
  return Number.isSafeInteger(r) ? r : canonicalInt(BigInt.asIntN(64, BigInt(r)));
}

/** Text.JSON's `Integer`: any JSON number, rounded, unbounded. */
function readHaskellInteger(v: unknown): number | bigint {
  if (typeof v === 'bigint') return canonicalInt(v);
  if (typeof v !== 'number' || !Number.isFinite(v)) fail('Unable to read Integer');
  const r = roundHalfEven(v);
  return Number.isSafeInteger(r) ? r : canonicalInt(BigInt(r));
}

/** Haskell's `show` of a number, for "Invalid value for ... type '-5'". */
function showNumber(n: unknown): string {
  return typeof n === 'bigint' ? n.toString() : String(n);
}

const lessThan = (n: unknown, than: number): boolean => (typeof n === 'bigint' ? n < BigInt(than) : (n as number) < than);

/** A reader that takes exactly one type argument. */
function unary(make: (arg: ValueReader) => ValueReader): NamedTypeReader {
  return ([arg]) => {
    if (!arg) throw new TypeError('this type takes one argument');
    return make(arg);
  };
}

/** Types.hs `mkNonEmpty`. */
function nonEmpty(list: unknown): void {
  if ((Array.isArray(list) || typeof list === 'string') && list.length === 0) fail('Received empty value for non-empty list');
}

/** A `declareLADT` string enum: `readJSONWithDesc name` a String, then `fromRaw`. */
function enumReader(name: string, values: readonly string[]): ValueReader {
  const known: ReadonlySet<string> = new Set(values);
  const readRaw = withDesc(name, readString);
  return (v) => {
    const s = readRaw(v) as string;
    if (!known.has(s)) fail(`Invalid string value for type ${name}: ${haskellShowString(s)}`);
    return s;
  };
}

/** The enum's constructor order, for Set-ordered values (ListSet). */
function enumOrder(argType: unknown): ReadonlyMap<unknown, number> | undefined {
  const t = argType as { kind?: string; name?: string };
  if (t.kind !== 'con' || !t.name || !(t.name in ENUM_VALUES)) return undefined;
  const values = ENUM_VALUES[t.name as keyof typeof ENUM_VALUES] as readonly string[];
  return new Map(values.map((v, i) => [v, i]));
}

/** `readJSONfromDict` of a THH object: a JSON object, its fields, then the superfluous-key check. */
interface ObjectField {
  readonly name: string;
  readonly read: ValueReader;
  /** A custom THH `fieldRead`: its failures are not prefixed with the field name. */
  readonly custom?: boolean;
}

function objectReader(fields: readonly ObjectField[], restKey?: string): ValueReader {
  const allowed = fields.map((f) => f.name);
  const allowedSet: ReadonlySet<string> = new Set(allowed);
  const sortedAllowed = [...allowed].sort(compareCodePoints);
  return (v) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) fail('Unable to read JSObject');
    const obj = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const f of fields) {
      const value = obj[f.name];
      if (value === undefined || value === null) continue; // every field is optional
      out[f.name] = f.custom ? f.read(value) : withDesc(f.name, f.read)(value);
    }
    const extra = Object.keys(obj).filter((k) => !allowedSet.has(k));
    if (restKey !== undefined) {
      // The rest arguments are a Map: stored after the fields, sorted, nulls kept.
      for (const k of extra.sort(compareCodePoints)) out[k] = obj[k];
    } else if (extra.length > 0) {
      fail(
        `Superfluous dictionary keys: ${haskellShowStrings(extra.sort(compareCodePoints))}, but only ${haskellShowStrings(sortedAllowed)} allowed.`,
      );
    }
    return out;
  };
}

/** Orders strings by code point, as Haskell's `Ord String` and `Ord Text` do. */
export function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i]?.codePointAt(0) ?? 0) - (y[i]?.codePointAt(0) ?? 0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** Text.JSON's `JSObject a`: an object whose values read as `a`; key order kept. */
function jsObjectReader(value: ValueReader): ValueReader {
  return (v) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) fail('Unable to read JSObject');
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = value(x);
    return out;
  };
}

/** Ganeti's `GenericContainer k v` (JSON.hs `readContainer`): keys by their string repr, sorted. */
function containerReader(key: (k: string) => string, value: ValueReader, compare: (a: string, b: string) => number): ValueReader {
  return (v) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      fail(`Failed to load container, expected object but got ${ppValue(v)}`);
    }
    const entries = Object.entries(v as Record<string, unknown>).map(([k, x]): [string, unknown] => {
      const parsedKey = key(k);
      try {
        return [parsedKey, value(x)];
      } catch (err) {
        if (err instanceof LuxiParseError) fail(`key '${k}': ${err.message}`);
        throw err;
      }
    });
    entries.sort(([a], [b]) => compare(a, b));
    return Object.fromEntries(entries);
  };
}

/** Tries readers in turn (Text.JSON `mplus`): the last failure is the one reported. */
function firstOf(...readers: ValueReader[]): ValueReader {
  return (v) => {
    let last: unknown;
    for (const read of readers) {
      try {
        return read(v);
      } catch (err) {
        if (!(err instanceof LuxiParseError)) throw err;
        last = err;
      }
    }
    throw last;
  };
}

const readInt: ValueReader = readHaskellInt;
const readNonEmptyString: ValueReader = (v) => {
  const s = readString(v);
  nonEmpty(s);
  return s;
};
const readNonNegativeInt: ValueReader = (v) => {
  const n = readInt(v);
  if (lessThan(n, 0)) fail(`Invalid value for non-negative type '${showNumber(n)}'`);
  return n;
};

/** OpParams.hs `DiskIndex`: an Int in 0..maxDisks-1. */
const readDiskIndex: ValueReader = (v) => {
  const n = readInt(v);
  if (lessThan(n, 0) || !lessThan(n, MAX_DISKS)) {
    fail(`Invalid value for disk index '${showNumber(n)}', required between 0 and ${MAX_DISKS}`);
  }
  return n;
};

/** A size unit's factor to MiB with every kilo binary (Utils.hs `parseUnitValue True`). */
function unitFactor(unit: string): number | undefined {
  const upper = unit.toUpperCase();
  if (unit === '' || unit === 'm' || upper === 'MIB' || unit === 'M' || upper === 'MB') return 1;
  if (unit === 'g' || upper === 'GIB' || unit === 'G' || upper === 'GB') return 1024;
  if (unit === 't' || upper === 'TIB' || unit === 'T' || upper === 'TB') return 1024 * 1024;
  return undefined;
}

/**
 * THH `specialNumericalField 'parseUnitAssumeBinary`: a JSON number read as an Int, or a
 * string of an integer (as Haskell's `reads` takes it: sign, decimal, 0x, 0o), spaces, and
 * an optional unit, in MiB.
 */
export function readSizeWithUnit(v: unknown): unknown {
  if (typeof v === 'number' || typeof v === 'bigint') return readInt(v);
  if (typeof v !== 'string') fail('A numerical field has to be a number or a string.');
  const m = /^\s*(-?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|\d+)(.*)$/s.exec(v);
  if (!m) fail(`Can't parse string '${v}'`);
  const digits = m[2] as string;
  const magnitude = /^0[oO]/.test(digits) ? Number.parseInt(digits.slice(2), 8) : Number(digits);
  const unit = (m[3] as string).replace(/^ +/, '');
  const factor = unitFactor(unit);
  if (factor === undefined) fail(`Unknown unit '${unit}'`);
  return (m[1] === '-' ? -magnitude : magnitude) * factor;
}

/** OpParams.hs `INicParams` (every field optional, unknown keys refused). */
const readINicParams = objectReader([
  { name: 'mac', read: readNonEmptyString },
  { name: 'ip', read: readString },
  { name: 'mode', read: readNonEmptyString },
  { name: 'link', read: readNonEmptyString },
  { name: 'name', read: readNonEmptyString },
  { name: 'vlan', read: readString },
  { name: 'bridge', read: readNonEmptyString },
  { name: 'network', read: readNonEmptyString },
]);

/** OpParams.hs `IDiskParams` (every field optional; other keys kept as `opaque` rest arguments). */
const readIDiskParams = objectReader(
  [
    { name: 'size', read: readSizeWithUnit, custom: true },
    { name: 'mode', read: enumReader('DiskAccess', ENUM_VALUES.DiskAccess) },
    { name: 'adopt', read: readNonEmptyString },
    { name: 'vg', read: readNonEmptyString },
    { name: 'metavg', read: readNonEmptyString },
    { name: 'name', read: readNonEmptyString },
    { name: 'provider', read: readNonEmptyString },
    { name: 'spindles', read: readInt },
    { name: 'access', read: readNonEmptyString },
  ],
  'opaque',
);

function nonEmptyList(elem: ValueReader): ValueReader {
  const list = listReader(elem);
  return (v) => {
    const out = list(v) as unknown[];
    nonEmpty(out);
    return out;
  };
}

/** OpParams.hs `DdmOldChanges`: a disk/NIC index, or add/attach/remove/detach. */
const readDdmOldChanges: ValueReader = (v) => {
  try {
    return readNonNegativeInt(v);
  } catch (err) {
    if (!(err instanceof LuxiParseError)) throw err;
  }
  try {
    return enumReader('DdmSimple', ENUM_VALUES.DdmSimple)(v);
  } catch (err) {
    if (!(err instanceof LuxiParseError)) throw err;
  }
  return fail(`Can't parse value '${ppValue(v)}' as either index or modification`);
};

/** OpParams.hs `readSetParams`: [] or one of the three modification list forms. */
function setParamsModsReader(item: ValueReader): ValueReader {
  const ddmFull = enumReader('DdmFull', ENUM_VALUES.DdmFull);
  const forms = firstOf(
    nonEmptyList(tupleReader([readDdmOldChanges, item])),
    nonEmptyList(tupleReader([ddmFull, readInt, item])),
    nonEmptyList(tupleReader([ddmFull, readString, item])),
  );
  return (v) => (Array.isArray(v) && v.length === 0 ? [] : forms(v));
}

/** OpParams.hs `readRecreateDisks`: [] (all), disk indices, or [index, IDiskParams] pairs. */
const readRecreateDisksInfo: ValueReader = (v) => {
  if (Array.isArray(v) && v.length === 0) return [];
  for (const read of [listReader(readDiskIndex), listReader(tupleReader([readDiskIndex, readIDiskParams]))]) {
    try {
      const out = read(v) as unknown[];
      nonEmpty(out);
      return out;
    } catch (err) {
      if (!(err instanceof LuxiParseError)) throw err;
    }
  }
  return fail(`Can't parse disk information as either list of disk indices or list of disk parameters; value received:${ppValue(v)}`);
};

/** OpParams.hs `readExportTarget`: a node name, or the remote export's list. */
const readExportTarget: ValueReader = (v) => {
  if (typeof v === 'string') {
    nonEmpty(v);
    return v;
  }
  if (Array.isArray(v)) return v;
  return fail(`Invalid value received for 'target_node': ${ppValue(v)}`);
};

/** Types.hs `JobIdDep`: a relative (negative) id, else an absolute job id. */
const readJobIdDep: ValueReader = (v) => {
  if ((typeof v === 'number' || typeof v === 'bigint') && lessThan(readInt(v), 0)) return readInt(v);
  return readJobId(v);
};

/** Types.hs `JobDependency`: `[job id, [finalized statuses]]`. */
const readJobDependency = tupleReader([readJobIdDep, listReader(enumReader('FinalizedJobStatus', ENUM_VALUES.FinalizedJobStatus))]);

/** Types.hs `OpSubmitPriority`: an Int that must be one of the three priorities. */
const readSubmitPriority: ValueReader = (v) => {
  const n = withDesc('OpSubmitPriority', readInt)(v);
  if (!(SUBMIT_PRIORITIES as readonly unknown[]).includes(n)) fail(`Invalid string value for type OpSubmitPriority: ${showNumber(n)}`);
  return n;
};

const constant =
  (read: ValueReader): NamedTypeReader =>
  () =>
    read;

const NAMED: ReadonlyMap<string, NamedTypeReader> = new Map<string, NamedTypeReader>([
  ['String', constant(readString)],
  ['Bool', constant(readBool)],
  ['Int', constant(readInt)],
  ['Integer', constant(readHaskellInteger)],
  ['Double', constant(readDouble)],
  ['JSValue', constant((v) => v)],
  ['NonEmptyString', constant(readNonEmptyString)],
  ['IPv4Address', constant(readString)],
  ['IPv4Network', constant(readString)],
  ['IPv6Address', constant(readString)],
  ['IPv6Network', constant(readString)],
  ['DiskIndex', constant(readDiskIndex)],
  ['OpSubmitPriority', constant(readSubmitPriority)],
  ['JobDependency', constant(readJobDependency)],
  ['ReasonTrail', constant(readReasonTrail)],
  ['INicParams', constant(readINicParams)],
  ['IDiskParams', constant(readIDiskParams)],
  ['RecreateDisksInfo', constant(readRecreateDisksInfo)],
  ['ExportTarget', constant(readExportTarget)],
  ['NonEmpty', unary(nonEmptyList)],
  [
    'NonNegative',
    unary((inner) => (v) => {
      const n = inner(v);
      if (lessThan(n, 0)) fail(`Invalid value for non-negative type '${showNumber(n)}'`);
      return n;
    }),
  ],
  [
    'Positive',
    unary((inner) => (v) => {
      const n = inner(v);
      if (!(typeof n === 'bigint' ? n > 0n : (n as number) > 0)) fail(`Invalid value for positive type '${showNumber(n)}'`);
      return n;
    }),
  ],
  ['Private', unary((inner) => inner)],
  [
    'Secret',
    unary((inner) => (v) => {
      inner(v);
      return REDACTED;
    }),
  ],
  ['JSObject', unary(jsObjectReader)],
  ['SetParamsMods', unary(setParamsModsReader)],
  [
    'ListSet',
    ([elem], [argType]) => {
      if (!elem) throw new TypeError('ListSet takes one argument');
      const list = listReader(elem);
      const order = enumOrder(argType);
      return (v) => {
        if (!Array.isArray(v)) fail('readJSON{Set}: unable to parse array value');
        const unique = [...new Set(list(v) as unknown[])];
        if (order) unique.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
        return unique;
      };
    },
  ],
  [
    'GenericContainer',
    ([, value], [keyType]) => {
      if (!value || !keyType) throw new TypeError('GenericContainer takes two arguments');
      const enumName = keyType.kind === 'con' ? keyType.name : '';
      const values = (ENUM_VALUES as Record<string, readonly string[]>)[enumName];
      const key = values
        ? (k: string) => {
            if (!values.includes(k)) fail(`Invalid string value for type ${enumName}: ${haskellShowString(k)}`);
            return k;
          }
        : (k: string) => k;
      // Map order: an enum's keys by declaration, strings by code point.
      const order = (k: string) => values?.indexOf(k) ?? 0;
      const compare = values ? (a: string, b: string) => order(a) - order(b) : compareCodePoints;
      return containerReader(key, value, compare);
    },
  ],
  ...Object.entries(ENUM_VALUES).map(([name, values]): [string, NamedTypeReader] => [name, constant(enumReader(name, values))]),
]);

/** Readers for every type the opcode table uses. */
export const OPCODE_TYPE_READERS = new TypeReaders(NAMED);
