import { parseOpCode } from '../../../src/protocols/luxi/opcodes/parse.js';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { buildCall, parseCall } from '../../../src/message.js';
import { LuxiParseError } from '../../../src/protocols/luxi/decode.js';
import {
  LUXI_METHODS,
  LUXI_METHOD_TABLE,
  LUXI_VERSION,
  LUXI_WFJC_TIMEOUT_SECONDS,
  decodeLuxiCall,
  defaultQuerySocket,
  encodeLuxiArgs,
  type LuxiParams,
} from '../../../src/protocols/luxi/methods.js';
import { qlang } from '../../../src/protocols/luxi/qlang.js';
import type { LuxiMethod } from '../../../src/protocols/luxi/types.js';

// Ganeti 3.0 Constants.hs luxiReqAll, as a set.
const GANETI_LUXI_REQ_ALL = [
  'ArchiveJob',
  'AutoArchiveJobs',
  'CancelJob',
  'ChangeJobPriority',
  'Query',
  'QueryClusterInfo',
  'QueryConfigValues',
  'QueryExports',
  'QueryFields',
  'QueryGroups',
  'QueryInstances',
  'QueryJobs',
  'QueryNodes',
  'QueryNetworks',
  'QueryTags',
  'SetDrainFlag',
  'SetWatcherPause',
  'SubmitJob',
  'SubmitJobToDrainedQueue',
  'SubmitManyJobs',
  'WaitForJobChange',
  'PickupJob',
  'QueryFilters',
  'ReplaceFilter',
  'DeleteFilter',
];

test('the method table defines exactly the 25 Luxi calls of Ganeti 3.0 (case_AllDefined)', () => {
  assert.equal(LUXI_METHODS.length, 25);
  assert.deepEqual([...LUXI_METHODS].sort(), [...GANETI_LUXI_REQ_ALL].sort());
  assert.deepEqual(Object.keys(LUXI_METHOD_TABLE).sort(), [...GANETI_LUXI_REQ_ALL].sort());
  for (const name of LUXI_METHODS) assert.equal(LUXI_METHOD_TABLE[name].name, name);
});

test('only the Query calls and WaitForJobChange are marked read-only', () => {
  const readOnly = LUXI_METHODS.filter((m) => LUXI_METHOD_TABLE[m].readOnly);
  assert.deepEqual(readOnly.sort(), [
    'Query',
    'QueryClusterInfo',
    'QueryConfigValues',
    'QueryExports',
    'QueryFields',
    'QueryFilters',
    'QueryGroups',
    'QueryInstances',
    'QueryJobs',
    'QueryNetworks',
    'QueryNodes',
    'QueryTags',
    'WaitForJobChange',
  ]);
});

test('constants match Ganeti 3.0', () => {
  assert.equal(LUXI_VERSION, 3000000);
  assert.equal(LUXI_WFJC_TIMEOUT_SECONDS, 89);
  assert.equal(defaultQuerySocket({}), '/var/run/ganeti/socket/ganeti-query');
  assert.equal(defaultQuerySocket({ GANETI_ROOTDIR: '/srv/g' }), '/srv/g/var/run/ganeti/socket/ganeti-query');
});

const str = fc.string({ unit: 'binary', maxLength: 8 });
const strs = fc.array(str, { maxLength: 4 });
const jid = fc.nat({ max: 2 ** 40 });
const plain: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, str, fc.integer(), fc.boolean(), fc.constant(null), fc.array(tie('v'), { maxLength: 3 })),
})).v;
// Opcodes as an implementation receives them: as luxid stores them (opcodes/parse.ts).
const opcode = fc
  .oneof(
    fc.record({
      OP_ID: fc.constant('OP_TEST_DELAY'),
      duration: fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => (Object.is(d, -0) ? 0 : d)) /* JSON has no -0 */,
      reason: fc.constant([]),
    }),
    fc.record(
      { OP_ID: fc.constant('OP_INSTANCE_MIGRATE'), instance_name: str, reason: fc.constant([]) },
      { requiredKeys: ['OP_ID', 'instance_name', 'reason'] },
    ),
    fc.record({ OP_ID: fc.constant('OP_TAGS_SET'), kind: fc.constant('cluster'), tags: strs, reason: fc.constant([]) }),
  )
  .map((op) => parseOpCode(op));
const leaf = fc.oneof(
  fc.tuple(fc.constantFrom('==', '=', '!=', '<', '>', '<=', '>=', '=[]'), str, fc.oneof(str, fc.integer())),
  fc.tuple(fc.constant('?'), str),
  fc.tuple(fc.constant('=~'), str, fc.constantFrom('^web', 'a.*b', '')),
);
const filter: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  f: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('f'), { maxLength: 3 }).map((xs) => ['&', ...xs]),
    fc.array(tie('f'), { maxLength: 3 }).map((xs) => ['|', ...xs]),
    tie('f').map((x) => ['!', x]),
  ),
})).f;

