// SubmitJob's opcode parser (opcodes/parse.ts): luxid's texts for the faults the real luxid was
// seen to refuse (../shared/spec/real-ganeti-3.0.md, "SubmitJob validation"; the differential
// test in test/interop/opcode-validation.test.ts compares every opcode with the real daemon),
// and the opcode as luxid stores it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LuxiParseError } from '../../../src/protocols/luxi/decode.js';
import { decodeLuxiCall } from '../../../src/protocols/luxi/methods.js';
import { parseHType, showHType } from '../../../src/protocols/luxi/opcodes/htype.js';
import { OPCODE_TYPE_READERS, REDACTED } from '../../../src/protocols/luxi/opcodes/named-types.js';
import { opCodeDef, parseOpCode } from '../../../src/protocols/luxi/opcodes/parse.js';
import { COMMON_OP_PARAMS, OPCODES } from '../../../src/protocols/luxi/opcodes/table.js';

/** The text luxid answers for `op` (after "Failed to parse request: SubmitJob: "), or null. */
function refusal(op: unknown): string | null {
  try {
    decodeLuxiCall('SubmitJob', [[op]]);
    return null;
  } catch (err) {
    assert.ok(err instanceof LuxiParseError, String(err));
    return err.message.replace(/^SubmitJob: /, '');
  }
}

const startup = (extra: Record<string, unknown> = {}) => ({ OP_ID: 'OP_INSTANCE_STARTUP', instance_name: 'web1', reason: [], ...extra });

test('every parameter type of the table has a reader', () => {
  for (const p of [...COMMON_OP_PARAMS, ...OPCODES.flatMap((o) => o.params)]) {
    assert.ok(OPCODE_TYPE_READERS.knows(p.type), `${p.name}: ${p.type}`);
    assert.doesNotThrow(() => OPCODE_TYPE_READERS.reader(p.type), p.type);
  }
});

test('Haskell types parse to trees and print back', () => {
  for (const text of ['NonEmptyString', '[(NonEmptyString, JSValue)]', 'GenericContainer String (JSObject JSValue)', '()', '[[JSValue]]']) {
    assert.equal(showHType(parseHType(text)), text);
  }
  assert.deepEqual(parseHType('Qlang.QueryTypeOp'), { kind: 'con', name: 'QueryTypeOp', args: [] });
  assert.throws(() => parseHType('Maybe ['), TypeError);
  assert.throws(() => parseHType('Int -> Int'), TypeError);
});

test('the texts luxid answers for the documented faults', () => {
  assert.equal(refusal({ OP_ID: 'OP_NO_SUCH_THING', reason: [] }), 'Unknown opcode OP_NO_SUCH_THING');
  assert.equal(
    refusal({ OP_ID: 'OP_INSTANCE_STARTUP', reason: [] }),
    `key 'instance_name' not found, object contains only ["OP_ID","reason"]`,
  );
  assert.equal(refusal(startup({ instance_name: 5 })), "Can't parse value for 'instance_name': Unable to read String");
  assert.equal(refusal({ OP_ID: 'OP_TEST_DELAY', duration: 'x', reason: [] }), "Can't parse value for 'duration': Unable to read Double");
  assert.equal(refusal(startup({ priority: 99 })), "Can't parse value for 'priority': Invalid string value for type OpSubmitPriority: 99");
  assert.equal(refusal(startup({ depends: [[1]] })), "Can't parse value for 'depends': Unable to read Pair");
  assert.equal(
    refusal({ OP_ID: 'OP_INSTANCE_SHUTDOWN', instance_name: 'web1', timeout: -5, reason: [] }),
    "Can't parse value for 'timeout': Invalid value for non-negative type '-5'",
  );
  assert.equal(
    refusal({ OP_ID: 'OP_TAGS_GET', kind: 'planet', reason: [] }),
    `Can't parse value for 'kind': Invalid string value for type TagKind: "planet"`,
  );
  const extra = refusal({ OP_ID: 'OP_TEST_DELAY', duration: 1, reason: [], bogus_param: 1 });
  const def = opCodeDef('OP_TEST_DELAY');
  assert.ok(def);
  const allowed = ['OP_ID', ...COMMON_OP_PARAMS.map((p) => p.name), ...def.params.map((p) => p.name)].sort();
  assert.equal(extra, `Superfluous dictionary keys: ["bogus_param"], but only ${JSON.stringify(allowed)} allowed.`);
  // The demo-only `fail` knob of earlier versions is refused as luxid refuses it.
  assert.match(refusal({ OP_ID: 'OP_TEST_DELAY', duration: 1, reason: [], fail: true }) ?? '', /^Superfluous dictionary keys: \["fail"\]/);
});

