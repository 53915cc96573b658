// RAPI writes over the demo luxid: each submits the opcode rlib2 submits (static
// parameters, renames, the reason trail), the job runs and the next read sees it; bad
// bodies get FillOpcode's 400 texts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WRITER, startRapiFixture, waitJob, type RapiFixture } from './helpers.js';

type Rec = Record<string, unknown>;

async function submit(fx: RapiFixture, method: string, path: string, body?: unknown): Promise<Rec> {
  const r = await fx.call(method, path, { body, auth: WRITER });
  assert.equal(r.status, 200, `${method} ${path}: ${r.text}`);
  assert.match(r.text, /^\d+\n$/);
  return waitJob(fx, r.json);
}

describe('RAPI writes on the demo', { timeout: 30_000 }, () => {
  test('shutdown then startup change the instance, and the opcode carries rlib2 reason entries', async (t) => {
    const fx = await startRapiFixture(t);
    const down = await submit(fx, 'PUT', '/2/instances/web2.example.com/shutdown?reason=maintenance', { timeout: 30 });
    assert.equal(down['status'], 'success', JSON.stringify(down));
    const [op] = down['ops'] as Rec[];
    assert.equal(op?.['OP_ID'], 'OP_INSTANCE_SHUTDOWN');
    assert.equal(op?.['timeout'], 30);
    const sources = (op?.['reason'] as unknown[][]).map((e) => e.slice(0, 2));
    assert.deepEqual(sources.slice(0, 2), [
      ['gnt:user', 'maintenance'],
      ['gnt:library:rlib2:instances_name_shutdown', ''],
    ]);
    const inst = (await fx.call('GET', '/2/instances/web2.example.com')).json as Rec;
    assert.equal(inst['admin_state'], 'down');
    assert.equal((await submit(fx, 'PUT', '/2/instances/web2.example.com/startup'))['status'], 'success');
    assert.equal(((await fx.call('GET', '/2/instances/web2.example.com')).json as Rec)['admin_state'], 'up');
  });

  test('dry-run=1 checks without changing', async (t) => {
    const fx = await startRapiFixture(t);
    const job = await submit(fx, 'PUT', '/2/instances/web2.example.com/shutdown?dry-run=1');
    assert.equal((job['ops'] as Rec[])[0]?.['dry_run'], true);
    assert.equal(((await fx.call('GET', '/2/instances/web2.example.com')).json as Rec)['admin_state'], 'up');
  });

  test('create (request version 1, os/name renamed) and delete an instance', async (t) => {
    const fx = await startRapiFixture(t);
    const created = await submit(fx, 'POST', '/2/instances', {
      __version__: 1,
      mode: 'create',
      name: 'rapi1.example.com',
      disk_template: 'plain',
      disks: [{ size: 1024 }],
      nics: [{}],
      os: 'debootstrap+default',
      pnode: 'node2.example.com',
      name_check: false,
      ip_check: false,
      beparams: { maxmem: 512, minmem: 512 },
    });
    assert.equal(created['status'], 'success', JSON.stringify(created['opresult']));
    const op = (created['ops'] as Rec[])[0] ?? {};
    assert.equal(op['instance_name'], 'rapi1.example.com');
    assert.equal(op['os_type'], 'debootstrap+default');
    const inst = (await fx.call('GET', '/2/instances/rapi1.example.com')).json as Rec;
    assert.equal(inst['pnode'], 'node2.example.com');
    assert.equal((await submit(fx, 'DELETE', '/2/instances/rapi1.example.com'))['status'], 'success');
    assert.equal((await fx.call('GET', '/2/instances/rapi1.example.com')).status, 404);
  });

  test('modify renames custom_beparams to beparams', async (t) => {
    const fx = await startRapiFixture(t);
    const job = await submit(fx, 'PUT', '/2/instances/cache1.example.com/modify', { custom_beparams: { maxmem: 6144, minmem: 2048 } });
    assert.equal(job['status'], 'success');
    const be = ((await fx.call('GET', '/2/instances/cache1.example.com')).json as Rec)['beparams'] as Rec;
    assert.deepEqual([be['maxmem'], be['minmem'], be['memory']], [6144, 2048, 6144]);
  });

  test('node role, tags on an instance, node and the cluster', async (t) => {
    const fx = await startRapiFixture(t);
    assert.equal((await submit(fx, 'PUT', '/2/nodes/node3.example.com/role', 'drained'))['status'], 'success');
    assert.equal((await fx.call('GET', '/2/nodes/node3.example.com/role')).json, 'drained');
    assert.equal((await submit(fx, 'PUT', '/2/instances/web2.example.com/tags?tag=rapi:a&tag=rapi:b'))['status'], 'success');
    assert.deepEqual(((await fx.call('GET', '/2/instances/web2.example.com/tags')).json as string[]).sort(), [
      'app:web',
      'rapi:a',
      'rapi:b',
    ]);
    assert.equal((await submit(fx, 'DELETE', '/2/instances/web2.example.com/tags?tag=rapi:a'))['status'], 'success');
    assert.deepEqual(((await fx.call('GET', '/2/instances/web2.example.com/tags')).json as string[]).sort(), ['app:web', 'rapi:b']);
    assert.equal((await submit(fx, 'PUT', '/2/tags?tag=from:rapi'))['status'], 'success');
    assert.ok(((await fx.call('GET', '/2/tags')).json as string[]).includes('from:rapi'));
  });

  test('filter rules: add, read, replace and delete', async (t) => {
    const fx = await startRapiFixture(t);
    const added = await fx.call('POST', '/2/filters', { body: { priority: 5, predicates: [], action: 'ACCEPT' }, auth: WRITER });
    assert.equal(added.status, 200, added.text);
    const uuid = added.json as string;
    const rule = (await fx.call('GET', `/2/filters/${uuid}`)).json as Rec;
    assert.deepEqual([rule['priority'], rule['action']], [5, 'ACCEPT']);
    const replaced = await fx.call('PUT', `/2/filters/${uuid}`, { body: { priority: 7, action: 'REJECT' }, auth: WRITER });
    assert.equal(replaced.json, uuid);
    assert.equal(((await fx.call('GET', `/2/filters/${uuid}`)).json as Rec)['priority'], 7);
    assert.equal((await fx.call('DELETE', `/2/filters/${uuid}`, { auth: WRITER })).status, 200);
    assert.equal((await fx.call('GET', `/2/filters/${uuid}`)).status, 404);
    const bad = await fx.call('POST', '/2/filters', { body: { priority: 'high' }, auth: WRITER });
    assert.equal((bad.json as Rec)['message'], '&#x27;priority&#x27; parameter: Type is &#x27;str&#x27;, but &#x27;int&#x27; is expected');
  });

  test("DELETE /2/jobs/ID cancels a queued job; wait on an unknown job is luxid's error as a 500", async (t) => {
    const fx = await startRapiFixture(t);
    // A rule that pauses every job keeps this one queued until it is canceled.
    await fx.luxi.replaceFilter(null, 0, [], 'PAUSE', []);
    const id = await fx.luxi.submitJob([{ OP_ID: 'OP_TEST_DELAY', duration: 1, on_master: false }]);
    const canceled = await fx.call('DELETE', `/2/jobs/${id}`, { auth: WRITER });
    assert.equal((canceled.json as unknown[])[0], true, canceled.text);
    assert.equal((await waitJob(fx, id))['status'], 'canceled');
    const missing = await fx.call('GET', '/2/jobs/4242/wait', { body: { fields: ['status'] }, auth: WRITER });
    // luxid refuses (a GanetiError, not an empty answer): ganeti-rapi answers 500 with its text.
    assert.equal(missing.status, 500, missing.text);
    assert.equal((missing.json as Rec)['message'], 'Can&#x27;t load job file');
  });

  test('reinstall submits shutdown, reinstall and startup in one job', async (t) => {
    const fx = await startRapiFixture(t);
    const job = await submit(fx, 'POST', '/2/instances/web2.example.com/reinstall', { os: 'debootstrap+default' });
    assert.deepEqual(
      (job['ops'] as Rec[]).map((o) => o['OP_ID']),
      ['OP_INSTANCE_SHUTDOWN', 'OP_INSTANCE_REINSTALL', 'OP_INSTANCE_STARTUP'],
    );
    assert.equal(job['status'], 'success', JSON.stringify(job['opresult']));
  });

  test("bad bodies get FillOpcode's texts (html-escaped, as ganeti-rapi sends them)", async (t) => {
    const fx = await startRapiFixture(t);
    const message = async (method: string, path: string, body: unknown): Promise<unknown> => {
      const r = await fx.call(method, path, { body, auth: WRITER });
      assert.equal(r.status, 400, r.text);
      return (r.json as Rec)['message'];
    };
    const shutdown = '/2/instances/web1.example.com/shutdown';
    assert.equal(await message('PUT', shutdown, []), 'Body contents: Type is &#x27;list&#x27;, but &#x27;dict&#x27; is expected');
    assert.equal(
      await message('PUT', shutdown, { foo: 1 }),
      'Invalid body parameters: Object OpInstanceShutdown doesn&#x27;t support the parameter &#x27;foo&#x27;',
    );
    assert.equal(
      await message('PUT', shutdown, { instance_name: 'x' }),
      'Can&#x27;t overwrite static parameters {&#x27;instance_name&#x27;}',
    );
    assert.equal(
      await message('PUT', shutdown, { timeout: 'soon' }),
      'Invalid body parameters: (&quot;Parameter &#x27;OP_INSTANCE_SHUTDOWN.timeout&#x27; fails validation&quot;, &#x27;wrong_input&#x27;)',
    );
    assert.equal(
      await message('POST', '/2/instances', { __version__: 1, name: 'a', instance_name: 'b' }),
      'Parameter &#x27;name&#x27; was renamed to &#x27;instance_name&#x27;, but both are specified',
    );
    assert.equal(await message('POST', '/2/instances', {}), 'Instance creation request version 0 is no longer supported');
    assert.equal(await message('PUT', '/2/nodes/node2.example.com/role', 'boss'), 'Can&#x27;t set &#x27;boss&#x27; role');
    const forbidden = await fx.call('PUT', '/2/modify', { body: { compression_tools: ['gzip'] }, auth: WRITER });
    assert.equal(forbidden.status, 403);
    assert.equal((forbidden.json as Rec)['message'], 'The parameter compression_tools cannot be set via RAPI');
  });
});
