import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadCluster, type ClusterData, type InstanceData } from '../../src/demo/cluster.js';
import { GenerateSpecError, generateCluster, parseGenerateSpec, type GenerateSpec } from '../../src/demo/generate.js';
import { DemoLuxid } from '../../src/demo/luxid.js';

/** Memory htools count for a KVM node itself (Loader.hs setStaticKvmNodeMem), as in cluster-sample.ts. */
const STATIC_NODE_MEMORY = 4096;

function diskUsage(i: InstanceData): number {
  if (i.diskTemplate === 'diskless') return 0;
  return i.disks.reduce((s, d) => s + d.size + (i.diskTemplate === 'drbd' ? 128 : 0), 0);
}

function checkConsistent(c: ClusterData): void {
  const nodes = new Map(c.nodes.map((n) => [n.name, n]));
  const groups = new Set(c.groups.map((g) => g.name));
  for (const n of c.nodes) assert.ok(groups.has(n.group), `${n.name}: group ${n.group}`);
  assert.ok(nodes.has(c.info.master));
  assert.equal(nodes.get(c.info.master)?.offline, false);
  const memory = new Map<string, number>();
  const disk = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  for (const i of c.instances) {
    const p = nodes.get(i.primaryNode);
    assert.ok(p, `${i.name}: primary ${i.primaryNode} exists`);
    assert.equal(p.offline, false, `${i.name}: primary is online`);
    if (i.diskTemplate === 'drbd') {
      assert.equal(i.secondaryNodes.length, 1, `${i.name}: one secondary`);
      const s = nodes.get(i.secondaryNodes[0] as string);
      assert.ok(s, `${i.name}: secondary exists`);
      assert.notEqual(s.name, p.name, `${i.name}: secondary differs from primary`);
      assert.equal(s.group, p.group, `${i.name}: secondary in the primary's group`);
      add(disk, s.name, diskUsage(i));
    } else {
      assert.deepEqual(i.secondaryNodes, [], `${i.name}: no secondary`);
    }
    if (i.diskTemplate === 'diskless') assert.equal(i.disks.length, 0);
    assert.equal(i.running, i.adminState === 'up');
    if (i.running) add(memory, p.name, Number(i.beparams['maxmem']));
    add(disk, p.name, diskUsage(i));
  }
  for (const n of c.nodes) {
    if (n.offline) {
      assert.equal(n.live, null, `${n.name}: offline, no live data`);
      continue;
    }
    assert.ok(n.live, `${n.name}: live data`);
    // cluster-sample.ts's rule: mfree = mtotal - 4096 - running primaries; dfree = dtotal - disk_usage of all.
    assert.equal(n.live.mfree, n.live.mtotal - STATIC_NODE_MEMORY - (memory.get(n.name) ?? 0), `${n.name}: mfree`);
    assert.equal(n.live.dfree, n.live.dtotal - (disk.get(n.name) ?? 0), `${n.name}: dfree`);
    assert.ok(n.live.mfree >= 0 && n.live.dfree >= 0, `${n.name}: not overcommitted`);
  }
  const unique = (what: string, values: string[]) => assert.equal(new Set(values).size, values.length, `${what} are unique`);
  unique('uuids', [
    c.info['uuid'] as string,
    ...c.groups.map((g) => g.uuid),
    ...c.nodes.map((n) => n.uuid),
    ...c.instances.flatMap((i) => [i.uuid, ...i.disks.map((d) => d.uuid), ...i.nics.map((n) => n.uuid)]),
  ]);
  unique(
    'MACs',
    c.instances.flatMap((i) => i.nics.map((n) => n.mac)),
  );
  unique(
    'instance IPs',
    c.instances.flatMap((i) => i.nics.map((n) => n.ip as string)),
  );
  unique(
    'node IPs',
    c.nodes.flatMap((n) => [n.primaryIp, n.secondaryIp]),
  );
}

test('the same spec gives the same cluster; another seed another one', () => {
  const spec: GenerateSpec = { nodes: 30, instances: 200, groups: 3, seed: 42 };
  assert.deepEqual(generateCluster(spec), generateCluster(spec));
  const other = generateCluster({ ...spec, seed: 43 });
  assert.notDeepEqual(other.instances, generateCluster(spec).instances);
  assert.deepEqual(generateCluster(parseGenerateSpec('nodes=30,instances=200,groups=3,seed=42')), generateCluster(spec));
});

