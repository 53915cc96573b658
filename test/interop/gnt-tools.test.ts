// Debian's real Ganeti 3.0 gnt-* tools against our demo luxid (`node dist/cli.js serve
// --demo`) in Ganeti's virtual-cluster mode (test/interop/virtual-cluster.ts): the reads
// print the demo's cluster, and every write (waited for, no --submit) takes effect in the
// next read, as on a real cluster. A failing assertion prints what the tool submitted and
// what the demo answered. Skipped loudly without the packages.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ganetiSkip } from './peers.js';
import { startVirtualCluster, type GntResult, type VirtualCluster } from './virtual-cluster.js';

const skip = ganetiSkip();

/** `--no-headers --separator=|` rows of a gnt-* list command. */
function rows(r: GntResult): string[][] {
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('|'));
}

function ok(r: GntResult): void {
  assert.equal(r.code, 0, r.report);
  assert.doesNotMatch(r.stderr, /Traceback|Unhandled Ganeti error/, r.report);
}

describe('the real gnt-* tools on serve --demo', { skip, timeout: 100_000 }, () => {
  let vc: VirtualCluster | undefined;
  const cluster = (): VirtualCluster => vc ?? assert.fail('the virtual cluster did not start');
  const gnt = (tool: string, ...args: string[]): Promise<GntResult> => cluster().gnt(tool, args);
  /** One instance's fields through the real `gnt-instance list`. */
  const instanceRow = async (name: string, fields: string): Promise<{ row: string[] | undefined; r: GntResult }> => {
    const r = await gnt('gnt-instance', 'list', '--no-headers', '--separator=|', '--units=m', '-o', `name,${fields}`);
    ok(r);
    return { row: rows(r).find((row) => row[0] === name), r };
  };
  const nodeRow = async (name: string, fields: string): Promise<{ row: string[] | undefined; r: GntResult }> => {
    const r = await gnt('gnt-node', 'list', '--no-headers', '--separator=|', '-o', `name,${fields}`);
    ok(r);
    return { row: rows(r).find((row) => row[0] === name), r };
  };
  /** The demo's own answer to a luxi query, to compare a tool's output with. */
  const query = async (method: 'QueryInstances' | 'QueryNodes' | 'QueryGroups' | 'QueryNetworks', fields: string[]): Promise<unknown[][]> =>
    (await cluster().luxi.call(method, [[], fields, false])) as unknown[][];

  before(async () => {
    vc = await startVirtualCluster();
  });

  after(async () => {
    await vc?.stop();
  });

  describe('reads', () => {
    test('gnt-instance list prints every instance the demo has, with its primary node and status', async () => {
      const r = await gnt('gnt-instance', 'list', '--no-headers', '--separator=|', '-o', 'name,pnode,status');
      ok(r);
      const truth = await query('QueryInstances', ['name', 'pnode', 'status']);
      assert.deepEqual(rows(r).sort(), truth.map((row) => row.map(String)).sort(), r.report);
      assert.ok(truth.length >= 8);
    });

    test('gnt-node list prints the nodes with their group and flags', async () => {
      const r = await gnt('gnt-node', 'list', '--no-headers', '--separator=|', '-o', 'name,group,offline,drained');
      ok(r);
      const truth = await query('QueryNodes', ['name', 'group', 'offline', 'drained']);
      const yn = (v: unknown): string => (v === true ? 'Y' : v === false ? 'N' : String(v));
      assert.deepEqual(rows(r).sort(), truth.map((row) => row.map(yn)).sort(), r.report);
    });

    test('gnt-group list prints each group with its node and instance counts', async () => {
      const r = await gnt('gnt-group', 'list', '--no-headers', '--separator=|', '-o', 'name,node_cnt,pinst_cnt');
      ok(r);
      const truth = await query('QueryGroups', ['name', 'node_cnt', 'pinst_cnt']);
      assert.deepEqual(rows(r).sort(), truth.map((row) => row.map(String)).sort(), r.report);
    });

    test('gnt-cluster info names the cluster and its master', async () => {
      const r = await gnt('gnt-cluster', 'info');
      ok(r);
      assert.match(r.stdout, new RegExp(`^Cluster name: ${cluster().clusterName.replace(/\./g, '\\.')}$`, 'm'), r.report);
      assert.match(r.stdout, new RegExp(`^Master node: ${cluster().hostname.replace(/\./g, '\\.')}$`, 'm'), r.report);
    });

    test('gnt-instance info web1 (OP_INSTANCE_QUERY_DATA) prints its configuration and state', async () => {
      const r = await gnt('gnt-instance', 'info', 'web1.example.com');
      ok(r);
      assert.deepEqual(
        r.ops.map((op) => op['OP_ID']),
        ['OP_INSTANCE_QUERY_DATA'],
        r.report,
      );
      // PrintGenericInfo: a YAML-like list, one '- Instance name: ...' item per instance.
      assert.match(r.stdout, /^- Instance name: web1\.example\.com$/m, r.report);
      assert.match(r.stdout, /^ {2}State: configured to be up, actual state is up$/m, r.report);
      assert.match(r.stdout, /^\s+- primary: node1\.example\.com$/m, r.report);
      assert.match(r.stdout, /^\s+- secondaries: node2\.example\.com \(group default, group UUID [0-9a-f-]+\)$/m, r.report);
      assert.match(r.stdout, /^ {2}Operating system: debootstrap\+default$/m, r.report);
      assert.match(r.stdout, /^ {4}maxmem: 2048$/m, r.report);
    });

    test('gnt-node list-storage (OP_NODE_QUERY_STORAGE) lists the volume group of every online node', async () => {
      const r = await gnt('gnt-node', 'list-storage', '--no-headers', '--separator=|');
      ok(r);
      const listed = rows(r);
      assert.ok(listed.length > 0, r.report);
      for (const row of listed) {
        assert.equal(row[1], 'lvm-vg', r.report);
        assert.equal(row[2], 'xenvg', r.report);
      }
      const online = (await query('QueryNodes', ['name', 'offline'])).filter((n) => n[1] === false).map((n) => String(n[0]));
      assert.deepEqual([...new Set(listed.map((row) => row[0]))].sort(), online.sort(), r.report);
    });

    test('gnt-os list (OP_OS_DIAGNOSE) lists the OS the instances use', async () => {
      const r = await gnt('gnt-os', 'list', '--no-headers');
      ok(r);
      assert.match(r.stdout, /^debootstrap\+default$/m, r.report);
    });

    test('gnt-network list prints the networks and their ranges', async () => {
      const r = await gnt('gnt-network', 'list', '--no-headers', '--separator=|', '-o', 'name,network');
      ok(r);
      const truth = await query('QueryNetworks', ['name', 'network']);
      assert.deepEqual(rows(r).sort(), truth.map((row) => row.map(String)).sort(), r.report);
      // The default fields include the group list, unpacked as (name, mode, link, vlan).
      const full = await gnt('gnt-network', 'list');
      ok(full);
      assert.match(full.stdout, /frontend/, full.report);
    });
  });

  describe('writes, each seen by the next read', () => {
    test('gnt-instance shutdown, then startup: the status changes in gnt-instance list', async () => {
      const down = await gnt('gnt-instance', 'shutdown', 'web1.example.com');
      ok(down);
      assert.equal(down.ops[0]?.['OP_ID'], 'OP_INSTANCE_SHUTDOWN', down.report);
      let seen = await instanceRow('web1.example.com', 'status,admin_state');
      assert.deepEqual(seen.row, ['web1.example.com', 'ADMIN_down', 'down'], `${down.report}\n${seen.r.report}`);
      const up = await gnt('gnt-instance', 'startup', 'web1.example.com');
      ok(up);
      assert.equal(up.ops[0]?.['OP_ID'], 'OP_INSTANCE_STARTUP', up.report);
      seen = await instanceRow('web1.example.com', 'status,admin_state');
      assert.deepEqual(seen.row, ['web1.example.com', 'running', 'up'], `${up.report}\n${seen.r.report}`);
    });

    test('gnt-instance add creates an instance that gnt-instance list shows; remove makes it go', async () => {
      const add = await gnt(
        'gnt-instance',
        'add',
        '-t',
        'plain',
        '--disk',
        '0:size=1G',
        '-n',
        'node2.example.com',
        '-o',
        'debootstrap+default',
        '-B',
        'memory=512',
        '--no-name-check',
        '--no-ip-check',
        'new1.example.com',
      );
      ok(add);
      assert.equal(add.ops[0]?.['OP_ID'], 'OP_INSTANCE_CREATE', add.report);
      const seen = await instanceRow('new1.example.com', 'pnode,status,disk_template,be/maxmem,disk.sizes,os');
      assert.deepEqual(
        seen.row,
        ['new1.example.com', 'node2.example.com', 'running', 'plain', '512', '1024', 'debootstrap+default'],
        `${add.report}\n${seen.r.report}`,
      );
      const rm = await gnt('gnt-instance', 'remove', '-f', 'new1.example.com');
      ok(rm);
      assert.equal(rm.ops[0]?.['OP_ID'], 'OP_INSTANCE_REMOVE', rm.report);
      const gone = await instanceRow('new1.example.com', 'pnode');
      assert.equal(gone.row, undefined, `${rm.report}\n${gone.r.report}`);
    });

    test('gnt-instance add -t drbd places the instance on both nodes', async () => {
      const add = await gnt(
        'gnt-instance',
        'add',
        '-t',
        'drbd',
        '--disk',
        '0:size=2G',
        '-n',
        'node2.example.com:node1.example.com',
        '-o',
        'debootstrap+default',
        '--no-start',
        '--no-name-check',
        '--no-ip-check',
        'new2.example.com',
      );
      ok(add);
      const seen = await instanceRow('new2.example.com', 'pnode,snodes,status,disk_template,disk.sizes');
      assert.deepEqual(
        seen.row,
        ['new2.example.com', 'node2.example.com', 'node1.example.com', 'ADMIN_down', 'drbd', '2048'],
        `${add.report}\n${seen.r.report}`,
      );
    });

    test('gnt-instance remove deletes an existing instance', async () => {
      const rm = await gnt('gnt-instance', 'remove', '-f', 'build1.example.com');
      ok(rm);
      const gone = await instanceRow('build1.example.com', 'pnode');
      assert.equal(gone.row, undefined, `${rm.report}\n${gone.r.report}`);
    });

    test('gnt-instance modify -B memory=... prints the changes and the new memory is listed', async () => {
      const mod = await gnt('gnt-instance', 'modify', '-B', 'memory=3072', 'web2.example.com');
      ok(mod);
      assert.equal(mod.ops[0]?.['OP_ID'], 'OP_INSTANCE_SET_PARAMS', mod.report);
      assert.match(mod.stdout, /^Modified instance web2\.example\.com$/m, mod.report);
      // LUInstanceSetParams stores the old "memory" as maxmem and minmem (UpgradeBeParams on a
      // copy) but reports the parameters as given: ("be/memory", 3072).
      assert.match(mod.stdout, /^ - be\/memory -> 3072$/m, mod.report);
      const seen = await instanceRow('web2.example.com', 'be/maxmem,be/minmem');
      assert.deepEqual(seen.row, ['web2.example.com', '3072', '3072'], `${mod.report}\n${seen.r.report}`);
    });

    test('gnt-instance modify of an unknown instance fails with the LU error and changes nothing', async () => {
      const mod = await gnt('gnt-instance', 'modify', '-B', 'memory=512', 'nosuch.example.com');
      assert.equal(mod.code, 1, mod.report);
      assert.match(mod.stderr, /Instance 'nosuch\.example\.com' not known/, mod.report);
      assert.equal(mod.jobs[0]?.status, 'error', mod.report);
    });

    test('gnt-node modify --drained demotes a master candidate; undraining promotes it back', async () => {
      const drain = await gnt('gnt-node', 'modify', '--drained=yes', 'node3.example.com');
      ok(drain);
      assert.equal(drain.ops[0]?.['OP_ID'], 'OP_NODE_SET_PARAMS', drain.report);
      assert.match(drain.stdout, /^Modified node node3\.example\.com$/m, drain.report);
      assert.match(drain.stdout, /^ - drained -> True$/m, drain.report);
      assert.match(drain.stdout, /^ - master_candidate -> False$/m, drain.report);
      let seen = await nodeRow('node3.example.com', 'drained,offline,master_candidate');
      assert.deepEqual(seen.row, ['node3.example.com', 'Y', 'N', 'N'], `${drain.report}\n${seen.r.report}`);
      // Two candidates remain of three possible: undraining auto-promotes (_DecideSelfPromotion).
      const undrain = await gnt('gnt-node', 'modify', '--drained=no', 'node3.example.com');
      ok(undrain);
      assert.match(undrain.stdout, /^ - drained -> False$/m, undrain.report);
      seen = await nodeRow('node3.example.com', 'drained,offline,master_candidate');
      assert.deepEqual(seen.row, ['node3.example.com', 'N', 'N', 'Y'], `${undrain.report}\n${seen.r.report}`);
    });

    test('gnt-node modify --offline takes a drained node offline', async () => {
      const off = await gnt('gnt-node', 'modify', '--offline=yes', 'node4.example.com');
      ok(off);
      assert.match(off.stdout, /^ - offline -> True$/m, off.report);
      assert.match(off.stdout, /^ - drained -> False$/m, off.report);
      const seen = await nodeRow('node4.example.com', 'offline,drained');
      assert.deepEqual(seen.row, ['node4.example.com', 'Y', 'N'], `${off.report}\n${seen.r.report}`);
    });

    test('gnt-cluster add-tags / list-tags / remove-tags', async () => {
      const add = await gnt('gnt-cluster', 'add-tags', 'interop:one', 'interop:two');
      ok(add);
      assert.equal(add.ops[0]?.['OP_ID'], 'OP_TAGS_SET', add.report);
      let list = await gnt('gnt-cluster', 'list-tags');
      ok(list);
      const before = list.stdout.split('\n').filter((l) => l !== '');
      assert.ok(before.includes('interop:one') && before.includes('interop:two'), `${add.report}\n${list.report}`);
      const rm = await gnt('gnt-cluster', 'remove-tags', 'interop:one');
      ok(rm);
      assert.equal(rm.ops[0]?.['OP_ID'], 'OP_TAGS_DEL', rm.report);
      list = await gnt('gnt-cluster', 'list-tags');
      ok(list);
      const afterRm = list.stdout.split('\n').filter((l) => l !== '');
      assert.deepEqual(
        afterRm,
        before.filter((t) => t !== 'interop:one'),
        `${rm.report}\n${list.report}`,
      );
      // Removing a tag the cluster does not have fails (LUTagsDel: "Tag(s) ... not found").
      const again = await gnt('gnt-cluster', 'remove-tags', 'interop:one');
      assert.equal(again.code, 1, again.report);
      assert.match(again.stderr, /not found/, again.report);
    });

    test('gnt-instance add-tags shows in list-tags and in the tags field', async () => {
      const add = await gnt('gnt-instance', 'add-tags', 'db1.example.com', 'interop:tag');
      ok(add);
      const list = await gnt('gnt-instance', 'list-tags', 'db1.example.com');
      ok(list);
      assert.deepEqual(
        list.stdout.split('\n').filter((l) => l !== ''),
        ['app:db', 'interop:tag'],
        `${add.report}\n${list.report}`,
      );
      const seen = await instanceRow('db1.example.com', 'tags');
      assert.deepEqual(seen.row, ['db1.example.com', 'app:db,interop:tag'], seen.r.report);
    });

    test('gnt-group add / rename / remove', async () => {
      const add = await gnt('gnt-group', 'add', 'interop-g');
      ok(add);
      assert.equal(add.ops[0]?.['OP_ID'], 'OP_GROUP_ADD', add.report);
      const groups = async (): Promise<{ names: string[][]; r: GntResult }> => {
        const r = await gnt('gnt-group', 'list', '--no-headers', '--separator=|', '-o', 'name,node_cnt,pinst_cnt');
        ok(r);
        return { names: rows(r), r };
      };
      let seen = await groups();
      assert.ok(
        seen.names.some((g) => g.join('|') === 'interop-g|0|0'),
        `${add.report}\n${seen.r.report}`,
      );
      const ren = await gnt('gnt-group', 'rename', 'interop-g', 'interop-h');
      ok(ren);
      assert.equal(ren.ops[0]?.['OP_ID'], 'OP_GROUP_RENAME', ren.report);
      seen = await groups();
      assert.deepEqual(
        seen.names.filter((g) => g[0]?.startsWith('interop-')).map((g) => g[0]),
        ['interop-h'],
        `${ren.report}\n${seen.r.report}`,
      );
      const rm = await gnt('gnt-group', 'remove', 'interop-h');
      ok(rm);
      seen = await groups();
      assert.deepEqual(
        seen.names.filter((g) => g[0]?.startsWith('interop-')),
        [],
        `${rm.report}\n${seen.r.report}`,
      );
      // A group with nodes cannot go (LUGroupRemove).
      const busy = await gnt('gnt-group', 'remove', 'default');
      assert.equal(busy.code, 1, busy.report);
    });

    test('gnt-instance migrate swaps the primary and secondary of a running drbd instance', async () => {
      const mig = await gnt('gnt-instance', 'migrate', '-f', 'web1.example.com');
      ok(mig);
      assert.equal(mig.ops[0]?.['OP_ID'], 'OP_INSTANCE_MIGRATE', mig.report);
      const seen = await instanceRow('web1.example.com', 'pnode,snodes,status');
      assert.deepEqual(
        seen.row,
        ['web1.example.com', 'node2.example.com', 'node1.example.com', 'running'],
        `${mig.report}\n${seen.r.report}`,
      );
    });

    test('gnt-instance failover moves a drbd instance to its secondary', async () => {
      const fo = await gnt('gnt-instance', 'failover', '-f', 'db1.example.com');
      ok(fo);
      assert.equal(fo.ops[0]?.['OP_ID'], 'OP_INSTANCE_FAILOVER', fo.report);
      const seen = await instanceRow('db1.example.com', 'pnode,snodes,status');
      assert.deepEqual(
        seen.row,
        ['db1.example.com', 'node1.example.com', 'node3.example.com', 'running'],
        `${fo.report}\n${seen.r.report}`,
      );
    });
  });
});
