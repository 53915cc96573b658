// Real RAPI clients against OUR server (`ganeti-uds rapi`, run through the CLI) on the demo
// luxid: Ganeti's own Python GanetiRapiClient (test/interop/py/rapi_driver.py: every read
// method, the common writes, waited for through the server's job resources), the htools
// (`hbal -m`, `hspace -m`, `hinfo -m`, `hcheck -m`, whose RAPI backend fetches
// /2/{groups,nodes,instances}?bulk=1 and /2/info with curl, certificate unchecked), and
// curl (certificate verified). Every answer is checked against what luxi itself says about
// the demo cluster: the bulk lists are the luxi rows under rlib2's field names, and the
// htools print the same report from `-m` as from `-L` (luxi). Writes are checked by reading
// the cluster back through luxi. Skipped loudly when Ganeti, root, openssl or pycurl is missing.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseExactJson, stringifyExactJson } from '../../src/exact-json.js';
import { GANETI_BIN, GANETI_PYTHONPATH, PYTHON, cliPath, repoRoot, run } from './peers.js';
import {
  RAPI_READER,
  RAPI_USERS_TEXT,
  RAPI_WRITER,
  makeSelfSignedCert,
  rapiSkip,
  startOurRapiCli,
  type OurRapi,
  type RapiCredentials,
} from './rapi-harness.js';
import { startVirtualCluster, type VirtualCluster } from './virtual-cluster.js';

const skip = rapiSkip();

// rlib2's field lists (Ganeti 3.0 lib/rapi/rlib2.py): what a bulk answer holds, in luxi terms.
const COMMON = ['ctime', 'mtime', 'uuid', 'serial_no', 'tags'];
const I_FIELDS = [
  ...['name', 'admin_state', 'os', 'pnode', 'snodes', 'disk_template', 'nic.ips', 'nic.macs', 'nic.modes', 'nic.uuids', 'nic.names'],
  ...['nic.links', 'nic.networks', 'nic.networks.names', 'nic.bridges', 'network_port', 'disk.sizes', 'disk.spindles', 'disk_usage'],
  ...['disk.uuids', 'disk.names', 'beparams', 'hvparams', 'oper_state', 'oper_ram', 'oper_vcpus', 'status', 'custom_hvparams'],
  ...['custom_beparams', 'custom_nicparams', ...COMMON],
];
const N_FIELDS = [
  ...['name', 'offline', 'master_candidate', 'drained', 'dtotal', 'dfree', 'sptotal', 'spfree', 'mtotal', 'mnode', 'mfree'],
  ...['pinst_cnt', 'sinst_cnt', 'ctotal', 'cnos', 'cnodes', 'csockets', 'pip', 'sip', 'role', 'pinst_list', 'sinst_list'],
  ...['master_capable', 'vm_capable', 'ndparams', 'group.uuid', ...COMMON],
];
const G_FIELDS = [
  ...['alloc_policy', 'name', 'node_cnt', 'node_list', 'ipolicy', 'custom_ipolicy', 'diskparams', 'custom_diskparams', 'ndparams'],
  ...['custom_ndparams', ...COMMON],
];
const NET_FIELDS = [
  ...['name', 'network', 'gateway', 'network6', 'gateway6', 'mac_prefix', 'free_count', 'reserved_count', 'map', 'group_list'],
  ...['inst_list', 'external_reservations', ...COMMON],
];
const J_FIELDS_BULK = ['id', 'ops', 'status', 'summary', 'opstatus', 'received_ts', 'start_ts', 'end_ts'];
const J_FIELDS = [...J_FIELDS_BULK, 'oplog', 'opresult'];
const FILTER_FIELDS = ['watermark', 'priority', 'predicates', 'action', 'reason_trail', 'uuid'];
const FEATURES = ['instance-create-reqv1', 'instance-reinstall-reqv1', 'node-evac-res1', 'node-migrate-reqv1'];
const ROLES: Record<string, string> = { M: 'master', C: 'master-candidate', D: 'drained', O: 'offline', R: 'regular' };

/** One call of rapi_driver.py. */
interface RapiCall {
  method: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  wait?: boolean;
}