test('a generated cluster has the asked counts, names and a mix of templates and states', () => {
  const c = generateCluster({ nodes: 50, instances: 1000, groups: 4 });
  assert.equal(c.nodes.length, 50);
  assert.equal(c.instances.length, 1000);
  assert.deepEqual(
    c.groups.map((g) => g.name),
    ['default', 'group2', 'group3', 'group4'],
  );
  assert.deepEqual(
    c.groups.map((g) => c.nodes.filter((n) => n.group === g.name).length),
    [13, 13, 12, 12],
  );
  assert.equal(c.nodes[0]?.name, 'node1.example.com');
  assert.equal(c.instances[999]?.name, 'inst1000.example.com');
  const count = (f: (i: InstanceData) => boolean) => c.instances.filter(f).length;
  for (const t of ['drbd', 'plain', 'diskless']) assert.ok(count((i) => i.diskTemplate === t) > 50, t);
  for (const s of ['up', 'down', 'offline']) assert.ok(count((i) => i.adminState === s) > 10, s);
  assert.ok(c.nodes.some((n) => n.drained));
  checkConsistent(c);
});

test('generated clusters are consistent at every shape', () => {
  const specs: GenerateSpec[] = [
    { nodes: 1, instances: 20, groups: 1 },
    { nodes: 2, instances: 20, groups: 2 },
    { nodes: 3, instances: 50, groups: 1, seed: 9 },
    { nodes: 7, instances: 0, groups: 3 },
    { nodes: 500, instances: 10000, groups: 5, seed: 2 },
  ];
  for (const spec of specs) {
    const c = generateCluster(spec);
    checkConsistent(c);
    // Groups of one node get no drbd.
    if (spec.nodes === spec.groups) assert.ok(c.instances.every((i) => i.diskTemplate !== 'drbd'));
  }
});

test('templates= limits the disk templates', () => {
  const c = generateCluster(parseGenerateSpec('nodes=4,instances=100,groups=2,templates=drbd'));
  assert.ok(c.instances.every((i) => i.diskTemplate === 'drbd'));
  checkConsistent(c);
  const p = generateCluster(parseGenerateSpec('nodes=4,instances=100,groups=2,templates=plain+diskless'));
  assert.deepEqual([...new Set(p.instances.map((i) => i.diskTemplate))].sort(), ['diskless', 'plain']);
});

test('a generated cluster passes loadCluster unchanged and serves queries', () => {
  const c = generateCluster({ nodes: 6, instances: 40, groups: 2, seed: 3 });
  assert.deepEqual(loadCluster(JSON.parse(JSON.stringify(c))), c);
  const l = new DemoLuxid({ cluster: c });
  const rows = l.QueryInstances([], ['name', 'pnode', 'snodes', 'disk_template'], false);
  assert.equal(rows.length, 40);
  assert.deepEqual(rows[0], [
    'inst1.example.com',
    c.instances[0]?.primaryNode,
    c.instances[0]?.secondaryNodes,
    c.instances[0]?.diskTemplate,
  ]);
  l.close();
});

test('bad specs are refused with an error naming the key', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['nodes=0,instances=1,groups=1', 'nodes', /must be a whole number from 1 to 10000, got 0/],
    ['nodes=10001,instances=1,groups=1', 'nodes', /from 1 to 10000, got 10001/],
    ['nodes=5,instances=200001,groups=1', 'instances', /from 0 to 200000, got 200001/],
    ['nodes=5,instances=10,groups=6', 'groups', /at most nodes \(5\)/],
    ['nodes=5,instances=10,groups=0', 'groups', /from 1 to 5, got 0/],
    ['nodes=5,instances=10', 'groups', /missing/],
    ['nodes=5,instances=-1,groups=1', 'instances', /expected a whole number, got '-1'/],
    ['nodes=5,instances=1.5,groups=1', 'instances', /expected a whole number, got '1\.5'/],
    ['nodes=5,instances=1,groups=1,seed=4294967296', 'seed', /from 0 to 4294967295/],
    ['nodes=5,instances=1,groups=1,colour=red', 'colour', /unknown key; the keys are nodes, instances, groups, seed, templates/],
    ['nodes=5,nodes=6,instances=1,groups=1', 'nodes', /given twice/],
    ['nodes,instances=1,groups=1', 'nodes', /needs a value/],
    ['nodes=3,instances=1,groups=3,templates=drbd', 'templates', /drbd needs a group of at least 2 nodes.*nodes=3 in groups=3/],
    ['nodes=3,instances=1,groups=1,templates=ext', 'templates', /'ext' is not one of drbd, plain, diskless/],
  ];
  for (const [text, key, message] of cases) {
    assert.throws(
      () => parseGenerateSpec(text),
      (err: unknown) => {
        assert.ok(err instanceof GenerateSpecError, text);
        assert.equal(err.key, key, text);
        assert.match(err.message, new RegExp(`^generate spec: ${key}: `), text);
        assert.match(err.problem, message, text);
        return true;
      },
    );
  }
  assert.throws(() => generateCluster({ nodes: 2.5, instances: 1, groups: 1 }), /nodes: must be a whole number/);
});
