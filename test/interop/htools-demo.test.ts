// The real htools (hbal, hspace, hcheck, hinfo, hroller from Debian's Ganeti 3.0) against our
// demo luxid run through the real CLI (`node dist/cli.js serve --demo`). They must load the
// cluster, exit 0, and print the node/instance counts the real Python luxi client reads
// from the same demo. Skipped loudly without the packages.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { GANETI_BIN, ganetiSkip, okResult, run, runDriver, startDemoCli, type DemoServer, type RunResult } from './peers.js';

const skip =
  ganetiSkip() ||
  (existsSync(join(GANETI_BIN, 'hbal'))
    ? false
    : 'Ganeti 3.0 packages not installed: run `sudo bash .ci/install-ganeti.sh` (ganeti-htools-3.0 missing)');

/** What the Python client sees in the demo. */
interface Truth {
  nodes: Array<{ name: string; group: string; offline: boolean; drained: boolean; role: string }>;
  instances: Array<{ name: string; pnode: string; snodes: string[] }>;
  groups: Array<{ name: string; uuid: string }>;
}

function firstMatch(text: string, re: RegExp, tool: string): RegExpExecArray {
  const m = re.exec(text);
  assert.ok(m, `${tool}: no line matching ${re} in:\n${text}`);
  return m;
}

