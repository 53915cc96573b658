/**
 * demo/config-data.ts: the demo cluster as Ganeti 3.0's config.data and back. Round trips of
 * the sample and of a generated cluster, the shapes Ganeti's Objects.hs requires, the
 * adaptations for a real daemon host, live data derived as htools count it, and errors that
 * name the key. (test/interop/differential.test.ts runs the real daemons on the export.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadCluster, sampleCluster, type ClusterData } from '../../src/demo/cluster.js';
import { adaptCluster, CONFIG_VERSION, fromConfigData, isConfigData, toConfigData } from '../../src/demo/config-data.js';
import { generateCluster } from '../../src/demo/generate.js';
import { parseExactJson, stringifyExactJson } from '../../src/exact-json.js';

type Json = Record<string, any>;

/** The cluster without what config.data does not hold: exports, and the nodes' boot ids (live). */
function configBacked(c: ClusterData): unknown {
  return {
    ...c,
    exports: {},
    nodes: c.nodes.map((n) => ({ ...n, live: n.live && { ...n.live, bootid: '' } })),
  };
}

/** Through the file's bytes too: exact JSON keeps the nanosecond reason-trail timestamps. */
const viaText = (cfg: unknown): unknown => parseExactJson(stringifyExactJson(cfg) ?? '');

test('round trip of the sample keeps every field the demo models, live figures included', () => {
  const sample = sampleCluster();
  const back = fromConfigData(viaText(toConfigData(sample)));
  assert.deepEqual(configBacked(back), configBacked(sample));
  assert.deepEqual(back.exports, {});
  assert.equal((back.filters[0]?.reasonTrail[0] as unknown[] | undefined)?.[2], 1700000000000000000n);
});

test('round trip of a generated cluster keeps every field the demo models', () => {
  const gen = generateCluster({ nodes: 12, instances: 60, groups: 2, seed: 7 });
  const back = fromConfigData(viaText(toConfigData(gen)));
  // Tags are a set in Ganeti: read back sorted.
  for (const i of gen.instances) i.tags.sort();
  assert.deepEqual(configBacked(back), configBacked(gen));
});

test('loadCluster recognises a config.data by its shape', () => {
  const cfg = toConfigData(sampleCluster());
  assert.equal(isConfigData(cfg), true);
  assert.equal(isConfigData(sampleCluster()), false);
  assert.deepEqual(configBacked(loadCluster(cfg)), configBacked(fromConfigData(cfg)));
  assert.equal(loadCluster(JSON.stringify(cfg, (_k, v) => (typeof v === 'bigint' ? Number(v) : v))).info.name, 'cluster.example.com');
});

test('writes the 3.0 shape: version, containers by uuid, disks top-level and referenced by uuid', () => {
  const cfg = toConfigData(sampleCluster()) as Json;
  assert.equal(cfg['version'], CONFIG_VERSION);
  assert.equal(CONFIG_VERSION, 3000000);
  assert.deepEqual(Object.keys(cfg).sort(), [
    'cluster',
    'ctime',
    'disks',
    'filters',
    'instances',
    'mtime',
    'networks',
    'nodegroups',
    'nodes',
    'serial_no',
    'version',
  ]);
  for (const kind of ['nodes', 'nodegroups', 'instances', 'networks', 'disks', 'filters']) {
    for (const [uuid, obj] of Object.entries(cfg[kind] as Json)) assert.equal((obj as Json)['uuid'], uuid, `${kind} ${uuid}`);
  }
  const master = cfg['cluster']['master_node'];
  assert.equal(cfg['nodes'][master]['name'], 'node1.example.com');
  const web1 = Object.values(cfg['instances'] as Json).find((i) => i['name'] === 'web1.example.com');
  assert.equal(web1['disk_template'], undefined, '3.0 derives the template from the disks');
  const disk = cfg['disks'][web1['disks'][0]];
  assert.equal(disk['dev_type'], 'drbd');
  const [a, b, port, minorA, minorB, secret] = disk['logical_id'];
  assert.deepEqual([a, b], disk['nodes']);
  assert.equal(a, web1['primary_node']);
  assert.ok(typeof port === 'number' && port >= 11000 && typeof minorA === 'number' && typeof minorB === 'number');
  assert.match(secret, /^[0-9a-f]{40}$/);
  assert.deepEqual(
    disk['children'].map((c: Json) => [c['dev_type'], c['size']]),
    [
      ['plain', 20480],
      ['plain', 128],
    ],
  );
  const ports = Object.values(cfg['disks'] as Json).flatMap((d) => (d['dev_type'] === 'drbd' ? [d['logical_id'][2]] : []));
  const netPorts = Object.values(cfg['instances'] as Json).flatMap((i) => (i['network_port'] === undefined ? [] : [i['network_port']]));
  assert.equal(new Set([...ports, ...netPorts]).size, ports.length + netPorts.length, 'no port handed out twice');
  assert.equal(cfg['cluster']['highest_used_port'], Math.max(...ports, ...netPorts));
  // Node capacities travel in hv_state_static / disk_state_static.
  const n1 = cfg['nodes'][master];
  assert.deepEqual(n1['hv_state_static'], { kvm: { mem_total: 65536, mem_node: 1024, mem_hv: 0, cpu_total: 16, cpu_node: 1 } });
  assert.deepEqual(n1['disk_state_static'], { 'lvm-vg': { xenvg: { disk_total: 1048576, disk_reserved: 0, disk_overhead: 0 } } });
  // Network reservations: NIC addresses, and network/broadcast/gateway/external ones.
  const frontend = Object.values(cfg['networks'] as Json).find((w) => w['name'] === 'frontend');
  assert.equal(frontend['reservations'].length, 32);
  assert.equal([...frontend['reservations']].flatMap((c, i) => (c === '1' ? [i] : [])).join(','), '5,6');
  assert.equal([...frontend['ext_reservations']].flatMap((c, i) => (c === '1' ? [i] : [])).join(','), '0,1,2,31');
  assert.deepEqual(cfg['cluster']['data_collectors']['lv'], { active: true, interval: 5000000 });
  assert.equal(cfg['cluster']['primary_ip_family'], 2);
});

