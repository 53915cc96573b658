// The opcode table's own consistency, plus facts of Ganeti 3.0.2's OpCodes.hs / OpParams.hs that
// a transcription slip would break. The full comparison with Ganeti's Python package lives in
// test/interop/opcode-table-python.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { COMMON_OP_PARAMS, OPCODES, type OpCodeDef, type OpParamDef } from '../../../src/protocols/luxi/opcodes/table.js';

// No opcode of 3.0.2 has an `andRestArguments` parameter, so `rest` never occurs.
const PRESENCES = new Set(['required', 'optional', 'optionalNull', 'default']);

/** The parameters OpParams.hs gives no `withDoc` (Python's generated doc is '' for them too). */
const UNDOCUMENTED = new Set([
  'hotplug',
  'hotplug_if_possible',
  'file_storage_dir',
  'shared_file_storage_dir',
  'gluster_storage_dir',
  'instance_communication_network',
  'zeroing_image',
  'modify_etc_hosts',
]);

function opcode(id: string): OpCodeDef {
  const op = OPCODES.find((o) => o.id === id);
  assert.ok(op, `${id} is in the table`);
  return op;
}

function param(id: string, name: string): OpParamDef {
  const p = [...opcode(id).params, ...COMMON_OP_PARAMS].find((q) => q.name === name);
  assert.ok(p, `${id} has ${name}`);
  return p;
}

/** The parameter without its doc, for comparing the facts luxid parses by. */
function shape(p: OpParamDef): Omit<OpParamDef, 'doc'> {
  const { doc: _doc, ...rest } = p;
  return rest;
}

function isSingleLine(text: string): boolean {
  return text === text.trim() && !/\s\s|[\n\r\t]/.test(text);
}

