import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadCluster, sampleCluster } from '../../src/demo/cluster.js';
import { DemoLuxid } from '../../src/demo/luxid.js';
import { encodeJson, decodeJson } from '../../src/codec.js';

test('the sample cluster round-trips through JSON and loadCluster unchanged', () => {
  const sample = sampleCluster();
  const again = loadCluster(decodeJson(encodeJson(sample)));
  assert.deepEqual(again, sample);
});

test('a minimal cluster file gets defaults and serves queries', () => {
  const c = loadCluster({
    info: { name: 'tiny.example.org', master: 'n1.example.org' },
    nodes: [{ name: 'n1.example.org' }],
  });
  assert.equal(c.groups.length, 1);
  assert.equal(c.nodes[0]?.group, c.groups[0]?.name);
  assert.equal(Object.keys(c.info).length, 55);
  const l = new DemoLuxid({ cluster: c });
  assert.deepEqual(l.QueryNodes([], ['name', 'master'], false), [['n1.example.org', true]]);
  assert.deepEqual(l.QueryInstances([], ['name'], false), []);
});

test('loadCluster names the missing or ill-typed key', () => {
  const base = () => structuredClone(sampleCluster()) as unknown as Record<string, any>;
  const cases: Array<[(c: Record<string, any>) => void, RegExp]> = [
    [
      (c) => {
        delete c['info'].name;
      },
      /info\.name: missing required key/,
    ],
    [
      (c) => {
        c['nodes'][2].offline = 'yes';
      },
      /nodes\[2\]\.offline: expected boolean, got string/,
    ],
    [
      (c) => {
        c['nodes'][0].group = 'nope';
      },
      /nodes\[0\]\.group: no group named "nope"/,
    ],
    [
      (c) => {
        c['instances'][1].secondaryNodes = ['ghost'];
      },
      /instances\[1\]\.secondaryNodes\[0\]: no node named "ghost"/,
    ],
    [
      (c) => {
        delete c['info'].ipolicy.std['cpu-count'];
      },
      /info\.ipolicy\.std\.cpu-count/,
    ],
    [
      (c) => {
        c['info'].master = 'ghost';
      },
      /info\.master: no node named/,
    ],
    [
      (c) => {
        c['nodes'] = {};
      },
      /nodes: expected array/,
    ],
  ];
  for (const [mutate, message] of cases) {
    const c = base();
    mutate(c);
    assert.throws(
      () => loadCluster(c),
      (e: unknown) => e instanceof TypeError && message.test(e.message),
      String(message),
    );
  }
  assert.throws(() => loadCluster('{not json'), SyntaxError);
});

test("the sample nodes' free memory and disk add up with their instances, as htools check", (t) => {
  // htools count 4096 MiB for a KVM node itself, whatever mnode says (setStaticKvmNodeMem).
  const kvmNodeMemory = 4096;
  const l = new DemoLuxid();
  t.after(() => l.close());
  const instances = l.QueryInstances([], ['pnode', 'snodes', 'be/memory', 'disk_usage', 'status'], false) as Array<
    [string, string[], number, number, string]
  >;
  for (const [name, mtotal, mfree, dtotal, dfree] of l.QueryNodes([], ['name', 'mtotal', 'mfree', 'dtotal', 'dfree'], false)) {
    if (mtotal === null) continue; // offline: no live data
    const running = instances.filter(([p, , , , status]) => p === name && status === 'running').reduce((s, i) => s + i[2], 0);
    const disk = instances.filter(([p, s]) => p === name || s.includes(name as string)).reduce((s, i) => s + i[3], 0);
    assert.deepEqual([mfree, dfree], [(mtotal as number) - kvmNodeMemory - running, (dtotal as number) - disk], String(name));
  }
});
