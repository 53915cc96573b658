/**
 * `ganeti-uds demo export-config`: writes config.data from the sample, a --cluster file or a
 * --generate spec; `serve --demo --cluster` loads the result and names the file and the key
 * when it is bad. Runs the built CLI (GANETI_UDS_CLI overrides dist/cli.js).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fromConfigData } from '../../src/demo/config-data.js';
import { parseExactJson } from '../../src/exact-json.js';
import { cliPath, runNode } from './cli-helpers.js';

const cli = (): string => process.env['GANETI_UDS_CLI'] || cliPath();
const run = (args: string[]) => runNode(cli(), args);

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'export-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('--help documents the sources and the host adaptations', async () => {
  const r = await run(['demo', 'export-config', '--help']);
  assert.equal(r.code, 0, r.stderr);
  for (const flag of ['--cluster FILE', '--generate SPEC', '--master-name NAME', '--loopback', '--ascii-names', '--master-ip IP']) {
    assert.ok(r.stdout.includes(flag), flag);
  }
  const top = await run(['--help']);
  assert.match(top.stdout, /demo {6}demo cluster tools: export-config/);
});

test('writes the sample as a config.data, adapted for this host, in ASCII', { timeout: 20_000 }, async (t) => {
  const out = join(tempDir(t), 'config.data');
  const r = await run(['demo', 'export-config', out, '--master-name', 'here.test', '--loopback']);
  assert.equal(r.code, 0, r.stderr);
  const text = readFileSync(out, 'utf8');
  assert.match(text, /^[\x00-\x7f]*$/, 'non-ASCII is written as \\u escapes');
  assert.ok(text.includes('caf\\u00e9.example.com'));
  const cfg = parseExactJson(text) as { version: number; cluster: { master_ip: string } };
  assert.equal(cfg.version, 3000000);
  assert.equal(cfg.cluster.master_ip, '127.0.0.1');
  const c = fromConfigData(cfg);
  assert.equal(c.info.master, 'here.test');
  assert.equal((c.filters[0]?.reasonTrail[0] as unknown[] | undefined)?.[2], 1700000000000000000n);
});

test('--generate and --cluster are sources; a config.data is a --cluster too', { timeout: 20_000 }, async (t) => {
  const dir = tempDir(t);
  const gen = join(dir, 'gen.data');
  let r = await run(['demo', 'export-config', gen, '--generate', 'nodes=6,instances=20,groups=2,seed=3']);
  assert.equal(r.code, 0, r.stderr);
  const again = join(dir, 'again.data');
  r = await run(['demo', 'export-config', again, '--cluster', gen]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(again, 'utf8'), readFileSync(gen, 'utf8'), 'export(load(export)) is the same file');
  assert.equal(fromConfigData(parseExactJson(readFileSync(gen, 'utf8'))).instances.length, 20);
  r = await run(['demo', 'export-config', join(dir, 'x'), '--generate', 'nodes=2,instances=1,groups=1', '--cluster', gen]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--cluster and --generate exclude each other/);
});

test('a bad config.data: export-config and serve --demo name the file and the key', { timeout: 20_000 }, async (t) => {
  const dir = tempDir(t);
  const good = join(dir, 'good.data');
  assert.equal((await run(['demo', 'export-config', good])).code, 0);
  const cfg = parseExactJson(readFileSync(good, 'utf8')) as { nodes: Record<string, Record<string, unknown>> };
  const [uuid, node] = Object.entries(cfg.nodes)[0] as [string, Record<string, unknown>];
  delete node['secondary_ip'];
  const bad = join(dir, 'bad.data');
  writeFileSync(
    bad,
    JSON.stringify(cfg, (_k, v) => (typeof v === 'bigint' ? Number(v) : v)),
  );
  const want = `--cluster ${bad}: config.data: nodes["${uuid}"].secondary_ip: missing required key`;
  const exp = await run(['demo', 'export-config', join(dir, 'out'), '--cluster', bad]);
  assert.equal(exp.code, 2);
  assert.ok(exp.stderr.includes(want), exp.stderr);
  const serve = await run(['serve', '--demo', '--socket', join(dir, 'sock'), '--cluster', bad]);
  assert.equal(serve.code, 2);
  assert.ok(serve.stderr.includes(want), serve.stderr);
});

test('usage errors: no OUT, an unknown demo subcommand', async () => {
  const none = await run(['demo', 'export-config']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /export-config needs OUT/);
  const unknown = await run(['demo', 'import']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown demo subcommand 'import'/);
});
