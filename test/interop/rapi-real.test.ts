// The REAL Ganeti 3.0 RAPI daemon (`ganeti-rapi`, run as the gnt-rapi user over HTTPS with a
// self-signed certificate) on top of our demo luxid, driven by Ganeti's own Python RAPI
// client (test/interop/py/rapi_driver.py): reads answer from the demo's cluster, and every
// write, waited for through the daemon's job calls, is seen by the next read. The daemon
// reaches the demo through the recording socket of virtual-cluster.ts, so a failure names
// the opcode it submitted and what the demo answered. Skipped loudly when Ganeti, setpriv,
// openssl or the gnt-rapi user is missing.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseExactJson, stringifyExactJson } from '../../src/exact-json.js';
import { GANETI_PYTHONPATH, PYTHON, repoRoot, run } from './peers.js';
import { RAPI_READER, RAPI_WRITER, rapiSkip, startRealRapi, type RapiCredentials, type RealRapi } from './rapi-harness.js';
import { startVirtualCluster, type VirtualCluster } from './virtual-cluster.js';

const skip = rapiSkip();

const WRITER: RapiCredentials = RAPI_WRITER;
const READER: RapiCredentials = RAPI_READER;

/** One call of rapi_driver.py. */
interface RapiCall {
  method: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  wait?: boolean;
}

/** One line of rapi_driver.py. */
type RapiLine =
  | { ok: true; result: unknown; succeeded?: boolean; job?: { status: string; ops: unknown[]; opresult: unknown[]; oplog: unknown } }
  | { ok: false; error_class: string; message: string; code: number | null };