// Arbitrary decoded parameters per method: what an implementation receives.
const PARAMS: { [M in LuxiMethod]: fc.Arbitrary<LuxiParams<M>> } = {
  QueryNodes: fc.tuple(strs, strs, fc.boolean()),
  QueryInstances: fc.tuple(strs, strs, fc.boolean()),
  QueryGroups: fc.tuple(strs, strs, fc.boolean()),
  QueryNetworks: fc.tuple(strs, strs, fc.boolean()),
  QueryExports: fc.tuple(strs, fc.boolean()),
  QueryJobs: fc.tuple(fc.array(jid, { maxLength: 4 }), strs),
  QueryFilters: fc.tuple(strs, strs),
  QueryConfigValues: fc.tuple(strs),
  QueryClusterInfo: fc.constant([] as []),
  QueryTags: fc.tuple(fc.constantFrom('instance', 'node', 'nodegroup', 'cluster', 'network'), str),
  Query: fc.tuple(
    fc.constantFrom('node', 'instance', 'group', 'job', 'filter', 'lock', 'os', 'export', 'network', 'cluster'),
    strs,
    fc.option(filter) as fc.Arbitrary<null | unknown[]>,
  ),
  QueryFields: fc.tuple(fc.constantFrom('node', 'instance', 'job'), strs),
  SubmitJob: fc.tuple(fc.array(opcode, { maxLength: 3 })),
  SubmitJobToDrainedQueue: fc.tuple(fc.array(opcode, { maxLength: 3 })),
  SubmitManyJobs: fc.tuple(fc.array(fc.array(opcode, { maxLength: 2 }), { maxLength: 3 })),
  WaitForJobChange: fc.tuple(jid, strs, fc.option(fc.array(plain, { maxLength: 3 })), fc.option(fc.nat()), fc.integer({ min: 0, max: 89 })),
  PickupJob: fc.tuple(jid),
  ArchiveJob: fc.tuple(jid),
  AutoArchiveJobs: fc.tuple(fc.integer(), fc.integer()),
  CancelJob: fc.tuple(jid, fc.boolean()),
  ChangeJobPriority: fc.tuple(jid, fc.integer({ min: -20, max: 19 })),
  SetDrainFlag: fc.tuple(fc.boolean()),
  SetWatcherPause: fc.tuple(fc.option(fc.double({ min: 0, max: 4e9, noNaN: true }))),
  ReplaceFilter: fc.tuple(
    fc.option(str),
    fc.nat(),
    fc.array(fc.tuple(fc.constantFrom('jobid', 'opcode', 'reason'), filter), { maxLength: 2 }),
    fc.oneof(
      fc.constantFrom('ACCEPT', 'PAUSE', 'REJECT', 'CONTINUE'),
      fc.tuple(fc.constant('RATE_LIMIT'), fc.integer({ min: 1, max: 100 })),
    ),
    fc.array(fc.tuple(str, str, fc.oneof(fc.nat(), fc.bigInt({ min: 2n ** 60n, max: 2n ** 62n }))), { maxLength: 2 }),
  ),
  DeleteFilter: fc.tuple(str),
};

for (const method of LUXI_METHODS) {
  test(`${method}: client encoding, the wire and server decoding give back the arguments (prop_CallEncoding)`, () => {
    fc.assert(
      fc.property(PARAMS[method] as fc.Arbitrary<unknown[]>, (params) => {
        const args = encodeLuxiArgs(method, params as never);
        const call = parseCall(buildCall(method, args));
        assert.equal(call.method, method);
        const decoded = decodeLuxiCall(call.method, call.args);
        assert.deepEqual(decoded, { method, params });
      }),
      { numRuns: 60 },
    );
  });
}

test('the client caps the WaitForJobChange wait at 89 seconds, as Python does', () => {
  assert.deepEqual(encodeLuxiArgs('WaitForJobChange', [7, ['status'], null, null, 600]), [7, ['status'], null, null, 89]);
});

function parseError(method: unknown, args: unknown): string {
  try {
    decodeLuxiCall(method, args);
  } catch (err) {
    assert.ok(err instanceof LuxiParseError, `expected LuxiParseError, got ${String(err)}`);
    return err.message;
  }
  assert.fail(`${String(method)} ${JSON.stringify(args)} was accepted`);
}