test('parameters are read in table order, common ones first', () => {
  // Both priority and instance_name are bad: the common parameter is reported.
  assert.match(refusal({ OP_ID: 'OP_INSTANCE_STARTUP', priority: 'x', reason: [] }) ?? '', /'priority'/);
  // A missing reason comes before an unknown OP_ID.
  assert.equal(refusal({ OP_ID: 'OP_NOPE' }), `key 'reason' not found, object contains only ["OP_ID"]`);
  // Key lists keep the sender's order and are shown as Haskell shows strings.
  assert.equal(
    refusal({ é: 1, OP_ID: 'OP_INSTANCE_STARTUP', reason: [] }),
    `key 'instance_name' not found, object contains only ["\\233","OP_ID","reason"]`,
  );
});

test('Text.JSON reads a String from a list of one-character strings, and nothing else', () => {
  assert.equal(parseOpCode(startup({ instance_name: ['w', 'e', 'b', '1'] }))['instance_name'], 'web1');
  assert.equal(refusal(startup({ instance_name: ['we'] })), "Can't parse value for 'instance_name': Unable to read Char");
});

test('the stored opcode has luxid defaults filled, absent optionals dropped and values re-serialised', () => {
  const stored = parseOpCode({
    OP_ID: 'OP_INSTANCE_SHUTDOWN',
    instance_name: 'web1',
    reason: [],
    timeout: 1.5,
    dry_run: null,
    comment: null,
  });
  const def = opCodeDef('OP_INSTANCE_SHUTDOWN');
  assert.ok(def);
  for (const p of def.params) {
    if (p.presence === 'default' && p.name !== 'timeout') assert.deepEqual(stored[p.name], p.default, p.name);
    if (p.presence === 'optional') assert.ok(!(p.name in stored), p.name);
  }
  assert.equal(stored['timeout'], 2, 'Int rounds half to even');
  assert.equal(stored['priority'], 0);
  assert.equal(stored['comment'], null);
  assert.equal(stored['depends'], null);
  assert.ok(!('dry_run' in stored));
  // Parsing the stored form again gives the same opcode.
  assert.deepEqual(parseOpCode(stored), stored);
});

test('secret parameters are stored redacted, sets sorted and containers by key', () => {
  const create = {
    OP_ID: 'OP_INSTANCE_CREATE',
    instance_name: 'new1',
    disks: [{ size: '1G' }],
    mode: 'create',
    nics: [{}],
    reason: [],
    osparams_secret: { password: 'hunter2' },
  };
  const stored = parseOpCode(create);
  assert.deepEqual(stored['osparams_secret'], { password: REDACTED });
  const cluster = parseOpCode({
    OP_ID: 'OP_CLUSTER_SET_PARAMS',
    reason: [],
    hvparams: { xen: {}, kvm: {} },
    diskparams: { rbd: {}, drbd: {} },
  });
  assert.deepEqual(Object.keys(cluster['hvparams'] as object), ['kvm', 'xen'], 'String keys by code point');
  assert.deepEqual(Object.keys(cluster['diskparams'] as object), ['drbd', 'rbd'], 'DiskTemplate keys by declaration');
  assert.deepEqual(stored['disks'], [{ size: 1024 }], 'sizes with units are MiB');
  const verify = parseOpCode({ OP_ID: 'OP_CLUSTER_VERIFY', reason: [], ignore_errors: ['ENODEHV', 'ECLUSTERCFG', 'ENODEHV'] });
  assert.deepEqual(verify['ignore_errors'], ['ECLUSTERCFG', 'ENODEHV']);
  assert.equal(
    refusal({ OP_ID: 'OP_CLUSTER_VERIFY', reason: [], ignore_errors: {} }),
    "Can't parse value for 'ignore_errors': readJSON{Set}: unable to parse array value",
  );
});

test('a NIC with an unknown key is refused; a disk keeps its provider keys', () => {
  const base = { OP_ID: 'OP_INSTANCE_CREATE', instance_name: 'new1', mode: 'create', reason: [] };
  assert.match(
    refusal({ ...base, disks: [], nics: [{ colour: 'red' }] }) ?? '',
    /^Can't parse value for 'nics': Superfluous dictionary keys: \["colour"\]/,
  );
  assert.deepEqual(parseOpCode({ ...base, disks: [{ zz: null, size: 10, pool: 'x' }], nics: [] })['disks'], [
    { size: 10, pool: 'x', zz: null },
  ]);
  const size = (v: unknown) => parseOpCode({ ...base, disks: [{ size: v }], nics: [] })['disks'];
  assert.deepEqual(size('2g'), [{ size: 2048 }]);
  assert.deepEqual(size(' 0x10 GiB'), [{ size: 16384 }]);
  assert.deepEqual(size('-5g'), [{ size: -5120 }], 'luxid takes what Haskell reads takes');
  // A custom reader's failures carry no field prefix.
  assert.equal(refusal({ ...base, disks: [{ size: '1.5G' }], nics: [] }), "Can't parse value for 'disks': Unknown unit '.5G'");
  assert.equal(
    refusal({ ...base, disks: [{ size: true }], nics: [] }),
    "Can't parse value for 'disks': A numerical field has to be a number or a string.",
  );
});
