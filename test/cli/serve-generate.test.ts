/**
 * `serve --demo --generate SPEC` through the built CLI: the help text, bad specs and
 * conflicting options refused at startup (exit 2, naming the key), and a generated
 * cluster served with the asked counts and the same content for the same spec.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateCluster, parseGenerateSpec } from '../../src/demo/generate.js';
import { tempDir, tempSocketPath } from '../helpers/tmp.js';
import { runCli, startDemo } from './cli-helpers.js';

const rowsOf = (stdout: string): string[][] =>
  stdout
    .trimEnd()
    .split('\n')
    .map((l) => l.split('|'));

test('serve --help documents --generate and its bounds', async () => {
  const r = await runCli(['serve', '--help']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /--generate SPEC +\(--demo\) serve a generated cluster/);
  assert.match(r.stdout, /nodes=N,instances=M,groups=G\[,seed=S\]\[,templates=T\+T\.\.\.\]/);
  assert.match(r.stdout, /nodes 1-10000, instances 0-200000, groups 1-N/);
});

test('bad --generate specs and option clashes stop serve with exit 2, naming the key', { timeout: 60_000 }, async (t) => {
  const socket = tempSocketPath(t, 'ganeti-query');
  const serve = (...args: string[]) => runCli(['serve', '--socket', socket, ...args]);

  const range = await serve('--demo', '--generate', 'nodes=0,instances=10,groups=1');
  assert.equal(range.code, 2);
  assert.match(
    range.stderr,
    /^ganeti-uds serve: --generate 'nodes=0,instances=10,groups=1': nodes: must be a whole number from 1 to 10000, got 0\n/,
  );
  assert.match(range.stderr, /\nTry 'ganeti-uds serve --help'\.\n$/);
  assert.equal(range.stdout, '', 'nothing listened');

  const groups = await serve('--demo', '--generate', 'nodes=3,instances=10,groups=4');
  assert.equal(groups.code, 2);
  assert.match(groups.stderr, /groups: must be at most nodes \(3\)/);

  const unknown = await serve('--demo', '--generate', 'nodes=3,instance=10,groups=1');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /instance: unknown key; the keys are nodes, instances, groups, seed, templates/);

  const file = join(tempDir(t), 'cluster.json');
  writeFileSync(file, '{}');
  const both = await serve('--demo', '--generate', 'nodes=3,instances=10,groups=1', '--cluster', file);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--generate and --cluster cannot be used together/);

  const echo = await serve('--echo', '--generate', 'nodes=3,instances=10,groups=1');
  assert.equal(echo.code, 2);
  assert.match(echo.stderr, /--generate goes with --demo/);
});

test('serve --demo --generate serves the generated cluster, the same for the same spec', { timeout: 90_000 }, async (t) => {
  const spec = 'nodes=12,instances=150,groups=3,seed=77';
  const expected = generateCluster(parseGenerateSpec(spec));
  const first = await startDemo(t, ['--generate', spec]);
  const second = await startDemo(t, ['--generate', spec]);
  const query = (socket: string, what: string, fields: string) =>
    runCli(['query', what, fields, '--socket', socket, '--no-headers', '--separator', '|']);

  const a = await query(first.socket, 'instances', 'name,pnode,snodes,disk_template,admin_state,uuid');
  assert.equal(a.code, 0, a.stderr);
  const rows = rowsOf(a.stdout);
  assert.equal(rows.length, 150);
  const inst1 = expected.instances[0];
  assert.ok(inst1);
  assert.deepEqual(
    rows.find((r) => r[0] === 'inst1.example.com'),
    [inst1.name, inst1.primaryNode, inst1.secondaryNodes.join(','), inst1.diskTemplate, inst1.adminState, inst1.uuid],
  );
  const b = await query(second.socket, 'instances', 'name,pnode,snodes,disk_template,admin_state,uuid');
  assert.equal(b.stdout, a.stdout, 'a second server on the same spec serves the same cluster');

  const nodes = await query(first.socket, 'nodes', 'name,group,mfree,pinst_cnt');
  assert.equal(nodes.code, 0, nodes.stderr);
  assert.equal(rowsOf(nodes.stdout).length, 12);
  const groups = await query(first.socket, 'groups', 'name,node_cnt');
  assert.equal(groups.code, 0, groups.stderr);
  assert.deepEqual(rowsOf(groups.stdout), [
    ['default', '4'],
    ['group2', '4'],
    ['group3', '4'],
  ]);
});