test('adapts the cluster for a daemon host: master renamed, loopback addresses, ASCII names', () => {
  const cfg = toConfigData(sampleCluster(), { masterName: 'host.test', loopback: true, asciiNames: true }) as Json;
  const back = fromConfigData(cfg);
  assert.equal(back.info.master, 'host.test');
  assert.equal(back.info['master_netdev'], 'lo');
  assert.equal(cfg['cluster']['master_ip'], '127.0.0.1');
  assert.deepEqual(back.nodes.map((n) => [n.name, n.primaryIp, n.secondaryIp]).slice(0, 2), [
    ['host.test', '127.0.1.1', '127.0.2.1'],
    ['node2.example.com', '127.0.1.2', '127.0.2.2'],
  ]);
  assert.equal(back.instances.find((i) => i.name === 'web1.example.com')?.primaryNode, 'host.test');
  assert.ok(back.instances.some((i) => i.name === 'cafe.example.com'));
  assert.ok(back.instances.every((i) => /^[\x20-\x7e]+$/.test(i.name)));
  assert.throws(() => adaptCluster(sampleCluster(), { masterName: 'node2.example.com' }), /a node has that name/);
});

test('without stored capacities, live data is sized to hold the instances and adds up as htools check', () => {
  const cfg = toConfigData(sampleCluster()) as Json;
  for (const n of Object.values(cfg['nodes'] as Json)) {
    delete n['hv_state_static'];
    delete n['disk_state_static'];
  }
  const c = fromConfigData(cfg);
  const node1 = c.nodes.find((n) => n.name === 'node1.example.com');
  assert.ok(node1?.live);
  // node1 runs web1 (2048) and pxe1 (18432); htools count 4096 for the node itself.
  assert.equal(node1.live.mtotal - node1.live.mfree, 4096 + 2048 + 18432);
  assert.ok(node1.live.mfree > 0 && node1.live.dfree > 0);
  assert.equal(c.nodes.find((n) => n.name === 'node5.example.com')?.live, null, 'offline nodes have no live data');
});

test('reads what Ganeti itself writes: drbd children, no network_port, partial nicparams, tags as a set', () => {
  const cfg = toConfigData(sampleCluster()) as Json;
  const [iuuid, inst] = Object.entries(cfg['instances'] as Json).find(([, i]) => i['name'] === 'db1.example.com') as [string, Json];
  delete inst['network_port'];
  inst['nics'][0]['nicparams'] = {};
  inst['tags'] = ['z', 'a'];
  const c = fromConfigData(cfg);
  const db1 = c.instances.find((i) => i.uuid === iuuid);
  assert.equal(db1?.networkPort, null);
  assert.deepEqual([db1?.nics[0]?.mode, db1?.nics[0]?.link, db1?.nics[0]?.vlan], ['bridged', 'br0', ''], 'from the cluster nicparams');
  assert.deepEqual(db1?.tags, ['a', 'z']);
  assert.deepEqual(db1?.secondaryNodes, ['node1.example.com']);
  assert.equal(db1?.diskTemplate, 'drbd');
});

test('a bad config.data is an error naming the key', () => {
  const bad = (edit: (cfg: Json) => void): (() => unknown) => {
    const cfg = toConfigData(sampleCluster()) as Json;
    edit(cfg);
    return () => loadCluster(cfg);
  };
  const firstNode = (cfg: Json): [string, Json] => Object.entries(cfg['nodes'] as Json)[0] as [string, Json];
  assert.throws(
    bad((c) => delete firstNode(c)[1]['primary_ip']),
    (e: Error) =>
      e instanceof TypeError && e.message === `config.data: nodes["0e6f3a0c-0000-4000-8000-000000000001"].primary_ip: missing required key`,
  );
  assert.throws(
    bad((c) => (firstNode(c)[1]['offline'] = 'no')),
    /config\.data: nodes\["[^"]+"\]\.offline: expected boolean, got string/,
  );
  assert.throws(
    bad((c) => (firstNode(c)[1]['group'] = 'nosuch')),
    /config\.data: nodes\["[^"]+"\]\.group: no node group with uuid nosuch/,
  );
  assert.throws(
    bad((c) => (c['version'] = 2160000)),
    /config\.data: version: is 2160000; this reads Ganeti 3\.0's 3000000 \(upgrade older files with cfgupgrade\)/,
  );
  assert.throws(
    bad((c) => delete c['cluster']['cluster_name']),
    /config\.data: cluster\.cluster_name: missing required key/,
  );
  assert.throws(
    bad((c) => {
      const [, n] = firstNode(c);
      n['uuid'] = 'other';
    }),
    /indexed by/,
  );
  assert.throws(
    bad((c) => {
      const inst = Object.values(c['instances'] as Json)[0] as Json;
      inst['disks'] = ['no-such-disk'];
    }),
    /config\.data: instances\["[^"]+"\]\.disks\[0\]: no disk with uuid no-such-disk/,
  );
});