/** One line of rapi_driver.py. */
type RapiLine =
  | { ok: true; result: unknown; succeeded?: boolean; job?: { status: string; ops: unknown[]; opresult: unknown[] } }
  | { ok: false; error_class: string; message: string; code: number | null };

type Row = Record<string, unknown>;

/** Luxi rows as records under `fields`. */
function records(fields: string[], rows: unknown[][]): Row[] {
  return rows.map((r) => Object.fromEntries(fields.map((f, i) => [f, r[i]])));
}

/** JSON round trip (exact integers): what a client sees of a luxi value. */
function viaJson(value: unknown): unknown {
  return parseExactJson(stringifyExactJson(value) ?? 'null');
}

describe("real RAPI clients against ganeti-uds rapi on the demo: Ganeti's Python client, htools, curl", { skip, timeout: 180_000 }, () => {
  let vc: VirtualCluster | undefined;
  let work = '';
  let tls: OurRapi | undefined;
  let plain: OurRapi | undefined;
  let caFile = '';
  const cluster = (): VirtualCluster => vc ?? assert.fail('the virtual cluster did not start');
  const https = (): OurRapi => tls ?? assert.fail('ours (HTTPS) did not start');
  const http = (): OurRapi => plain ?? assert.fail('ours (HTTP) did not start');

  /** Runs calls through GanetiRapiClient over HTTPS; one line per call. */
  const python = async (calls: RapiCall[], who: RapiCredentials = RAPI_WRITER): Promise<{ lines: RapiLine[]; report: string }> => {
    const driver = join(repoRoot(), 'test/interop/py/rapi_driver.py');
    const r = await run(PYTHON, [driver, '127.0.0.1', String(https().port), who.user, who.password, caFile, '-'], {
      env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', PYTHONPATH: GANETI_PYTHONPATH },
      timeoutMs: 60_000,
      input: stringifyExactJson(calls) ?? '[]',
    });
    const lines = r.stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => parseExactJson(l) as RapiLine);
    const report = `rapi_driver.py ${calls.map((c) => c.method).join(', ')} -> exit ${r.code}\n  ${lines
      .map((l) => stringifyExactJson(l)?.slice(0, 600))
      .join('\n  ')}\n  stderr: ${r.stderr.trimEnd()}`;
    assert.equal(r.code, 0, report);
    assert.equal(lines.length, calls.length, report);
    return { lines, report };
  };
  const ok = (line: RapiLine | undefined, report: string): unknown => {
    assert.ok(line?.ok, report);
    return line.result;
  };
  const jobDone = (line: RapiLine | undefined, report: string): unknown[] => {
    assert.ok(line?.ok, report);
    assert.equal(line.job?.status, 'success', report);
    assert.equal(line.succeeded, true, report);
    return line.job?.opresult ?? [];
  };
  const refused = (line: RapiLine | undefined, code: number, report: string): void => {
    assert.ok(line !== undefined && !line.ok && line.code === code, `expected HTTP ${code}\n${report}`);
  };

  const luxi = () => cluster().luxi;
  const instanceRecords = async (names: string[] = []): Promise<Row[]> =>
    records(I_FIELDS, await luxi().queryInstances(names, I_FIELDS)).map((r) => ({
      ...r,
      beparams: { ...(r['beparams'] as Row), memory: (r['beparams'] as Row)['maxmem'] },
    }));
  const one = async <T>(rows: Promise<T[]>): Promise<T> => (await rows)[0] ?? assert.fail('no such object');

  before(async () => {
    vc = await startVirtualCluster();
    work = mkdtempSync(join(tmpdir(), 'rapiclients-'));
    const usersFile = join(work, 'users');
    writeFileSync(usersFile, RAPI_USERS_TEXT);
    const cert = await makeSelfSignedCert(work, vc.hostname);
    caFile = cert.cert;
    tls = await startOurRapiCli({ cli: cliPath(), luxiSocket: vc.socket, usersFile, pem: cert.pem, caCert: cert.cert });
    plain = await startOurRapiCli({ cli: cliPath(), luxiSocket: vc.socket, usersFile });
  });

  after(async () => {
    await tls?.stop();
    await plain?.stop();
    await vc?.stop();
    if (work !== '') rmSync(work, { recursive: true, force: true });
  });

  test('GanetiRapiClient: every read method answers what luxi says about the cluster', async () => {
    const nodes = (await luxi().queryNodes([], ['name'])).map((r) => String(r[0]));
    const instances = (await luxi().queryInstances([], ['name', 'oper_state'])) as Array<[string, boolean]>;
    const groups = (await luxi().queryGroups([], ['name'])).map((r) => String(r[0]));
    const networks = (await luxi().queryNetworks([], ['name'])).map((r) => String(r[0]));
    const filters = (await luxi().queryFilters(null, ['uuid'])).map((r) => String(r[0]));
    const node = nodes[1] ?? assert.fail('the demo has nodes');
    // Names a URL can carry (Ganeti's patterns are [\w._-]+ on the raw path: café is not one).
    const inst = instances.find(([n]) => /^[\w.-]+$/.test(n) && instances.length > 0)?.[0] ?? assert.fail('no instance');
    const running = instances.find(([n, up]) => up && /^[\w.-]+$/.test(n))?.[0] ?? assert.fail('no running instance');
    const group = groups[0] ?? assert.fail('no group');
    const network = networks[0] ?? assert.fail('no network');
    const filter = filters[0];
    const calls: RapiCall[] = [
      { method: 'GetVersion' },
      { method: 'GetFeatures' },
      { method: 'GetInfo' },
      { method: 'GetClusterTags' },
      { method: 'GetNodes' },
      { method: 'GetNodes', kwargs: { bulk: true } },
      { method: 'GetNode', args: [node] },
      { method: 'GetNodeRole', args: [node] },
      { method: 'GetNodeTags', args: [node] },
      { method: 'GetInstances' },
      { method: 'GetInstances', kwargs: { bulk: true } },
      { method: 'GetInstance', args: [inst] },
      { method: 'GetInstanceTags', args: [inst] },
      { method: 'GetInstanceConsole', args: [running] },
      { method: 'GetGroups' },
      { method: 'GetGroups', kwargs: { bulk: true } },
      { method: 'GetGroup', args: [group] },
      { method: 'GetGroupTags', args: [group] },
      { method: 'GetNetworks' },
      { method: 'GetNetworks', kwargs: { bulk: true } },
      { method: 'GetNetwork', args: [network] },
      { method: 'GetNetworkTags', args: [network] },
      { method: 'GetFilters' },
      { method: 'GetFilters', kwargs: { bulk: true } },
      ...(filter !== undefined ? [{ method: 'GetFilter', args: [filter] }] : []),
      { method: 'Query', args: ['instance', ['name', 'pnode', 'status'], ['=', 'pnode', node]] },
      { method: 'Query', args: ['node', ['name', 'mfree', 'role']] },
      { method: 'QueryFields', args: ['group'] },
      { method: 'QueryFields', args: ['node', ['name', 'mfree']] },
      { method: 'GetOperatingSystems' },
      { method: 'GetInstanceInfo', args: [inst], wait: true },
      { method: 'GetInstanceInfo', args: [inst], kwargs: { static: true }, wait: true },
      { method: 'GetNodeStorageUnits', args: [node, 'lvm-vg', 'name,size,used,free'], wait: true },
      { method: 'GetJobs' },
    ];
    const { lines, report } = await python(calls);
    let at = 0;
    const next = (): unknown => ok(lines[at++], report);
    const nextLine = (): RapiLine | undefined => lines[at++];

    assert.equal(next(), 2, report);
    assert.deepEqual([...(next() as string[])].sort(), FEATURES, report);
    const info = await luxi().queryClusterInfo();
    // rlib2's GET_ALIASES add vg_name and drbd_helper beside their long names.
    assert.deepEqual(next(), viaJson({ ...info, vg_name: info['volume_group_name'], drbd_helper: info['drbd_usermode_helper'] }), report);
    assert.deepEqual(next(), await luxi().queryTags('cluster', ''), report);

    assert.deepEqual(next(), [...nodes].sort(), report);
    assert.deepEqual(next(), viaJson(records(N_FIELDS, await luxi().queryNodes([], N_FIELDS))), report);
    const nodeRow = await one(
      luxi()
        .queryNodes([node], N_FIELDS)
        .then((rows) => records(N_FIELDS, rows)),
    );
    assert.deepEqual(next(), viaJson({ ...nodeRow, secondary_ip: nodeRow['sip'] }), report);
    const [role] = await one(luxi().queryNodes([node], ['role']));
    assert.equal(next(), ROLES[String(role)], report);
    assert.deepEqual(next(), await luxi().queryTags('node', node), report);

    assert.deepEqual(next(), instances.map(([n]) => n).sort(), report);
    assert.deepEqual(next(), viaJson(await instanceRecords()), report);
    assert.deepEqual(next(), viaJson(await one(instanceRecords([inst]))), report);
    assert.deepEqual(next(), await luxi().queryTags('instance', inst), report);
    const [console] = await one(luxi().queryInstances([running], ['console']));
    assert.deepEqual(next(), viaJson(console), report);

    assert.deepEqual(next(), [...groups].sort(), report);
    assert.deepEqual(next(), viaJson(records(G_FIELDS, await luxi().queryGroups([], G_FIELDS))), report);
    assert.deepEqual(
      next(),
      viaJson(
        await one(
          luxi()
            .queryGroups([group], G_FIELDS)
            .then((r) => records(G_FIELDS, r)),
        ),
      ),
      report,
    );
    assert.deepEqual(next(), await luxi().queryTags('nodegroup', group), report);

    assert.deepEqual(next(), [...networks].sort(), report);
    assert.deepEqual(next(), viaJson(records(NET_FIELDS, await luxi().queryNetworks([], NET_FIELDS))), report);
    assert.deepEqual(
      next(),
      viaJson(
        await one(
          luxi()
            .queryNetworks([network], NET_FIELDS)
            .then((r) => records(NET_FIELDS, r)),
        ),
      ),
      report,
    );
    assert.deepEqual(next(), await luxi().queryTags('network', network), report);

    assert.deepEqual(next(), [...filters].sort(), report);
    assert.deepEqual(next(), viaJson(records(FILTER_FIELDS, await luxi().queryFilters(null, FILTER_FIELDS))), report);
    if (filter !== undefined)
      assert.deepEqual(next(), viaJson(records(FILTER_FIELDS, await luxi().queryFilters([filter], FILTER_FIELDS))[0]), report);

    assert.deepEqual(next(), viaJson(await luxi().query('instance', ['name', 'pnode', 'status'], ['=', 'pnode', node])), report);
    assert.deepEqual(next(), viaJson(await luxi().query('node', ['name', 'mfree', 'role'])), report);
    assert.deepEqual(next(), viaJson(await luxi().queryFields('group')), report);
    assert.deepEqual(next(), viaJson(await luxi().queryFields('node', ['name', 'mfree'])), report);

    // OS names as Ganeti's cli.CalculateOSNames makes them from OP_OS_DIAGNOSE's rows.
    const diagnose = await luxi().submitJobAndWait([{ OP_ID: 'OP_OS_DIAGNOSE', output_fields: ['name', 'variants'], names: [] }]);
    const rows = (diagnose.opresult[0] ?? []) as Array<[string, string[] | null]>;
    const osNames = rows.flatMap(([name, variants]) => (variants && variants.length > 0 ? variants.map((v) => `${name}+${v}`) : [name]));
    assert.deepEqual(next(), osNames, report);
    assert.ok(osNames.includes('debootstrap+default'), report);

    const queryData = async (isStatic: boolean): Promise<unknown> =>
      (await luxi().submitJobAndWait([{ OP_ID: 'OP_INSTANCE_QUERY_DATA', instances: [inst], static: isStatic }])).opresult;
    assert.deepEqual(jobDone(nextLine(), report), viaJson(await queryData(false)), report);
    assert.deepEqual(jobDone(nextLine(), report), viaJson(await queryData(true)), report);
    const storage = await luxi().submitJobAndWait([
      { OP_ID: 'OP_NODE_QUERY_STORAGE', nodes: [node], storage_type: 'lvm-vg', output_fields: ['name', 'size', 'used', 'free'] },
    ]);
    assert.deepEqual(jobDone(nextLine(), report), viaJson(storage.opresult), report);

    const jobIds = ((await luxi().queryJobs(null, ['id'])) as Array<[number]>).map(([id]) => id);
    const listed = next() as number[];
    // The list was taken before the four luxi jobs above (OS diagnose, query data twice, storage).
    assert.deepEqual(listed, jobIds.slice(0, jobIds.length - 4), report);
  });

  test('GanetiRapiClient: GetJobs(bulk), GetJobStatus and WaitForJobChange agree with luxi QueryJobs', async () => {
    const ids = ((await luxi().queryJobs(null, ['id', 'status'])) as Array<[number, string]>)
      .filter(([, s]) => ['success', 'error', 'canceled'].includes(s))
      .map(([id]) => id);
    const id = ids[ids.length - 1] ?? assert.fail('no finished job');
    const { lines, report } = await python([
      { method: 'GetJobs', kwargs: { bulk: true } },
      { method: 'GetJobStatus', args: [id] },
      { method: 'WaitForJobChange', args: [id, ['status', 'opstatus'], null, null] },
    ]);
    const bulk = ok(lines[0], report) as Row[];
    const truth = records(J_FIELDS_BULK, await luxi().queryJobs(null, J_FIELDS_BULK));
    assert.deepEqual(bulk, viaJson(truth.slice(0, bulk.length)), report);
    assert.deepEqual(ok(lines[1], report), viaJson(records(J_FIELDS, await luxi().queryJobs([id], J_FIELDS))[0]), report);
    const change = ok(lines[2], report) as { job_info: unknown; log_entries: unknown };
    assert.deepEqual(change.job_info, viaJson((await luxi().queryJobs([id], ['status', 'opstatus']))[0]), report);
  });

  test('GanetiRapiClient writes: shutdown, startup, modify, tags, reboot, migrate, failover, grow, reinstall, rename; each seen through luxi', async () => {
    const inst = 'web1.example.com';
    const status = async (name: string): Promise<unknown[]> =>
      one(luxi().queryInstances([name], ['admin_state', 'pnode', 'snodes', 'be/maxmem', 'disk.sizes', 'tags']));
    const before = await status(inst);
    const { lines, report } = await python([
      { method: 'ShutdownInstance', args: [inst], kwargs: { timeout: 30 }, wait: true },
      { method: 'StartupInstance', args: [inst], wait: true },
      { method: 'ModifyInstance', args: [inst], kwargs: { beparams: { maxmem: 3072, minmem: 1024 } }, wait: true },
      { method: 'AddInstanceTags', args: [inst, ['rapi:one', 'rapi:two']], wait: true },
      { method: 'DeleteInstanceTags', args: [inst, ['rapi:one']], wait: true },
      { method: 'RebootInstance', args: [inst], kwargs: { reboot_type: 'soft' }, wait: true },
      { method: 'MigrateInstance', args: [inst], kwargs: { mode: 'live' }, wait: true },
      { method: 'GrowInstanceDisk', args: [inst, 0, 1024], kwargs: { wait_for_sync: false }, wait: true },
      { method: 'ShutdownInstance', args: ['web2.example.com'], wait: true },
      { method: 'ReinstallInstance', args: ['web2.example.com'], kwargs: { os: 'debootstrap+default', no_startup: true }, wait: true },
      { method: 'FailoverInstance', args: ['web2.example.com'], kwargs: { ignore_consistency: true }, wait: true },
      {
        method: 'RenameInstance',
        args: ['web2.example.com', 'web9.example.com'],
        kwargs: { ip_check: false, name_check: false },
        wait: true,
      },
    ]);
    for (let i = 0; i < lines.length; i++) jobDone(lines[i], report);
    const [admin, pnode, snodes, maxmem, sizes, tags] = await status(inst);
    assert.equal(admin, 'up', report);
    // A live migration swaps primary and secondary.
    assert.deepEqual([pnode, snodes], [(before[2] as string[])[0], [before[1]]], report);
    assert.equal(maxmem, 3072, report);
    assert.equal((sizes as number[])[0], ((before[4] as number[])[0] as number) + 1024, report);
    assert.ok((tags as string[]).includes('rapi:two') && !(tags as string[]).includes('rapi:one'), report);
    const names = (await luxi().queryInstances([], ['name'])).map((r) => r[0]);
    assert.ok(names.includes('web9.example.com') && !names.includes('web2.example.com'), report);
  });

  test('GanetiRapiClient writes: create and delete an instance, a group, a network; node role and parameters; cluster tags and parameters', async () => {
    const { lines, report } = await python([
      {
        method: 'CreateInstance',
        args: ['create', 'rapi2.example.com', 'plain', [{ size: 2048 }], [{}]],
        kwargs: {
          os: 'debootstrap+default',
          pnode: 'node2.example.com',
          name_check: false,
          ip_check: false,
          beparams: { maxmem: 512, minmem: 512 },
        },
        wait: true,
      },
      { method: 'DeleteInstance', args: ['rapi2.example.com'], wait: true },
      { method: 'CreateGroup', args: ['rapigroup'], kwargs: { alloc_policy: 'preferred' }, wait: true },
      { method: 'RenameGroup', args: ['rapigroup', 'rapigroup2'], wait: true },
      { method: 'ModifyGroup', args: ['rapigroup2'], kwargs: { alloc_policy: 'last_resort' }, wait: true },
      // The client sends "tags": null unless given some, which OP_NETWORK_ADD refuses (on the real daemon too).
      { method: 'CreateNetwork', args: ['rapinet', '10.77.0.0/24'], kwargs: { gateway: '10.77.0.1', tags: 'rapi:net' }, wait: true },
      { method: 'ConnectNetwork', args: ['rapinet', 'rapigroup2', 'bridged', 'br77'], wait: true },
      { method: 'DisconnectNetwork', args: ['rapinet', 'rapigroup2'], wait: true },
      { method: 'DeleteNetwork', args: ['rapinet'], wait: true },
      { method: 'DeleteGroup', args: ['rapigroup2'], wait: true },
      { method: 'SetNodeRole', args: ['node3.example.com', 'drained'], kwargs: { force: true }, wait: true },
      { method: 'GetNodeRole', args: ['node3.example.com'] },
      { method: 'SetNodeRole', args: ['node3.example.com', 'regular'], kwargs: { force: true }, wait: true },
      { method: 'ModifyNode', args: ['node3.example.com'], kwargs: { ndparams: { spindle_count: 2 } }, wait: true },
      { method: 'AddClusterTags', args: [['rapi:cluster']], wait: true },
      { method: 'ModifyCluster', kwargs: { candidate_pool_size: 7 }, wait: true },
    ]);
    const ids = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14, 15];
    for (const i of ids) jobDone(lines[i], report);
    assert.equal(ok(lines[11], report), 'drained', report);
    const instances = (await luxi().queryInstances([], ['name'])).map((r) => r[0]);
    assert.ok(!instances.includes('rapi2.example.com'), report);
    const groups = (await luxi().queryGroups([], ['name'])).map((r) => r[0]);
    assert.ok(!groups.includes('rapigroup') && !groups.includes('rapigroup2'), report);
    const networks = (await luxi().queryNetworks([], ['name'])).map((r) => r[0]);
    assert.ok(!networks.includes('rapinet'), report);
    const [drained, ndparams] = await one(luxi().queryNodes(['node3.example.com'], ['drained', 'custom_ndparams']));
    assert.equal(drained, false, report);
    assert.deepEqual(ndparams, { spindle_count: 2 }, report);
    assert.ok((await luxi().queryTags('cluster', '')).includes('rapi:cluster'), report);
    assert.equal((await luxi().queryClusterInfo())['candidate_pool_size'], 7, report);
  });

  test('GanetiRapiClient: filter rules added, replaced and deleted; a queued job canceled; a reader refused (403)', async () => {
    const pause = await luxi().replaceFilter(null, 0, [], 'PAUSE', [['test:rapi-clients', 'hold', 0]]);
    let queued: number | bigint;
    try {
      queued = await luxi().submitJob([{ OP_ID: 'OP_TEST_DELAY', duration: 0, on_master: false, on_nodes: [] }]);
      const { lines, report } = await python([
        {
          method: 'AddFilter',
          args: [5, [['opcode', ['=', 'OP_ID', 'OP_TEST_DELAY']]], 'CONTINUE'],
          kwargs: { reason_trail: [['test', 'x', 0]] },
        },
        { method: 'CancelJob', args: [queued] },
      ]);
      const uuid = String(ok(lines[0], report));
      const [priority, action] = (await one(luxi().queryFilters([uuid], ['priority', 'action']))) as [number, unknown];
      assert.deepEqual([priority, action], [5, 'CONTINUE'], report);
      const [canceled] = ok(lines[1], report) as [boolean, string];
      assert.equal(canceled, true, report);
      const [status] = await one(luxi().queryJobs([queued], ['status']));
      assert.equal(status, 'canceled', report);
      const second = await python([
        { method: 'ReplaceFilter', args: [uuid, 9, [], 'PAUSE'] },
        { method: 'GetFilter', args: [uuid] },
        { method: 'DeleteFilter', args: [uuid] },
        { method: 'GetFilter', args: [uuid] },
      ]);
      assert.equal(ok(second.lines[0], second.report), uuid, second.report);
      assert.equal((ok(second.lines[1], second.report) as Row)['priority'], 9, second.report);
      ok(second.lines[2], second.report);
      refused(second.lines[3], 404, second.report);
    } finally {
      await luxi().deleteFilter(pause);
    }
    const reader = await python(
      [{ method: 'GetInfo' }, { method: 'ShutdownInstance', args: ['pxe1.example.com'] }, { method: 'AddClusterTags', args: [['x']] }],
      RAPI_READER,
    );
    ok(reader.lines[0], reader.report);
    refused(reader.lines[1], 403, reader.report);
    refused(reader.lines[2], 403, reader.report);
    const [admin] = await one(luxi().queryInstances(['pxe1.example.com'], ['admin_state']));
    assert.equal(admin, 'up', reader.report);
  });

  test('hbal, hspace, hinfo and hcheck read the same cluster through -m (ours, HTTPS and HTTP) as through -L (luxi)', async () => {
    const tool = async (name: string, args: string[]): Promise<{ code: number | null; out: string }> => {
      const r = await run(join(GANETI_BIN, name), args, { timeoutMs: 90_000, env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' } });
      return { code: r.code, out: `${r.stdout}${r.stderr}` };
    };
    const luxiSocket = `-L${cluster().demo.socket}`;
    const cases: Array<[string, string[]]> = [
      ['hbal', ['-G', 'default']],
      ['hbal', ['-G', 'rack2']],
      ['hinfo', []],
      ['hcheck', []],
      ['hspace', ['-l', '4', '--machine-readable']],
    ];
    for (const [name, args] of cases) {
      const [viaLuxi, viaHttps, viaHttp] = await Promise.all([
        tool(name, [luxiSocket, ...args]),
        tool(name, ['-m', https().url, ...args]),
        tool(name, ['-m', http().url, ...args]),
      ]);
      const what = `${name} ${args.join(' ')}`;
      assert.ok(/Loaded \d+ nodes|cluster has \d+ nodes|Cluster|HTS_/.test(viaLuxi.out), `${what} -L:\n${viaLuxi.out}`);
      assert.equal(viaHttps.code, viaLuxi.code, `${what} -m https:\n${viaHttps.out}\n-L:\n${viaLuxi.out}`);
      assert.equal(viaHttps.out, viaLuxi.out, `${what}: -m ${https().url} and -L print different reports`);
      assert.equal(viaHttp.out, viaLuxi.out, `${what}: -m ${http().url} and -L print different reports`);
    }
    // A bare HOST:PORT is used as given by htools' curl (plain HTTP): our HTTPS port answers nothing it can read.
    const bare = await tool('hbal', ['-m', `127.0.0.1:${https().port}`, '-G', 'default']);
    assert.notEqual(bare.code, 0, bare.out);
    assert.match(bare.out, /Curl error/, bare.out);
  });

  test('curl: reads with the certificate verified, writes with Basic auth, 401 and 403 with their JSON bodies', async () => {
    const curl = async (args: string[]): Promise<{ code: number | null; status: number; body: unknown; text: string }> => {
      const r = await run('curl', ['-sS', '-w', '\n%{http_code}', ...args], { timeoutMs: 30_000 });
      const cut = r.stdout.lastIndexOf('\n');
      const text = r.stdout.slice(0, cut);
      let body: unknown;
      try {
        body = parseExactJson(text);
      } catch {
        body = undefined;
      }
      return { code: r.code, status: Number(r.stdout.slice(cut + 1)), body, text: `${text}\n${r.stderr}` };
    };
    const base = https().url;
    const info = await curl(['--cacert', caFile, `${base}/2/info`]);
    assert.equal(info.code, 0, info.text);
    assert.equal(info.status, 200, info.text);
    const truth = await luxi().queryClusterInfo();
    assert.deepEqual(info.body, viaJson({ ...truth, vg_name: truth['volume_group_name'], drbd_helper: truth['drbd_usermode_helper'] }));

    const bulk = await curl([`${http().url}/2/instances?bulk=1`]);
    assert.equal(bulk.status, 200, bulk.text);
    assert.deepEqual(bulk.body, viaJson(await instanceRecords()));

    const write = await curl([
      '--cacert',
      caFile,
      '-u',
      `${RAPI_WRITER.user}:${RAPI_WRITER.password}`,
      '-X',
      'PUT',
      '-H',
      'Content-Type: application/json',
      '-d',
      '{"timeout": 45}',
      `${base}/2/instances/pxe1.example.com/shutdown?dry-run=1&reason=curl%20test`,
    ]);
    assert.equal(write.status, 200, write.text);
    const jobId = Number(write.body);
    const outcome = await luxi().waitForJob(jobId);
    const [ops] = await one(luxi().queryJobs([jobId], ['ops']));
    const op = (ops as Row[])[0] ?? {};
    assert.deepEqual(
      [op['OP_ID'], op['instance_name'], op['timeout'], op['dry_run']],
      ['OP_INSTANCE_SHUTDOWN', 'pxe1.example.com', 45, true],
      write.text,
    );
    const reasons = (op['reason'] as Array<[string, string, unknown]>).map(([source, text]) => [source, text]);
    assert.deepEqual(reasons.slice(0, 2), [
      ['gnt:user', 'curl test'],
      ['gnt:library:rlib2:instances_name_shutdown', ''],
    ]);
    assert.equal(outcome.status, 'success', write.text);
    const [admin] = await one(luxi().queryInstances(['pxe1.example.com'], ['admin_state']));
    assert.equal(admin, 'up', 'a dry run changes nothing');

    const anonymous = await curl(['-k', '-i', '-X', 'PUT', `${base}/2/instances/pxe1.example.com/shutdown`]);
    assert.equal(anonymous.status, 401, anonymous.text);
    assert.match(anonymous.text, /WWW-Authenticate: Basic realm="Ganeti Remote API"/i);
    const reader = await curl([
      '-k',
      '-u',
      `${RAPI_READER.user}:${RAPI_READER.password}`,
      '-X',
      'PUT',
      `${base}/2/instances/pxe1.example.com/shutdown`,
    ]);
    assert.equal(reader.status, 403, reader.text);
    assert.deepEqual(reader.body, { code: 403, message: 'Forbidden', explain: 'Request forbidden -- authorization will not help' });
    const missing = await curl(['-k', `${base}/2/instances/nosuch.example.com`]);
    assert.equal(missing.status, 404, missing.text);
    assert.deepEqual(missing.body, { code: 404, message: 'Not Found', explain: 'Nothing matches the given URI' });
  });
});
