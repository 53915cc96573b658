/**
 * The RAPI client against the REAL Ganeti 3.0 `ganeti-rapi` daemon (HTTPS, its self-signed
 * rapi.pem) on the demo luxid: the certificate pinned by fingerprint or trusted as a CA,
 * typed reads with exactly rlib2's fields, a write followed with waitForJob, and Ganeti's own
 * error answers. Skipped loudly when Ganeti, setpriv, openssl or the gnt-rapi user is missing
 * (test/interop/rapi-harness.ts rapiSkip).
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { RapiClient, type RapiClientOptions } from '../../src/rapi/client.js';
import { RapiErrorCodes, RapiStatusError } from '../../src/rapi/client-errors.js';
import { INSTANCE_FIELDS, NODE_FIELDS } from '../../src/rapi/types.js';
import { RAPI_READER, RAPI_WRITER, rapiSkip, startRealRapi, type RealRapi } from '../interop/rapi-harness.js';
import { startVirtualCluster, type VirtualCluster } from '../interop/virtual-cluster.js';

const skip = rapiSkip();
const sorted = (list: readonly string[]) => [...list].sort();

describe('RapiClient against the real ganeti-rapi on serve --demo', { skip, timeout: 90_000 }, () => {
  let vc: VirtualCluster | undefined;
  let daemon: RealRapi | undefined;
  const clients: RapiClient[] = [];
  const connect = (options: Partial<RapiClientOptions> = {}): RapiClient => {
    const d = daemon ?? assert.fail('ganeti-rapi did not start');
    const c = new RapiClient({ url: d.url, ...options });
    clients.push(c);
    return c;
  };
  const pin = (): string => new X509Certificate(daemon?.ca ?? assert.fail('no certificate')).fingerprint256;

  before(async () => {
    vc = await startVirtualCluster();
    daemon = await startRealRapi({ luxiSocket: vc.socket, hostname: vc.hostname, clusterName: vc.clusterName });
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await daemon?.stop();
    await vc?.stop();
  });

  test('reads through a pinned certificate answer typed records with rlib2 fields', async () => {
    const rapi = connect({ pinnedCertSha256: pin(), username: RAPI_READER.user, password: RAPI_READER.password });
    assert.equal(await rapi.getVersion(), 2);
    assert.deepEqual(
      sorted(await rapi.getFeatures()),
      sorted(['instance-create-reqv1', 'instance-reinstall-reqv1', 'node-migrate-reqv1', 'node-evac-res1']),
    );
    const info = await rapi.getInfo();
    assert.equal(info.name, vc?.clusterName);
    assert.equal(info.master, vc?.hostname);
    const instances = await rapi.getInstances({ bulk: true });
    assert.ok(instances.length > 0);
    for (const inst of instances) {
      assert.deepEqual(sorted(Object.keys(inst)), sorted(INSTANCE_FIELDS), inst.name);
      assert.equal(inst.beparams.memory, inst.beparams.maxmem);
    }
    for (const node of await rapi.getNodes({ bulk: true })) assert.deepEqual(sorted(Object.keys(node)), sorted(NODE_FIELDS));
    assert.equal(await rapi.getNodeRole(vc?.hostname ?? ''), 'master');
    const q = await rapi.query('instance', ['name'], ['=', 'name', 'web1.example.com']);
    assert.deepEqual(q.data, [[[0, 'web1.example.com']]]);
    await assert.rejects(rapi.getInstance('nosuch.example.com'), (err: unknown) => {
      assert.ok(err instanceof RapiStatusError);
      assert.equal(err.status, 404);
      assert.equal(err.serverMessage, 'Not Found');
      return true;
    });
  });

  test('the daemon certificate trusted as a CA works; unknown or unpinned certificates are refused', async () => {
    const ca = daemon?.ca ?? assert.fail('no certificate');
    // The harness's certificate names 127.0.0.1 as well as the master, so the host-name check passes.
    assert.equal(await connect({ ca }).getVersion(), 2);
    assert.equal(await connect({ ca, verifyHostname: false }).getVersion(), 2);
    // Without a CA or pin, Node's CAs do not know it.
    await assert.rejects(connect().getVersion(), { code: RapiErrorCodes.certificate });
    await assert.rejects(connect({ pinnedCertSha256: '00'.repeat(32) }).getVersion(), { code: RapiErrorCodes.certificate });
  });

  test('a write is a job that waitForJob follows through /2/jobs/ID/wait', async () => {
    const rapi = connect({ pinnedCertSha256: pin(), username: RAPI_WRITER.user, password: RAPI_WRITER.password });
    const id = await rapi.shutdownInstance('web2.example.com', {}, { reason: 'client test' });
    assert.equal(typeof id, 'number');
    const job = await rapi.waitForJob(id, { timeoutMs: 30_000 });
    assert.equal(job.status, 'success');
    assert.equal(job.ops[0]?.OP_ID, 'OP_INSTANCE_SHUTDOWN');
    assert.equal((await rapi.getInstance('web2.example.com')).admin_state, 'down');
    assert.equal((await rapi.waitForJob(await rapi.startupInstance('web2.example.com'), { timeoutMs: 30_000 })).status, 'success');
    // The reader may not write: Ganeti answers 403.
    const reader = connect({ pinnedCertSha256: pin(), username: RAPI_READER.user, password: RAPI_READER.password });
    await assert.rejects(reader.startupInstance('web2.example.com'), { name: 'RapiStatusError', status: 403 });
  });
});