describe('the real ganeti-rapi on serve --demo, driven by GanetiRapiClient', { skip, timeout: 100_000 }, () => {
  let vc: VirtualCluster | undefined;
  let daemon: RealRapi | undefined;
  let port = 0;
  let cafile = '';
  const cluster = (): VirtualCluster => vc ?? assert.fail('the virtual cluster did not start');

  /** Runs calls through the Python client; returns one line per call and a report for messages. */
  const rapi = async (calls: RapiCall[], who = WRITER): Promise<{ lines: RapiLine[]; report: string }> => {
    const mark = cluster().exchanges().length;
    const driver = join(repoRoot(), 'test/interop/py/rapi_driver.py');
    const r = await run(PYTHON, [driver, '127.0.0.1', String(port), who.user, who.password, cafile, '-'], {
      env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', PYTHONPATH: GANETI_PYTHONPATH },
      timeoutMs: 45_000,
      input: stringifyExactJson(calls) ?? '[]',
    });
    const lines = r.stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => parseExactJson(l) as RapiLine);
    const title = `rapi_driver.py ${calls.map((c) => c.method).join(', ')} -> exit ${r.code}\n  ${lines
      .map((l) => stringifyExactJson(l)?.slice(0, 1500))
      .join('\n  ')}\n  stderr: ${r.stderr.trimEnd()}`;
    const report = await cluster().describe(mark, title);
    assert.equal(r.code, 0, report);
    assert.equal(lines.length, calls.length, report);
    return { lines, report };
  };
  const result = (line: RapiLine | undefined, report: string): unknown => {
    assert.ok(line?.ok, report);
    return line.result;
  };
  /** A waited-for write: the job must have succeeded; returns its opresult. */
  const jobDone = (line: RapiLine | undefined, report: string): unknown[] => {
    assert.ok(line?.ok, report);
    assert.equal(line.succeeded, true, report);
    assert.equal(line.job?.status, 'success', report);
    return line.job?.opresult ?? [];
  };
  const getInstance = (name: string): RapiCall => ({ method: 'GetInstance', args: [name] });

  before(async () => {
    vc = await startVirtualCluster();
    // The daemon reaches the demo through the recording socket, so failures name its opcodes.
    daemon = await startRealRapi({ luxiSocket: vc.socket, hostname: vc.hostname, clusterName: vc.clusterName });
    port = daemon.port;
    cafile = daemon.caFile ?? assert.fail('the HTTPS daemon has no certificate file');
  });

  after(async () => {
    await daemon?.stop();
    await vc?.stop();
  });

  test('GetInfo names the demo cluster and its master', async () => {
    const { lines, report } = await rapi([{ method: 'GetInfo' }]);
    const info = result(lines[0], report) as Record<string, unknown>;
    assert.equal(info['name'], cluster().clusterName, report);
    assert.equal(info['master'], cluster().hostname, report);
  });

  test('GetInstances(bulk) lists every instance of the demo with its primary node', async () => {
    const { lines, report } = await rapi([{ method: 'GetInstances', kwargs: { bulk: true } }]);
    const got = (result(lines[0], report) as Array<Record<string, unknown>>).map((i) => [i['name'], i['pnode'], i['admin_state']]);
    const truth = (await cluster().luxi.call('QueryInstances', [[], ['name', 'pnode', 'admin_state'], false])) as unknown[][];
    assert.deepEqual(got.sort(), [...truth].sort(), report);
  });

  test('GetInstance and GetInstanceInfo (an OP_INSTANCE_QUERY_DATA job) describe web1', async () => {
    const { lines, report } = await rapi([
      getInstance('web1.example.com'),
      { method: 'GetInstanceInfo', args: ['web1.example.com'], wait: true },
    ]);
    const inst = result(lines[0], report) as Record<string, unknown>;
    assert.equal(inst['pnode'], 'node1.example.com', report);
    assert.deepEqual(inst['snodes'], ['node2.example.com'], report);
    const [data] = jobDone(lines[1], report) as [Record<string, Record<string, unknown>>];
    const web1 = data?.['web1.example.com'];
    assert.ok(web1, report);
    assert.equal(web1['pnode'], 'node1.example.com', report);
    assert.equal(web1['config_state'], 'up', report);
    assert.equal(web1['os'], 'debootstrap+default', report);
  });

  test('GetOperatingSystems lists the OS of the instances', async () => {
    const { lines, report } = await rapi([{ method: 'GetOperatingSystems' }]);
    const oses = result(lines[0], report) as string[];
    assert.ok(oses.includes('debootstrap+default'), report);
  });

  test('ShutdownInstance, then StartupInstance: GetInstance shows the state change', async () => {
    const { lines, report } = await rapi([
      { method: 'ShutdownInstance', args: ['web2.example.com'], wait: true },
      getInstance('web2.example.com'),
      { method: 'StartupInstance', args: ['web2.example.com'], wait: true },
      getInstance('web2.example.com'),
    ]);
    jobDone(lines[0], report);
    const down = result(lines[1], report) as Record<string, unknown>;
    assert.deepEqual([down['admin_state'], down['status'], down['oper_state']], ['down', 'ADMIN_down', false], report);
    jobDone(lines[2], report);
    const up = result(lines[3], report) as Record<string, unknown>;
    assert.deepEqual([up['admin_state'], up['status'], up['oper_state']], ['up', 'running', true], report);
  });

  test('ModifyInstance changes the backend parameters GetInstance reports', async () => {
    const { lines, report } = await rapi([
      { method: 'ModifyInstance', args: ['cache1.example.com'], kwargs: { beparams: { maxmem: 6144, minmem: 2048 } }, wait: true },
      getInstance('cache1.example.com'),
    ]);
    const [changes] = jobDone(lines[0], report) as [unknown[]];
    assert.deepEqual(
      [...(changes ?? [])].sort(),
      [
        ['be/maxmem', 6144],
        ['be/minmem', 2048],
      ],
      report,
    );
    const inst = result(lines[1], report) as Record<string, Record<string, unknown>>;
    assert.equal(inst['beparams']?.['maxmem'], 6144, report);
    assert.equal(inst['beparams']?.['minmem'], 2048, report);
  });

  test('AddInstanceTags, then GetInstanceTags sees the tag', async () => {
    const { lines, report } = await rapi([
      { method: 'AddInstanceTags', args: ['web2.example.com', ['rapi:tagged']], wait: true },
      { method: 'GetInstanceTags', args: ['web2.example.com'] },
    ]);
    jobDone(lines[0], report);
    assert.deepEqual([...(result(lines[1], report) as string[])].sort(), ['app:web', 'rapi:tagged'], report);
  });

  test('CreateInstance makes an instance GetInstance finds; DeleteInstance removes it', async () => {
    const name = 'rapi1.example.com';
    const { lines, report } = await rapi([
      {
        method: 'CreateInstance',
        args: ['create', name, 'plain', [{ size: 1024 }], [{}]],
        kwargs: {
          os: 'debootstrap+default',
          pnode: 'node2.example.com',
          name_check: false,
          ip_check: false,
          beparams: { maxmem: 512, minmem: 512 },
        },
        wait: true,
      },
      getInstance(name),
      { method: 'DeleteInstance', args: [name], wait: true },
      getInstance(name),
      { method: 'GetInstances', kwargs: { bulk: false } },
    ]);
    jobDone(lines[0], report);
    const made = result(lines[1], report) as Record<string, unknown>;
    assert.deepEqual(
      [made['pnode'], made['disk_template'], made['disk.sizes'], made['admin_state'], made['os']],
      ['node2.example.com', 'plain', [1024], 'up', 'debootstrap+default'],
      report,
    );
    jobDone(lines[2], report);
    const gone = lines[3];
    assert.ok(gone !== undefined && !gone.ok && gone.code === 404, report);
    const names = (result(lines[4], report) as Array<Record<string, unknown>>).map((i) => i['id']);
    assert.ok(!names.includes(name), report);
  });

  test('a read-only user may read but not write (403), and nothing changes', async () => {
    const { lines, report } = await rapi(
      [getInstance('pxe1.example.com'), { method: 'ShutdownInstance', args: ['pxe1.example.com'] }, getInstance('pxe1.example.com')],
      READER,
    );
    assert.equal((result(lines[0], report) as Record<string, unknown>)['admin_state'], 'up', report);
    const refused = lines[1];
    assert.ok(refused !== undefined && !refused.ok && refused.code === 403, report);
    assert.equal((result(lines[2], report) as Record<string, unknown>)['admin_state'], 'up', report);
  });
});
