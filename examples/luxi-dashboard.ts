/**
 * A cluster dashboard over Luxi: one `Query` for nodes and one for instances, unwrapped
 * with `queryRecords`, printed as a summary table (memory and disk per node, instances
 * per status).
 *
 * Run: node build/examples/examples/luxi-dashboard.js [SOCKET]
 * SOCKET defaults to $GANETI_UDS_SOCKET, then luxid's own path. Try it against
 * `ganeti-uds serve --demo --socket /tmp/demo.sock`.
 */
import { LuxiClient, defaultQuerySocket, queryRecords } from '../src/index.js';

const socket = process.argv[2] ?? process.env['GANETI_UDS_SOCKET'] ?? defaultQuerySocket();

/** MiB as GiB with one decimal, or "-" when the node did not report it. */
const gib = (mib: unknown): string => (typeof mib === 'number' ? `${(mib / 1024).toFixed(1)}G` : '-');

const client = await LuxiClient.connect(socket, { connectTimeoutMs: 5000 });
try {
  const info = await client.queryClusterInfo();
  const nodes = queryRecords(
    await client.query('node', ['name', 'role', 'offline', 'mtotal', 'mfree', 'dtotal', 'dfree', 'pinst_cnt', 'sinst_cnt']),
  );
  const instances = queryRecords(await client.query('instance', ['name', 'status', 'pnode', 'oper_ram']));

  console.log(`Cluster ${String(info['name'])} (Ganeti ${String(info['software_version'])}), master ${String(info['master'])}`);
  console.log(`${nodes.length} nodes, ${instances.length} instances\n`);

  const header = ['Node', 'Role', 'Mem free/total', 'Disk free/total', 'Pri', 'Sec'];
  const rows = nodes.map((n) => [
    String(n['name']),
    n['offline'] === true ? 'offline' : String(n['role']),
    `${gib(n['mfree'])}/${gib(n['mtotal'])}`,
    `${gib(n['dfree'])}/${gib(n['dtotal'])}`,
    String(n['pinst_cnt']),
    String(n['sinst_cnt']),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  for (const row of [header, ...rows])
    console.log(
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    );

  const byStatus = new Map<string, string[]>();
  for (const inst of instances) {
    const status = String(inst['status']);
    byStatus.set(status, [...(byStatus.get(status) ?? []), String(inst['name'])]);
  }
  console.log('\nInstances by status:');
  for (const [status, names] of [...byStatus].sort(([a], [b]) => a.localeCompare(b))) {
    console.log(`  ${status.padEnd(12)} ${String(names.length).padStart(3)}  ${names.join(', ')}`);
  }
  const usedMib = instances.reduce((sum, i) => sum + (typeof i['oper_ram'] === 'number' ? i['oper_ram'] : 0), 0);
  console.log(`\nMemory used by running instances: ${gib(usedMib)}`);
} finally {
  await client.close();
}
