// The real htools (Debian's Ganeti 3.0) against `serve --demo --generate SPEC` through the
// real CLI: hinfo, hbal -G <group>, hcheck --no-simulation and hspace load the generated
// cluster without a warning, exit 0 and count what the spec asked for. hspace simulates
// allocations until the cluster is full, which grows fast with the node count, so it gets
// a small cluster. Skipped loudly without the packages.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { GANETI_BIN, ganetiSkip, run, startDemoCli, type DemoServer, type RunResult } from './peers.js';

const skip =
  ganetiSkip() ||
  (existsSync(join(GANETI_BIN, 'hbal'))
    ? false
    : 'Ganeti 3.0 packages not installed: run `sudo bash .ci/install-ganeti.sh` (ganeti-htools-3.0 missing)');
if (skip !== false && skip.includes('htools')) process.stderr.write(`\n*** generate-htools tests SKIPPED: ${skip} ***\n\n`);

/** Lines htools print when the data do not add up (Loader.hs updateMissing, parse failures). */
const WARNINGS = /warning|inconsistent|is missing|error/i;

function htool(demo: DemoServer | undefined, tool: string, ...args: string[]): Promise<RunResult> {
  if (demo === undefined) throw new Error('the demo did not start');
  return run(join(GANETI_BIN, tool), [`-L${demo.socket}`, ...args], { timeoutMs: 60_000, env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' } });
}

function firstMatch(text: string, re: RegExp, tool: string): RegExpExecArray {
  const m = re.exec(text);
  assert.ok(m, `${tool}: no line matching ${re} in:\n${text}`);
  return m;
}

describe('htools on serve --demo --generate nodes=60,instances=600,groups=4', { skip, timeout: 120_000 }, () => {
  let demo: DemoServer | undefined;
  const groups = ['default', 'group2', 'group3', 'group4'];

  before(async () => {
    demo = await startDemoCli(['--generate', 'nodes=60,instances=600,groups=4,seed=12']);
  });
  after(async () => {
    const code = await demo?.stop();
    if (demo !== undefined) assert.equal(code, 0, demo.stderr());
  });

  test('hinfo -v loads every node, instance and group without a warning', { timeout: 60_000 }, async () => {
    const r = await htool(demo, 'hinfo', '-v');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, WARNINGS);
    const m = firstMatch(r.stdout + r.stderr, /Loaded (\d+) nodes, (\d+) instances, (\d+) node groups/, 'hinfo');
    assert.deepEqual([Number(m[1]), Number(m[2]), Number(m[3])], [60, 600, 4]);
    assert.match(r.stdout, /Cluster is N\+1 happy/);
    for (const g of groups) {
      const row = firstMatch(r.stdout, new RegExp(`^\\s+${g}\\s+15\\s+\\d+\\s+0\\s+0\\s+True\\s`, 'm'), 'hinfo');
      assert.ok(row, g);
    }
  });

  test('hbal -G <group> finds no bad node or instance in any group', { timeout: 90_000 }, async () => {
    let instances = 0;
    for (const g of groups) {
      const r = await htool(demo, 'hbal', '-v', '-G', g);
      const out = r.stdout + r.stderr;
      assert.equal(r.code, 0, out);
      assert.doesNotMatch(out, WARNINGS);
      assert.match(out, /Loaded 60 nodes, 600 instances/);
      const size = firstMatch(out, /Group size (\d+) nodes, (\d+) instances/, 'hbal');
      assert.equal(Number(size[1]), 15, g);
      instances += Number(size[2]);
      assert.match(out, /Initial check done: 0 bad nodes, 0 bad instances\./, g);
    }
    assert.equal(instances, 600, 'every instance is in one group');
  });

  test('hcheck --no-simulation exits 0 and lists the four groups', { timeout: 60_000 }, async () => {
    const r = await htool(demo, 'hcheck', '--no-simulation', '--machine-readable');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.doesNotMatch(r.stderr, WARNINGS);
    assert.equal([...r.stdout.matchAll(/^HCHECK_GROUP_UUID_\d+='[^']*'$/gm)].length, 4);
    assert.equal(Number(firstMatch(r.stdout, /^HCHECK_INIT_CLUSTER_N1_FAIL=(\d+)$/m, 'hcheck')[1]), 0);
  });
});

describe('hspace on serve --demo --generate nodes=8,instances=50,groups=2', { skip, timeout: 120_000 }, () => {
  let demo: DemoServer | undefined;
  before(async () => {
    demo = await startDemoCli(['--generate', 'nodes=8,instances=50,groups=2']);
  });
  after(async () => {
    await demo?.stop();
  });

  test('hspace loads it, counts it and allocates into the spare room', { timeout: 90_000 }, async () => {
    const r = await htool(demo, 'hspace', '--machine-readable');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.doesNotMatch(r.stderr, WARNINGS);
    assert.equal(Number(firstMatch(r.stdout, /^HTS_INI_INST_CNT=(\d+)$/m, 'hspace')[1]), 50);
    assert.ok(Number(firstMatch(r.stdout, /^HTS_ALLOC_INSTANCES=(\d+)$/m, 'hspace')[1]) > 0);
  });
});
