/**
 * `ganeti-uds query`: the gnt-* style table (titles from the field definitions, default
 * fields, FormatUnit sizes, bad-cell marks), both filter forms, script output and --json,
 * through the built CLI against `serve --demo`; plus the pure table and filter helpers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { combineFilters, parseFilter, resolveFields } from '../../src/cli/query.js';
import { formatCell, formatQueryTable, formatUnit, layoutTable, otherText } from '../../src/cli/table.js';
import { runCli, startDemo } from './cli-helpers.js';

const words = (line: string | undefined) => (line ?? '').trim().split(/\s+/);

test("formatUnit writes sizes as Ganeti's FormatUnit does", () => {
  assert.equal(formatUnit(512, 'h'), '512M');
  assert.equal(formatUnit(1023, 'h'), '1023M');
  assert.equal(formatUnit(1024, 'h'), '1.0G');
  assert.equal(formatUnit(700000, 'h'), '683.6G');
  assert.equal(formatUnit(1048576, 'h'), '1.0T');
  assert.equal(formatUnit(1048576, 'm'), '1048576');
  assert.equal(formatUnit(1536, 'g'), '1.5');
  assert.equal(formatUnit(1048576, 't'), '1.0');
});

test('cells: bools as Y/N, lists comma-joined, dicts as key=value, bad statuses as gnt-* marks', () => {
  const def = (kind: 'bool' | 'other' | 'unit' | 'text') => ({ name: 'f', title: 'F', kind, doc: '' });
  assert.equal(formatCell([0, true], def('bool')), 'Y');
  assert.equal(formatCell([0, false], def('bool')), 'N');
  assert.equal(formatCell([0, ['a', 'b']], def('other')), 'a,b');
  assert.equal(otherText({ ovs: false, ssh_port: 22 }), 'ovs=False, ssh_port=22');
  assert.equal(formatCell([0, 2048], def('unit'), { units: 'h' }), '2.0G');
  assert.equal(formatCell([0, 2048], def('unit'), { separator: ':' }), '2048');
  assert.deepEqual(
    [1, 2, 3, 4].map((s) => formatCell([s as 1, null], def('text'))),
    ['??', '?', '-', '*'],
  );
  assert.deepEqual(
    [1, 2, 3, 4].map((s) => formatCell([s as 1, null], def('text'), { verbose: true })),
    ['(unknown)', '(nodata)', '(unavail)', '(offline)'],
  );
});

test('layoutTable pads columns, right-aligns numbers and leaves no trailing spaces', () => {
  assert.deepEqual(
    layoutTable(
      ['Name', 'N', 'Tags'],
      [
        ['a', '10', ''],
        ['bbbbb', '2', 'x'],
      ],
      [false, true, false],
    ),
    ['Name   N Tags', 'a     10', 'bbbbb  2 x'],
  );
  assert.deepEqual(layoutTable(['A', 'B'], [['1', '2']], [false, false], { separator: '|', header: false }), ['1|2']);
  assert.deepEqual(formatQueryTable({ fields: [{ name: 'id', title: 'ID', kind: 'number', doc: '' }], data: [[[0, 7]], [[0, 12]]] }), [
    'ID',
    ' 7',
    '12',
  ]);
});

test('parseFilter takes the qlang list form and the FIELD OP VALUE form', () => {
  assert.deepEqual(parseFilter('["=", "name", "node1.example.com"]'), ['=', 'name', 'node1.example.com']);
  assert.deepEqual(parseFilter('name=node1.example.com'), ['=', 'name', 'node1.example.com']);
  assert.deepEqual(parseFilter('name=~^web'), ['=~', 'name', '^web']);
  assert.deepEqual(parseFilter('pinst_cnt>1'), ['>', 'pinst_cnt', 1]);
  assert.deepEqual(parseFilter('name!="10"'), ['!=', 'name', '10']);
  assert.deepEqual(parseFilter('disk.size/0 >= 1024'), ['>=', 'disk.size/0', 1024]);
  assert.deepEqual(combineFilters(['a=1', 'b=~x']), ['&', ['=', 'a', 1], ['=~', 'b', 'x']]);
  assert.equal(combineFilters([]), null);
  assert.throws(() => parseFilter('just words'), { name: 'UsageError' });
  assert.throws(() => parseFilter('["=", "name"'), { name: 'UsageError', message: /not valid JSON/ });
  assert.throws(() => parseFilter('[]'), { name: 'UsageError' });
});

test('resolveFields: defaults, comma lists, +extra', () => {
  assert.deepEqual(resolveFields([], ['name', 'os']), ['name', 'os']);
  assert.deepEqual(resolveFields(['name,pinst_cnt', 'role'], ['x']), ['name', 'pinst_cnt', 'role']);
  assert.deepEqual(resolveFields(['+role,tags'], ['name']), ['name', 'role', 'tags']);
});

test('query against serve --demo', { timeout: 90_000 }, async (t) => {
  const demo = await startDemo(t);
  const socket = ['--socket', demo.socket];

  await t.test("nodes: gnt-node list's columns, human-readable sizes, * for an offline node", async () => {
    const r = await runCli(['query', 'nodes', ...socket]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.deepEqual(words(lines[0]), ['Node', 'DTotal', 'DFree', 'MTotal', 'MNode', 'MFree', 'Pinst', 'Sinst']);
    assert.deepEqual(words(lines.find((l) => l.startsWith('node1.'))), [
      'node1.example.com',
      '1.0T',
      '512.0G',
      '64.0G',
      '1.0G',
      '40.0G',
      '3',
      '2',
    ]);
    assert.deepEqual(words(lines.find((l) => l.startsWith('node5.'))), ['node5.example.com', '*', '*', '*', '*', '*', '0', '0']);
  });

  await t.test("instances: gnt-instance list's columns", async () => {
    const r = await runCli(['query', 'instances', ...socket]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.deepEqual(words(lines[0]), ['Instance', 'Hypervisor', 'OS', 'Primary_node', 'Status', 'Memory']);
    assert.deepEqual(words(lines.find((l) => l.startsWith('web1.'))), [
      'web1.example.com',
      'kvm',
      'debootstrap+default',
      'node1.example.com',
      'running',
      '2.0G',
    ]);
  });

  await t.test('groups, jobs and networks print their titles', async () => {
    for (const [resource, titles] of [
      ['groups', ['Group', 'Nodes', 'Instances', 'AllocPolicy', 'NDParams']],
      ['jobs', ['ID', 'Status', 'Summary']],
      ['networks', ['Network', 'Subnet', 'Gateway', 'MacPrefix', 'GroupList', 'Tags']],
    ] as const) {
      const r = await runCli(['query', resource, ...socket]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(words(r.stdout.split('\n')[0]), titles);
    }
  });

  await t.test('--filter in the simple form: equality and regular expression', async () => {
    const eq = await runCli(['query', 'nodes', 'name', ...socket, '--no-headers', '--filter', 'name=node1.example.com']);
    assert.equal(eq.code, 0, eq.stderr);
    assert.equal(eq.stdout, 'node1.example.com\n');
    const re = await runCli(['query', 'instances', 'name', ...socket, '--no-headers', '--filter', 'name=~^web']);
    assert.equal(re.stdout, 'web1.example.com\nweb2.example.com\n');
  });

  await t.test('--filter in the qlang list form, and two filters combined', async () => {
    const r = await runCli([
      'query',
      'instances',
      'name',
      ...socket,
      '--no-headers',
      '--filter',
      '["=", "pnode", "node1.example.com"]',
      '--filter',
      'status=running',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'pxe1.example.com\nweb1.example.com\n');
  });

  await t.test('--separator gives plain MiB for scripts; --units overrides', async () => {
    const r = await runCli(['query', 'nodes', 'name,mtotal', ...socket, '--separator', '|', '--filter', 'name=node1.example.com']);
    assert.equal(r.stdout, 'Node|MTotal\nnode1.example.com|65536\n');
    const g = await runCli([
      'query',
      'nodes',
      'name,mtotal',
      ...socket,
      '--no-headers',
      '--units',
      'g',
      '--filter',
      'name=node1.example.com',
    ]);
    assert.equal(g.stdout, 'node1.example.com 64.0\n');
  });

  await t.test('--json prints one record per row keyed by field name', async () => {
    const r = await runCli(['query', 'nodes', 'name,mfree,offline', ...socket, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const records = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(records[0], { name: 'node1.example.com', mfree: 40960, offline: false });
    assert.deepEqual(
      records.find((x) => x['name'] === 'node5.example.com'),
      { name: 'node5.example.com', mfree: null, offline: true },
    );
  });

  await t.test('an unknown field is warned about and exits 1', async () => {
    const r = await runCli(['query', 'nodes', 'name,bogus', ...socket]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'Warning: Queried for unknown fields bogus\n');
    assert.match(r.stdout, /^Node\s+bogus\nnode1\.example\.com\s+\?\?\n/);
  });

  await t.test("a filter the daemon cannot parse exits 1 with luxid's text", async () => {
    const r = await runCli(['query', 'nodes', ...socket, '--filter', '["frobnicate", "name"]']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Request failed: Failed to parse request: .*Unknown filter operand 'frobnicate'/);
  });

  await t.test('bad command lines exit 2', async () => {
    for (const args of [['query'], ['query', 'disks'], ['query', 'nodes', '--filter', 'nonsense'], ['query', 'nodes', '--units', 'k']]) {
      const r = await runCli([...args, ...socket]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /Try 'ganeti-uds query --help'/);
    }
  });
});

test('query --help documents both filter forms', { timeout: 20_000 }, async () => {
  const r = await runCli(['query', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /\["=", "name", "node1\.example\.com"\]/);
  assert.match(r.stdout, /name=~\^web/);
});