describe('htools -L<socket> against serve --demo', { skip, timeout: 90_000 }, () => {
  let demo: DemoServer | undefined;
  let truth: Truth = { nodes: [], instances: [], groups: [] };

  const htool = async (tool: string, ...args: string[]): Promise<RunResult> => {
    if (demo === undefined) throw new Error('the demo did not start');
    // The socket is attached to -L (with a space htools say "doesn't take any arguments").
    const r = await run(join(GANETI_BIN, tool), [`-L${demo.socket}`, ...args], {
      timeoutMs: 30_000,
      env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' },
    });
    return r;
  };
  const masterGroup = (): string => truth.nodes.find((n) => n.role === 'M')?.group ?? assert.fail('no master node');
  const groupOfNode = (name: string): string | undefined => truth.nodes.find((n) => n.name === name)?.group;

  before(
    async () => {
      demo = await startDemoCli();
      const lines = await runDriver(demo.socket, [
        { method: 'QueryNodes', args: [[], ['name', 'group', 'offline', 'drained', 'role'], false] },
        { method: 'QueryInstances', args: [[], ['name', 'pnode', 'snodes'], false] },
        { method: 'QueryGroups', args: [[], ['name', 'uuid'], false] },
      ]);
      const rows = (i: number): unknown[][] => okResult(lines[i], `entry ${i}`) as unknown[][];
      truth = {
        nodes: rows(0).map(([name, group, offline, drained, role]) => ({
          name: name as string,
          group: group as string,
          offline: offline as boolean,
          drained: drained as boolean,
          role: role as string,
        })),
        instances: rows(1).map(([name, pnode, snodes]) => ({ name: name as string, pnode: pnode as string, snodes: snodes as string[] })),
        groups: rows(2).map(([name, uuid]) => ({ name: name as string, uuid: uuid as string })),
      };
      assert.ok(truth.nodes.length > 0 && truth.instances.length > 0 && truth.groups.length > 0, 'the demo serves an empty cluster');
    },
    { timeout: 45_000 },
  );

  after(
    async () => {
      const code = await demo?.stop();
      if (demo !== undefined) assert.equal(code, 0, `serve --demo exited ${code} on SIGTERM:\n${demo.stderr()}`);
    },
    { timeout: 15_000 },
  );

  test('hinfo -v loads every node, instance and group the Python client sees', { timeout: 30_000 }, async () => {
    const r = await htool('hinfo', '-v');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const m = firstMatch(r.stdout + r.stderr, /Loaded (\d+) nodes, (\d+) instances, (\d+) node groups/, 'hinfo');
    assert.deepEqual([Number(m[1]), Number(m[2]), Number(m[3])], [truth.nodes.length, truth.instances.length, truth.groups.length]);
    // The per-group table: nodes and (primary) instances of each group.
    for (const g of truth.groups) {
      const row = firstMatch(
        r.stdout,
        new RegExp(`^\\s+${g.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+(\\d+)\\s+(\\d+)\\s`, 'm'),
        'hinfo',
      );
      const nodes = truth.nodes.filter((n) => n.group === g.name).length;
      const instances = truth.instances.filter((i) => groupOfNode(i.pnode) === g.name).length;
      assert.deepEqual([Number(row[1]), Number(row[2])], [nodes, instances], `group ${g.name}`);
    }
  });

  test('hbal -v -G <group> loads the cluster and sizes each group as the Python client does', { timeout: 30_000 }, async () => {
    for (const g of truth.groups) {
      const r = await htool('hbal', '-v', '-G', g.name);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const out = r.stdout + r.stderr;
      const loaded = firstMatch(out, /Loaded (\d+) nodes, (\d+) instances/, 'hbal');
      assert.deepEqual([Number(loaded[1]), Number(loaded[2])], [truth.nodes.length, truth.instances.length]);
      const size = firstMatch(out, /Group size (\d+) nodes, (\d+) instances/, 'hbal');
      const nodes = truth.nodes.filter((n) => n.group === g.name).length;
      const instances = truth.instances.filter((i) => groupOfNode(i.pnode) === g.name).length;
      assert.deepEqual([Number(size[1]), Number(size[2])], [nodes, instances], `group ${g.name}`);
      assert.match(out, /Initial check done: 0 bad nodes, 0 bad instances\./);
    }
  });

  test('hbal without -G refuses a cluster of several groups, naming them', { timeout: 30_000 }, async (t) => {
    if (truth.groups.length < 2) return t.skip('the demo cluster has one group');
    const r = await htool('hbal');
    assert.notEqual(r.code, 0);
    for (const g of truth.groups) assert.match(r.stdout + r.stderr, new RegExp(`^\\s+${g.name}$`, 'm'));
  });

  test('hspace loads the cluster and reports its node and instance counts', { timeout: 30_000 }, async () => {
    const r = await htool('hspace');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(Number(firstMatch(r.stdout, /The cluster has (\d+) nodes/, 'hspace')[1]), truth.nodes.length);
    assert.equal(Number(firstMatch(r.stdout, /There are (\d+) initial instances on the cluster/, 'hspace')[1]), truth.instances.length);
    const machine = await htool('hspace', '--machine-readable');
    assert.equal(machine.code, 0, machine.stdout + machine.stderr);
    assert.equal(Number(firstMatch(machine.stdout, /^HTS_INI_INST_CNT=(\d+)$/m, 'hspace')[1]), truth.instances.length);
  });

  test('hcheck --no-simulation exits 0 and reports the groups and offline-node instances of the demo', { timeout: 30_000 }, async () => {
    const r = await htool('hcheck', '--no-simulation', '--machine-readable');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const uuids = [...r.stdout.matchAll(/^HCHECK_GROUP_UUID_\d+='([^']*)'$/gm)].map((m) => m[1]);
    assert.deepEqual(uuids.sort(), truth.groups.map((g) => g.uuid).sort());
    // htools treat drained nodes as offline (Backend/Luxi.hs parseNode).
    const offline = new Set(truth.nodes.filter((n) => n.offline || n.drained).map((n) => n.name));
    const offPri = truth.instances.filter((i) => offline.has(i.pnode)).length;
    // hcheck 3.0's "secondary node offline" figure is `length (map Node.sList offlineNodes)`,
    // i.e. the number of offline nodes, not of instances (a Ganeti quirk).
    const offSec = offline.size;
    assert.equal(Number(firstMatch(r.stdout, /^HCHECK_INIT_CLUSTER_OFFLINE_PRI=(\d+)$/m, 'hcheck')[1]), offPri);
    assert.equal(Number(firstMatch(r.stdout, /^HCHECK_INIT_CLUSTER_OFFLINE_SEC=(\d+)$/m, 'hcheck')[1]), offSec);
    // With the simulation, hcheck exits 1 exactly when the cluster stays unhealthy.
    const full = await htool('hcheck');
    const fullOut = full.stdout + full.stderr;
    const healthy = firstMatch(fullOut, /Cluster is not healthy: (True|False)/, 'hcheck')[1] === 'False';
    assert.equal(full.code, healthy ? 0 : 1, fullOut);
  });

  test("hroller plans reboots for the online nodes of the master's group", { timeout: 30_000 }, async () => {
    const r = await htool('hroller');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const listed = r.stdout
      .split('\n')
      .slice(r.stdout.split('\n').findIndex((l) => l.includes('Node Reboot Groups')) + 1)
      .flatMap((l) => l.split(','))
      .map((s) => s.trim())
      .filter((s) => s !== '');
    const expected = truth.nodes.filter((n) => n.group === masterGroup() && !n.offline && !n.drained).map((n) => n.name);
    assert.deepEqual([...listed].sort(), [...expected].sort());
  });

  test('htools find the demo data consistent (node memory/disk add up with the instances)', { timeout: 30_000 }, async () => {
    const r = await htool('hinfo');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /inconsistent data|is missing/);
  });
});