describe('opcode table', () => {
  test('has the 75 opcodes of Ganeti 3.0, each id once, in OpCodes.hs order', () => {
    const ids = OPCODES.map((o) => o.id);
    assert.equal(ids.length, 75);
    assert.equal(new Set(ids).size, 75);
    for (const id of ids) assert.match(id, /^OP_[A-Z]+(?:_[A-Z0-9]+)*$/);
    assert.deepEqual(ids.slice(0, 4), ['OP_CLUSTER_POST_INIT', 'OP_CLUSTER_DESTROY', 'OP_CLUSTER_QUERY', 'OP_CLUSTER_VERIFY']);
    assert.deepEqual(ids.slice(-2), ['OP_NETWORK_CONNECT', 'OP_NETWORK_DISCONNECT']);
    // deCamelCase keeps "Queryvols" one word.
    assert.ok(ids.includes('OP_NODE_QUERYVOLS'));
  });

  test('no opcode repeats a parameter name, its own or a common one', () => {
    for (const op of OPCODES) {
      const names = [...op.params, ...COMMON_OP_PARAMS].map((p) => p.name);
      assert.equal(new Set(names).size, names.length, `${op.id}: ${names.join(', ')}`);
    }
  });

  test('a default is given exactly for the defaulted parameters, and is plain JSON', () => {
    for (const op of OPCODES) {
      for (const p of [...op.params, ...COMMON_OP_PARAMS]) {
        const where = `${op.id}.${p.name}`;
        assert.ok(PRESENCES.has(p.presence), where);
        assert.equal('default' in p, p.presence === 'default', where);
        if (p.presence === 'default') {
          assert.notEqual(p.default, undefined, where);
          assert.notEqual(p.default, null, where);
          assert.deepEqual(JSON.parse(JSON.stringify(p.default)), p.default, where);
        }
      }
    }
  });

  test('every opcode has a one-line doc and a result type', () => {
    for (const op of OPCODES) {
      assert.ok(op.doc.length > 0, op.id);
      assert.ok(isSingleLine(op.doc), op.id);
      assert.ok(op.result.length > 0, op.id);
    }
  });

  test('every parameter doc is one line, and empty only where OpParams.hs has no withDoc', () => {
    for (const op of OPCODES) {
      for (const p of [...op.params, ...COMMON_OP_PARAMS]) {
        assert.ok(isSingleLine(p.doc), `${op.id}.${p.name}`);
        if (p.doc === '') assert.ok(UNDOCUMENTED.has(p.name), `${op.id}.${p.name} has no doc`);
      }
    }
    assert.equal(param('OP_CLUSTER_SET_PARAMS', 'file_storage_dir').doc, '');
    // The same key elsewhere comes from a documented field (pFileStorageDir).
    assert.equal(param('OP_INSTANCE_CREATE', 'file_storage_dir').doc, 'Directory for storing file-backed disks');
  });

  test('types are Haskell types as written, without Maybe or module qualifiers', () => {
    for (const op of OPCODES) {
      for (const p of [...op.params, ...COMMON_OP_PARAMS]) {
        const where = `${op.id}.${p.name}: ${p.type}`;
        assert.match(p.type, /^[A-Za-z0-9_ ()[\],]+$/, where);
        assert.ok(!/^Maybe\b/.test(p.type), where);
        let depth = 0;
        for (const c of p.type) {
          if (c === '(' || c === '[') depth++;
          if (c === ')' || c === ']') depth--;
          assert.ok(depth >= 0, where);
        }
        assert.equal(depth, 0, where);
        assert.ok(isSingleLine(p.type), where);
      }
    }
    assert.equal(param('OP_QUERY', 'what').type, 'QueryTypeOp');
  });

  test('the common parameters are CommonOpParams in parse order', () => {
    assert.deepEqual(COMMON_OP_PARAMS.map(shape), [
      { name: 'dry_run', type: 'Bool', presence: 'optional' },
      { name: 'debug_level', type: 'NonNegative Int', presence: 'optional' },
      { name: 'priority', type: 'OpSubmitPriority', presence: 'default', default: 0 },
      { name: 'depends', type: '[JobDependency]', presence: 'optionalNull' },
      { name: 'comment', type: 'String', presence: 'optionalNull' },
      // luxid requires the reason trail (pReason is a plain simpleField); Python defaults it to [].
      { name: 'reason', type: 'ReasonTrail', presence: 'required' },
    ]);
  });

  test('opcode-level overrides of OpCodes.hs are applied', () => {
    // `defaultField [| ExportModeLocal |] pExportMode` in OpBackupExport only.
    assert.deepEqual(shape(param('OP_BACKUP_EXPORT', 'mode')), { name: 'mode', type: 'ExportMode', presence: 'default', default: 'local' });
    assert.deepEqual(shape(param('OP_BACKUP_PREPARE', 'mode')), { name: 'mode', type: 'ExportMode', presence: 'required' });
    // `withDoc` replaces the doc only.
    assert.equal(param('OP_GROUP_ASSIGN_NODES', 'nodes').doc, 'List of nodes to assign');
    assert.equal(param('OP_RESTRICTED_COMMAND', 'nodes').doc, 'Nodes on which the command should be run (at least one)');
    assert.deepEqual(shape(param('OP_GROUP_ASSIGN_NODES', 'nodes')), shape(param('OP_RESTRICTED_COMMAND', 'nodes')));
  });

  test('fields built from other fields keep their key and change what OpParams.hs changes', () => {
    // pWaitForSyncFalse = defaultField False pWaitForSync
    assert.deepEqual(shape(param('OP_INSTANCE_ACTIVATE_DISKS', 'wait_for_sync')), {
      name: 'wait_for_sync',
      type: 'Bool',
      presence: 'default',
      default: false,
    });
    assert.equal(param('OP_INSTANCE_CREATE', 'wait_for_sync').default, true);
    // pQueryFieldsFields = optionalField pQueryFields
    assert.equal(param('OP_QUERY', 'fields').presence, 'required');
    assert.equal(param('OP_QUERY_FIELDS', 'fields').presence, 'optional');
    // pShutdownTimeout' is the shutdown timeout under the key "timeout".
    assert.deepEqual(shape(param('OP_INSTANCE_SHUTDOWN', 'timeout')), {
      name: 'timeout',
      type: 'NonNegative Int',
      presence: 'default',
      default: 120,
    });
    assert.ok(!opcode('OP_INSTANCE_SHUTDOWN').params.some((p) => p.name === 'shutdown_timeout'));
  });

  test('a few parameter lists match OpCodes.hs exactly', () => {
    const names = (id: string) => opcode(id).params.map((p) => p.name);
    assert.deepEqual(names('OP_TEST_DELAY'), ['duration', 'on_master', 'on_nodes', 'on_node_uuids', 'repeat', 'interruptible', 'no_locks']);
    assert.deepEqual(names('OP_TAGS_SET'), ['kind', 'tags', 'name']);
    assert.deepEqual(names('OP_INSTANCE_STARTUP'), [
      'instance_name',
      'instance_uuid',
      'force',
      'ignore_offline_nodes',
      'hvparams',
      'beparams',
      'no_remember',
      'startup_paused',
      'shutdown_timeout',
    ]);
    assert.equal(opcode('OP_INSTANCE_CREATE').params.length, 44);
    assert.equal(opcode('OP_CLUSTER_SET_PARAMS').params.length, 44);
    assert.deepEqual(opcode('OP_CLUSTER_POST_INIT').params, []);
  });

  test('defaults are the values luxid stores', () => {
    const cases: [string, string, unknown][] = [
      ['OP_OOB_COMMAND', 'timeout', 60],
      ['OP_OOB_COMMAND', 'power_delay', 2],
      ['OP_INSTANCE_MOVE', 'compress', 'none'],
      ['OP_INSTANCE_STARTUP', 'hvparams', {}],
      ['OP_INSTANCE_RECREATE_DISKS', 'disks', []],
      ['OP_INSTANCE_SET_PARAMS', 'nics', []],
      ['OP_CLUSTER_VERIFY', 'skip_checks', []],
      ['OP_TEST_DELAY', 'repeat', 0],
      ['OP_TEST_ALLOCATOR', 'count', 1],
      ['OP_NETWORK_CONNECT', 'network_vlan', ''],
      ['OP_NODE_MIGRATE', 'allow_runtime_changes', true],
    ];
    for (const [id, name, value] of cases) {
      const p = param(id, name);
      assert.equal(p.presence, 'default', `${id}.${name}`);
      assert.deepEqual(p.default, value, `${id}.${name}`);
    }
  });

  test('the table cannot be changed through a default or a parameter', () => {
    const disks = param('OP_INSTANCE_RECREATE_DISKS', 'disks');
    assert.throws(() => (disks.default as unknown[]).push(1), TypeError);
    assert.throws(() => {
      (disks as { doc: string }).doc = 'x';
    }, TypeError);
    assert.deepEqual(disks.default, []);
  });
});