test('decoding refuses what luxid refuses, with luxid wording', () => {
  assert.equal(parseError('Foo', []), 'Unable to parse LUXI request method: Invalid string value for type LuxiReq: "Foo"');
  assert.equal(parseError(42, []), 'Unable to parse LUXI request method: Unable to read String');
  assert.equal(
    parseError('Query', ['nosuchresource', ['name'], null]),
    `Cannot convert value '["nosuchresource", ["name"], null]', error: Can't parse value 'nosuchresource' as neitherQueryTypeLuxi nor QueryTypeOp`,
  );
  assert.equal(parseError('QueryNodes', [[], ['name']]), `Cannot convert value '[[], ["name"]]', error: Unable to read Triple`);
  assert.equal(parseError('QueryNodes', [[], ['name'], 'yes']), `Cannot convert value '[[], ["name"], "yes"]', error: Unable to read Bool`);
  assert.equal(parseError('QueryNodes', [[], [1], false]), `Cannot convert value '[[], [1], false]', error: Unable to read String`);
  assert.equal(parseError('QueryExports', {}), `Cannot convert value '{}', error: Unable to read Pair`);
  assert.match(parseError('ArchiveJob', [1, 2]), /^Pattern match failure/);
  assert.equal(parseError('ArchiveJob', [-1]), `Cannot convert value '[-1]', error: Invalid value for job ID ' -1'`);
  assert.equal(
    parseError('ArchiveJob', [1.5]),
    `Cannot convert value '[1.5]', error: Got fractional job ID from master daemon?! Value:1.5`,
  );
  assert.match(parseError('ArchiveJob', [true]), /Wrong type\/value for job id: true/);
  assert.equal(parseError('WaitForJobChange', [1, ['status'], null, null]), 'Parsing WaitForJobChange message: Not enough values');
  assert.equal(parseError('SubmitJob', [[{ foo: 1 }]]), `SubmitJob: key 'reason' not found, object contains only ["foo"]`);
  assert.equal(
    parseError('SubmitJob', [[{ foo: 1, reason: [] }]]),
    `SubmitJob: key 'OP_ID' not found, object contains only ["foo","reason"]`,
  );
  assert.equal(
    parseError('SubmitJob', [[{ OP_ID: 'OP_TEST_DELAY', reason: [['a', 'b']] }]]),
    "SubmitJob: Can't parse value for 'reason': Unable to read Triple",
  );
  assert.equal(parseError('CancelJob', [1, 'x']), `Cannot convert value '[1, "x"]', error: Unable to read 1 tuple`);
  assert.equal(
    parseError('QueryTags', ['bogus', 'x']),
    `Cannot convert value '["bogus", "x"]', error: Invalid string value for type TagKind: "bogus"`,
  );
  assert.match(parseError('Query', ['node', ['name'], ['~~', 'a']]), /Unknown filter operand '~~'/);
  assert.match(parseError('Query', ['node', ['name'], ['=', 'name', 1.5]]), /expecting integral but got a fractional value/);
  assert.match(parseError('ReplaceFilter', [null, -1, [], 'ACCEPT', []]), /Invalid value for non-negative type '-1'/);
  assert.match(parseError('ReplaceFilter', [null, 0, [], ['RATE_LIMIT', 0], []]), /RATE_LIMIT argument must be a positive integer/);
  assert.match(parseError('SetDrainFlag', ['true']), /Unable to read Bool/);
});

test('decoding accepts what luxid accepts beyond the strict form', () => {
  assert.deepEqual(decodeLuxiCall('ArchiveJob', ['12']).params, [12]);
  assert.deepEqual(decodeLuxiCall('CancelJob', [3]).params, [3, false]);
  assert.deepEqual(decodeLuxiCall('QueryJobs', [null, ['id']]).params, [[], ['id']]);
  assert.deepEqual(decodeLuxiCall('QueryFields', ['node', null]).params, ['node', []]);
  assert.deepEqual(decodeLuxiCall('QueryClusterInfo', ['ignored']).params, []);
  assert.deepEqual(decodeLuxiCall('SetWatcherPause', ['garbage']).params, [null]);
  assert.deepEqual(decodeLuxiCall('SetWatcherPause', []).params, [null]);
  assert.deepEqual(decodeLuxiCall('ChangeJobPriority', [1, 2.5]).params, [1, 2]);
  assert.deepEqual(decodeLuxiCall('WaitForJobChange', [1, ['status'], 'x', 'y', 10]).params, [1, ['status'], null, null, 10]);
});

test('qlang builds Ganeti list-form filters', () => {
  assert.deepEqual(qlang.and(qlang.eq('name', 'x'), qlang.regexp('name', '^web')), ['&', ['==', 'name', 'x'], ['=~', 'name', '^web']]);
  assert.deepEqual(qlang.or(qlang.not(qlang.true('offline')), qlang.contains('tags', 'a')), [
    '|',
    ['!', ['?', 'offline']],
    ['=[]', 'tags', 'a'],
  ]);
  assert.deepEqual(
    [qlang.ne('a', 1), qlang.lt('a', 1), qlang.le('a', 1), qlang.gt('a', 1), qlang.ge('a', 1)],
    [
      ['!=', 'a', 1],
      ['<', 'a', 1],
      ['<=', 'a', 1],
      ['>', 'a', 1],
      ['>=', 'a', 1],
    ],
  );
  assert.deepEqual(qlang.simple('name', ['a', 'b']), ['|', ['==', 'name', 'a'], ['==', 'name', 'b']]);
  assert.equal(qlang.simple('name', []), null);
  // Everything the builder makes is accepted by the server-side decoder.
  const f = qlang.and(qlang.simple('name', ['a']) ?? qlang.true('x'), qlang.ge('mfree', 1024));
  assert.deepEqual(decodeLuxiCall('Query', ['node', ['name'], f]).params, ['node', ['name'], f]);
});
