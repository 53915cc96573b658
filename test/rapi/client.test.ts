import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import test, { type TestContext } from 'node:test';
import { RapiClient } from '../../src/rapi/client.js';
import { RapiConnectionError, RapiErrorCodes, RapiResponseError, RapiStatusError, RapiTimeoutError } from '../../src/rapi/client-errors.js';
import { DEFAULT_RAPI_TIMEOUT_MS } from '../../src/rapi/client-transport.js';

/** A request as the fake server saw it. */
interface Seen {
  method: string;
  path: string;
  query: Array<[string, string]>;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface Answer {
  status?: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

type Responder = (seen: Seen, res: http.ServerResponse) => Answer | undefined | Promise<Answer | undefined>;

/**
 * An HTTP server on 127.0.0.1 that records every request and answers with `respond`
 * (default: 200 and the JSON `1`). A responder that returns undefined answers itself.
 */
async function fakeRapi(t: TestContext, respond: Responder = () => ({ body: '1' })) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const one: Seen = {
        method: req.method ?? '',
        path: url.pathname,
        query: [...url.searchParams.entries()],
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      seen.push(one);
      const answer = await respond(one, res);
      if (answer === undefined) return;
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { seen, port, url: `http://127.0.0.1:${port}`, server };
}

function client(t: TestContext, url: string, options: Partial<ConstructorParameters<typeof RapiClient>[0]> = {}): RapiClient {
  const c = new RapiClient({ url, ...options });
  t.after(() => c.destroy());
  return c;
}

test('each method sends the method, path, query and body that Ganeti RAPI resources read', { timeout: 10_000 }, async (t) => {
  const fake = await fakeRapi(t);
  const rapi = client(t, fake.url);
  type Case = [call: (c: RapiClient) => Promise<unknown>, method: string, path: string, query?: Array<[string, string]>, body?: unknown];
  // biome-ignore format: one request per line reads as a table
  const cases: Case[] = [
    [(c) => c.getVersion(), 'GET', '/version'],
    [(c) => c.getFeatures(), 'GET', '/2/features'],
    [(c) => c.getInfo({ reason: 'look' }), 'GET', '/2/info', [['reason', 'look']]],
    [(c) => c.getOperatingSystems(), 'GET', '/2/os'],
    [(c) => c.redistributeConfig(), 'PUT', '/2/redistribute-config'],
    [(c) => c.modifyCluster({ candidate_pool_size: 5 }), 'PUT', '/2/modify', [], { candidate_pool_size: 5 }],
    [(c) => c.getClusterTags(), 'GET', '/2/tags'],
    [(c) => c.addClusterTags(['a', 'b c'], { dryRun: true }), 'PUT', '/2/tags', [['tag', 'a'], ['tag', 'b c'], ['dry-run', '1']]],
    [(c) => c.deleteClusterTags(['a']), 'DELETE', '/2/tags', [['tag', 'a']]],
    [(c) => c.getInstances(), 'GET', '/2/instances'],
    [(c) => c.getInstances({ bulk: true }), 'GET', '/2/instances', [['bulk', '1']]],
    [(c) => c.getInstance('web1.example.com'), 'GET', '/2/instances/web1.example.com'],
    [(c) => c.getInstanceInfo('web1', { static: true }), 'GET', '/2/instances/web1/info', [['static', '1']]],
    [
      (c) => c.createInstance({ mode: 'create', name: 'new1', disk_template: 'plain', disks: [{ size: 1024 }], nics: [{}], os: 'debootstrap' }, { dryRun: true, reason: 'why' }),
      'POST',
      '/2/instances',
      [['dry-run', '1'], ['reason', 'why']],
      { mode: 'create', name: 'new1', disk_template: 'plain', disks: [{ size: 1024 }], nics: [{}], os: 'debootstrap', __version__: 1 },
    ],
    [(c) => c.createInstances({ instances: [] }), 'POST', '/2/instances-multi-alloc', [], { instances: [] }],
    [(c) => c.modifyInstance('web1', { beparams: { memory: 2048 } }), 'PUT', '/2/instances/web1/modify', [], { beparams: { memory: 2048 } }],
    [(c) => c.deleteInstance('web1', { shutdown_timeout: 30 }, { dryRun: true }), 'DELETE', '/2/instances/web1', [['dry-run', '1']], { shutdown_timeout: 30 }],
    [(c) => c.startupInstance('web1', { force: true, noRemember: true }), 'PUT', '/2/instances/web1/startup', [['force', '1'], ['no_remember', '1']]],
    [(c) => c.shutdownInstance('web1', { timeout: 10 }, { reason: 'maintenance' }), 'PUT', '/2/instances/web1/shutdown', [['reason', 'maintenance']], { timeout: 10 }],
    [(c) => c.rebootInstance('web1', {}, { type: 'soft', ignoreSecondaries: false }), 'POST', '/2/instances/web1/reboot', [['type', 'soft'], ['ignore_secondaries', '0']], {}],
    [(c) => c.reinstallInstance('web1', { os: 'debian', start: false }), 'POST', '/2/instances/web1/reinstall', [], { os: 'debian', start: false }],
    [(c) => c.replaceInstanceDisks('db1', { mode: 'replace_auto', disks: [0] }), 'POST', '/2/instances/db1/replace-disks', [], { mode: 'replace_auto', disks: [0] }],
    [(c) => c.activateInstanceDisks('web1', { ignoreSize: true }), 'PUT', '/2/instances/web1/activate-disks', [['ignore_size', '1']]],
    [(c) => c.deactivateInstanceDisks('web1', { force: true }), 'PUT', '/2/instances/web1/deactivate-disks', [['force', '1']]],
    [(c) => c.recreateInstanceDisks('web1', { disks: [0] }), 'POST', '/2/instances/web1/recreate-disks', [], { disks: [0] }],
    [(c) => c.growInstanceDisk('web1', 1, { amount: 512 }), 'POST', '/2/instances/web1/disk/1/grow', [], { amount: 512 }],
    [(c) => c.prepareInstanceExport('web1', 'remote'), 'PUT', '/2/instances/web1/prepare-export', [['mode', 'remote']]],
    [(c) => c.exportInstance('web1', { mode: 'local', destination: 'node2' }), 'PUT', '/2/instances/web1/export', [], { mode: 'local', destination: 'node2' }],
    [(c) => c.migrateInstance('web1', { mode: 'live' }), 'PUT', '/2/instances/web1/migrate', [], { mode: 'live' }],
    [(c) => c.failoverInstance('web1'), 'PUT', '/2/instances/web1/failover', [], {}],
    [(c) => c.renameInstance('web1', { new_name: 'web9' }), 'PUT', '/2/instances/web1/rename', [], { new_name: 'web9' }],
    [(c) => c.getInstanceConsole('web1'), 'GET', '/2/instances/web1/console'],
    [(c) => c.getInstanceTags('web1'), 'GET', '/2/instances/web1/tags'],
    [(c) => c.addInstanceTags('web1', ['x']), 'PUT', '/2/instances/web1/tags', [['tag', 'x']]],
    [(c) => c.deleteInstanceTags('web1', ['x'], { dryRun: true }), 'DELETE', '/2/instances/web1/tags', [['tag', 'x'], ['dry-run', '1']]],
    [(c) => c.getNodes({ bulk: true }), 'GET', '/2/nodes', [['bulk', '1']]],
    [(c) => c.getNode('node1'), 'GET', '/2/nodes/node1'],
    [(c) => c.getNodeRole('node1'), 'GET', '/2/nodes/node1/role'],
    [(c) => c.setNodeRole('node3', 'drained', { force: true, autoPromote: true }), 'PUT', '/2/nodes/node3/role', [['force', '1'], ['auto-promote', '1']], 'drained'],
    [(c) => c.evacuateNode('node3', { mode: 'all', iallocator: 'hail' }, { dryRun: true }), 'POST', '/2/nodes/node3/evacuate', [['dry-run', '1']], { mode: 'all', iallocator: 'hail' }],
    [(c) => c.migrateNode('node1', { mode: 'live', dry_run: true }), 'POST', '/2/nodes/node1/migrate', [], { mode: 'live', dry_run: true }],
    [(c) => c.powercycleNode('node5', { force: true }), 'POST', '/2/nodes/node5/powercycle', [['force', '1']]],
    [(c) => c.modifyNode('node2', { drained: true }), 'POST', '/2/nodes/node2/modify', [], { drained: true }],
    [(c) => c.getNodeStorage('node1', 'lvm-vg', ['name', 'size']), 'GET', '/2/nodes/node1/storage', [['storage_type', 'lvm-vg'], ['output_fields', 'name,size']]],
    [(c) => c.modifyNodeStorage('node1', 'lvm-pv', '/dev/sda', { allocatable: false }), 'PUT', '/2/nodes/node1/storage/modify', [['storage_type', 'lvm-pv'], ['name', '/dev/sda'], ['allocatable', '0']]],
    [(c) => c.repairNodeStorage('node1', 'lvm-vg', 'xenvg'), 'PUT', '/2/nodes/node1/storage/repair', [['storage_type', 'lvm-vg'], ['name', 'xenvg']]],
    [(c) => c.getNodeTags('node1'), 'GET', '/2/nodes/node1/tags'],
    [(c) => c.addNodeTags('node1', ['r:1']), 'PUT', '/2/nodes/node1/tags', [['tag', 'r:1']]],
    [(c) => c.deleteNodeTags('node1', ['r:1']), 'DELETE', '/2/nodes/node1/tags', [['tag', 'r:1']]],
    [(c) => c.getGroups(), 'GET', '/2/groups'],
    [(c) => c.getGroup('default'), 'GET', '/2/groups/default'],
    [(c) => c.createGroup({ name: 'g3', alloc_policy: 'last_resort' }, { dryRun: true }), 'POST', '/2/groups', [['dry-run', '1']], { name: 'g3', alloc_policy: 'last_resort' }],
    [(c) => c.modifyGroup('g3', { alloc_policy: 'preferred' }), 'PUT', '/2/groups/g3/modify', [], { alloc_policy: 'preferred' }],
    [(c) => c.deleteGroup('g3'), 'DELETE', '/2/groups/g3'],
    [(c) => c.renameGroup('g3', 'g4'), 'PUT', '/2/groups/g3/rename', [], { new_name: 'g4' }],
    [(c) => c.assignGroupNodes('g4', ['node5'], { force: true }), 'PUT', '/2/groups/g4/assign-nodes', [['force', '1']], { nodes: ['node5'] }],
    [(c) => c.getGroupTags('g4'), 'GET', '/2/groups/g4/tags'],
    [(c) => c.addGroupTags('g4', ['t']), 'PUT', '/2/groups/g4/tags', [['tag', 't']]],
    [(c) => c.deleteGroupTags('g4', ['t']), 'DELETE', '/2/groups/g4/tags', [['tag', 't']]],
    [(c) => c.getNetworks({ bulk: true }), 'GET', '/2/networks', [['bulk', '1']]],
    [(c) => c.getNetwork('frontend'), 'GET', '/2/networks/frontend'],
    [(c) => c.createNetwork({ network_name: 'n3', network: '10.9.0.0/24' }), 'POST', '/2/networks', [], { network_name: 'n3', network: '10.9.0.0/24' }],
    [(c) => c.connectNetwork('n3', { group_name: 'default', network_mode: 'bridged', network_link: 'br9' }), 'PUT', '/2/networks/n3/connect', [], { group_name: 'default', network_mode: 'bridged', network_link: 'br9' }],
    [(c) => c.disconnectNetwork('n3', { group_name: 'default' }), 'PUT', '/2/networks/n3/disconnect', [], { group_name: 'default' }],
    [(c) => c.modifyNetwork('n3', { gateway: '10.9.0.1' }), 'PUT', '/2/networks/n3/modify', [], { gateway: '10.9.0.1' }],
    [(c) => c.deleteNetwork('n3', { dryRun: true }), 'DELETE', '/2/networks/n3', [['dry-run', '1']]],
    [(c) => c.getNetworkTags('n3'), 'GET', '/2/networks/n3/tags'],
    [(c) => c.addNetworkTags('n3', ['t']), 'PUT', '/2/networks/n3/tags', [['tag', 't']]],
    [(c) => c.deleteNetworkTags('n3', ['t']), 'DELETE', '/2/networks/n3/tags', [['tag', 't']]],
    [(c) => c.getJobs(), 'GET', '/2/jobs'],
    [(c) => c.getJobs({ bulk: true }), 'GET', '/2/jobs', [['bulk', '1']]],
    [(c) => c.getJob(17), 'GET', '/2/jobs/17'],
    [(c) => c.cancelJob(17), 'DELETE', '/2/jobs/17'],
    [(c) => c.waitForJobChange(17, ['status'], null, null), 'GET', '/2/jobs/17/wait', [], { fields: ['status'], previous_job_info: null, previous_log_serial: null }],
    [(c) => c.query('node', ['name', 'offline'], ['=', 'offline', false]), 'PUT', '/2/query/node', [], { fields: ['name', 'offline'], qfilter: ['=', 'offline', false] }],
    [(c) => c.query('instance', ['name']), 'PUT', '/2/query/instance', [], { fields: ['name'] }],
    [(c) => c.getQueryFields('node', ['name', 'mfree']), 'GET', '/2/query/node/fields', [['fields', 'name,mfree']]],
    [(c) => c.getFilters({ bulk: true }), 'GET', '/2/filters', [['bulk', '1']]],
    [(c) => c.getFilter('f1'), 'GET', '/2/filters/f1'],
    [(c) => c.addFilter({ priority: 1, predicates: [['jobid', ['>', 'id', 5]]], action: 'REJECT' }), 'POST', '/2/filters', [], { priority: 1, predicates: [['jobid', ['>', 'id', 5]]], action: 'REJECT' }],
    [(c) => c.replaceFilter('f1', { action: ['RATE_LIMIT', 2] }), 'PUT', '/2/filters/f1', [], { action: ['RATE_LIMIT', 2] }],
    [(c) => c.deleteFilter('f1'), 'DELETE', '/2/filters/f1'],
    [(c) => c.request('GET', '/2', { query: [['x', 'y']] }), 'GET', '/2', [['x', 'y']]],
  ];
  for (const [call, method, path, query = [], body] of cases) {
    const before = fake.seen.length;
    assert.equal(await call(rapi), 1, `${method} ${path} resolves with the answer`);
    assert.equal(fake.seen.length, before + 1, `${method} ${path} sends exactly one request`);
    const seen = fake.seen[before]!;
    assert.deepEqual([seen.method, seen.path, seen.query], [method, path, query], `${method} ${path}`);
    if (body === undefined) assert.equal(seen.body, '', `${method} ${path} has no body`);
    else assert.deepEqual(JSON.parse(seen.body), body, `${method} ${path} body`);
    assert.equal(seen.headers['content-type'], 'application/json');
    assert.equal(seen.headers['accept'], 'application/json');
    // Ganeti's HTTPS server waits ~40 ms for a body it cannot size, so a length is always sent.
    assert.equal(seen.headers['content-length'], String(Buffer.byteLength(seen.body)));
    assert.equal(seen.headers['authorization'], undefined);
  }
  assert.equal(rapi.pending, 0);
});

test('names are percent-encoded in paths, and Basic credentials go in every request', { timeout: 5000 }, async (t) => {
  const fake = await fakeRapi(t);
  const rapi = client(t, `${fake.url}/prefix/`, { username: 'admin', password: 's3cret:x' });
  await rapi.getInstance('café.example.com');
  await rapi.getNode('a/b');
  assert.deepEqual(
    fake.seen.map((s) => s.path),
    ['/prefix/2/instances/caf%C3%A9.example.com', '/prefix/2/nodes/a%2Fb'],
  );
  for (const s of fake.seen) assert.equal(s.headers['authorization'], `Basic ${Buffer.from('admin:s3cret:x').toString('base64')}`);
  // Credentials in the URL work too.
  const inUrl = client(t, `http://reader:r3ad@127.0.0.1:${fake.port}`);
  await inUrl.getVersion();
  assert.equal(fake.seen.at(-1)?.headers['authorization'], `Basic ${Buffer.from('reader:r3ad').toString('base64')}`);
});

test('answers are decoded with integers beyond 2^53 kept exact', { timeout: 5000 }, async (t) => {
  const job = `{"id": 7, "status": "success", "ops": [{"OP_ID": "OP_TEST_DELAY", "reason": [["gnt:user", "", 1796355337658000123]]}],
    "opstatus": ["success"], "opresult": [null], "oplog": [[]], "summary": ["TEST_DELAY(0)"],
    "received_ts": [1796355337, 658000], "start_ts": null, "end_ts": null}`;
  const fake = await fakeRapi(t, () => ({ body: job }));
  const got = await client(t, fake.url).getJob(7);
  assert.equal(got.status, 'success');
  assert.equal(got.ops[0]?.['reason'] && (got.ops[0]['reason'] as unknown[][])[0]?.[2], 1796355337658000123n);
  assert.equal(got.start_ts, null);
});

test('an HTTP error answer is a RapiStatusError with the status and Ganeti error body', { timeout: 5000 }, async (t) => {
  const fake = await fakeRapi(t, (seen): Answer => {
    if (seen.path === '/2/instances/nosuch') {
      return { status: 404, body: '{"code": 404, "message": "Not Found", "explain": "Nothing matches the given URI"}' };
    }
    if (seen.path === '/2/os') return { status: 502, headers: { 'content-type': 'text/html' }, body: '<html>Bad Gateway</html>' };
    return { status: 401, headers: { 'www-authenticate': 'Basic realm="Ganeti Remote API"' }, body: '' };
  });
  const rapi = client(t, fake.url);
  await assert.rejects(rapi.getInstance('nosuch'), (err: unknown) => {
    assert.ok(err instanceof RapiStatusError);
    assert.equal(err.code, RapiErrorCodes.http);
    assert.equal(err.status, 404);
    assert.equal(err.serverMessage, 'Not Found');
    assert.equal(err.explain, 'Nothing matches the given URI');
    assert.deepEqual(err.body, { code: 404, message: 'Not Found', explain: 'Nothing matches the given URI' });
    assert.equal(err.message, 'GET /2/instances/nosuch: 404 Not Found: Nothing matches the given URI');
    assert.equal(String(err), 'RapiStatusError: GET /2/instances/nosuch: 404 Not Found: Nothing matches the given URI');
    return true;
  });
  await assert.rejects(rapi.getOperatingSystems(), {
    name: 'RapiStatusError',
    status: 502,
    message: 'GET /2/os: 502 <html>Bad Gateway</html>',
  });
  await assert.rejects(rapi.startupInstance('web1'), { status: 401, message: 'PUT /2/instances/web1/startup: 401 no error body' });
});

test('a 200 answer that is not JSON, not application/json, or nests too deep is refused clearly', { timeout: 5000 }, async (t) => {
  const answers: Record<string, Answer> = {
    '/2/info': { body: '{"name": ' },
    '/2/os': { headers: { 'content-type': 'text/html' }, body: '<html>login</html>' },
    '/2/tags': { body: '[[[[[["deep"]]]]]]' },
    '/2/features': { body: '' },
  };
  const fake = await fakeRapi(t, (seen) => answers[seen.path]);
  const rapi = client(t, fake.url, { maxDepth: 4 });
  await assert.rejects(rapi.getInfo(), (err: unknown) => {
    assert.ok(err instanceof RapiResponseError);
    assert.equal(err.code, RapiErrorCodes.badResponse);
    assert.match(err.message, /^GET \/2\/info: the answer is not usable JSON: Invalid JSON/);
    return true;
  });
  await assert.rejects(rapi.getOperatingSystems(), {
    code: RapiErrorCodes.badResponse,
    message: 'GET /2/os: the server answered 200 with content type "text/html", not application/json: <html>login</html>',
  });
  await assert.rejects(rapi.getClusterTags(), { code: RapiErrorCodes.badResponse, message: /nesting/i });
  // An empty 200 answer is null, as for Python's client.
  assert.equal(await rapi.getFeatures(), null);
});

test('an answer beyond maxResponseBytes is refused, whether declared or streamed', { timeout: 5000 }, async (t) => {
  const big = JSON.stringify('x'.repeat(2000));
  const fake = await fakeRapi(t, (seen, res) => {
    if (seen.path === '/2/info') return { body: big };
    // Chunked, no Content-Length: the limit is checked as the bytes come.
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(big.slice(0, 600));
    res.write(big.slice(600, 1200));
    res.end(big.slice(1200));
    return undefined;
  });
  const rapi = client(t, fake.url, { maxResponseBytes: 1000 });
  for (const call of [() => rapi.getInfo(), () => rapi.getOperatingSystems()]) {
    await assert.rejects(call(), (err: unknown) => {
      assert.ok(err instanceof RapiResponseError);
      assert.equal(err.code, RapiErrorCodes.responseTooLarge);
      assert.match(err.message, /the answer exceeds maxResponseBytes \(1000 bytes\)/);
      return true;
    });
  }
  // Exactly at the limit is fine.
  const exact = client(t, fake.url, { maxResponseBytes: Buffer.byteLength(big) });
  assert.equal((await exact.getInfo()) as unknown, 'x'.repeat(2000));
});

test('a request with no answer times out once, and is not re-sent', { timeout: 5000 }, async (t) => {
  const fake = await fakeRapi(t, () => undefined); // never answers
  const rapi = client(t, fake.url, { timeoutMs: 50 });
  await assert.rejects(rapi.startupInstance('web1'), (err: unknown) => {
    assert.ok(err instanceof RapiTimeoutError);
    assert.equal(err.code, RapiErrorCodes.timeout);
    assert.equal(err.timeoutMs, 50);
    assert.equal(err.message, 'PUT /2/instances/web1/startup: no complete answer within 50 ms');
    return true;
  });
  // A per-call timeout wins over the client's.
  await assert.rejects(rapi.getInfo({ timeoutMs: 20 }), { code: RapiErrorCodes.timeout, timeoutMs: 20 });
  assert.equal(fake.seen.length, 2);
  assert.equal(rapi.pending, 0);
  assert.equal(new RapiClient({ url: fake.url }).options.timeoutMs, DEFAULT_RAPI_TIMEOUT_MS);
});

test('an aborted call rejects with the signal reason and drops the request', { timeout: 5000 }, async (t) => {
  let arrived!: () => void;
  const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
  let closed!: () => void;
  const requestClosed = new Promise<void>((resolve) => (closed = resolve));
  const fake = await fakeRapi(t, (_seen, res) => {
    res.on('close', () => closed());
    arrived();
    return undefined;
  });
  const rapi = client(t, fake.url);
  const controller = new AbortController();
  const call = rapi.getInstances({ bulk: true, signal: controller.signal });
  await requestArrived;
  const reason = new Error('user gave up');
  controller.abort(reason);
  await assert.rejects(call, (err) => err === reason);
  await requestClosed;
  // An already aborted signal sends nothing.
  const before = fake.seen.length;
  await assert.rejects(rapi.getInfo({ signal: AbortSignal.abort(reason) }), (err) => err === reason);
  assert.equal(fake.seen.length, before);
});

test('connection failures say whether the request was sent, and nothing is re-sent', { timeout: 5000 }, async (t) => {
  // Nothing listens on a port just freed.
  const gone = await fakeRapi(t);
  await new Promise<void>((resolve) => gone.server.close(() => resolve()));
  await assert.rejects(client(t, gone.url).getInfo(), (err: unknown) => {
    assert.ok(err instanceof RapiConnectionError);
    assert.equal(err.code, RapiErrorCodes.connection);
    assert.equal(err.requestSent, false);
    assert.match(err.message, new RegExp(`^GET /2/info: could not connect to http://127.0.0.1:${gone.port}: .*ECONNREFUSED`));
    return true;
  });
  // The server reads the whole write, then drops the connection without answering.
  const dropper = await fakeRapi(t, (_seen, res) => {
    res.socket?.destroy();
    return undefined;
  });
  await assert.rejects(client(t, dropper.url).shutdownInstance('web1'), (err: unknown) => {
    assert.ok(err instanceof RapiConnectionError);
    assert.equal(err.requestSent, true);
    assert.match(err.message, /broke after the request was sent \(it may have taken effect\)/);
    return true;
  });
  assert.equal(dropper.seen.length, 1);
  // A connection cut in the middle of the answer.
  const cutter = await fakeRapi(t, (_seen, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
    res.write('[1, 2, ', () => res.socket?.destroy());
    return undefined;
  });
  await assert.rejects(client(t, cutter.url).getClusterTags(), { code: RapiErrorCodes.connection, requestSent: true });
});

test('waitForJob follows /wait until the job ends, then answers the job record', { timeout: 5000 }, async (t) => {
  const waits: Answer[] = [
    { body: 'null' }, // nothing changed in the server's 10 s
    { body: '{"job_info": ["running"], "log_entries": [[1, [1796355337, 1], "message", "step one"]]}' },
    {
      body: '{"job_info": ["running"], "log_entries": [[1, [1796355337, 1], "message", "step one"], [2, [1796355337, 2], "message", "step two"]]}',
    },
    { body: '{"job_info": ["success"], "log_entries": []}' },
  ];
  const job = {
    id: 7,
    status: 'success',
    opresult: [null],
    oplog: [[]],
    ops: [],
    opstatus: ['success'],
    summary: [],
    received_ts: null,
    start_ts: null,
    end_ts: null,
  };
  const fake = await fakeRapi(t, (seen) => (seen.path === '/2/jobs/7/wait' ? waits.shift() : { body: JSON.stringify(job) }));
  const statuses: string[] = [];
  const messages: unknown[] = [];
  const got = await client(t, fake.url).waitForJob(7, {
    onStatus: (s) => statuses.push(s),
    onProgress: (e) => messages.push(e[3]),
  });
  assert.deepEqual(got, job);
  assert.deepEqual(statuses, ['running', 'success']);
  assert.deepEqual(messages, ['step one', 'step two']);
  assert.deepEqual(
    fake.seen.map((s) => [s.method, s.path, s.body === '' ? null : JSON.parse(s.body)]),
    [
      ['GET', '/2/jobs/7/wait', { fields: ['status'], previous_job_info: null, previous_log_serial: null }],
      ['GET', '/2/jobs/7/wait', { fields: ['status'], previous_job_info: null, previous_log_serial: null }],
      ['GET', '/2/jobs/7/wait', { fields: ['status'], previous_job_info: ['running'], previous_log_serial: 1 }],
      ['GET', '/2/jobs/7/wait', { fields: ['status'], previous_job_info: ['running'], previous_log_serial: 2 }],
      ['GET', '/2/jobs/7', null],
    ],
  );
});

test('waitForJob stops at its timeout, on abort, and on an unknown job', { timeout: 5000 }, async (t) => {
  const fake = await fakeRapi(t, (seen) =>
    seen.path === '/2/jobs/404/wait'
      ? { status: 404, body: '{"code": 404, "message": "Not Found", "explain": "Nothing matches the given URI"}' }
      : undefined,
  );
  const rapi = client(t, fake.url);
  await assert.rejects(rapi.waitForJob(5, { timeoutMs: 40 }), (err: unknown) => {
    assert.ok(err instanceof RapiTimeoutError);
    assert.equal(err.message, 'GET /2/jobs/5/wait: job 5 not finished within 40 ms');
    return true;
  });
  const controller = new AbortController();
  const waiting = rapi.waitForJob(6, { signal: controller.signal });
  controller.abort(new Error('stop'));
  await assert.rejects(waiting, { message: 'stop' });
  await assert.rejects(rapi.waitForJob(404), { name: 'RapiStatusError', status: 404 });
});

test('close waits for requests in flight and refuses new ones; destroy fails them', { timeout: 5000 }, async (t) => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let arrived!: () => void;
  const first = new Promise<void>((resolve) => (arrived = resolve));
  const fake = await fakeRapi(t, async (seen) => {
    if (seen.path === '/2/info') {
      arrived();
      await held;
    }
    return { body: '"ok"' };
  });
  const rapi = client(t, fake.url);
  const inFlight = rapi.getInfo();
  await first;
  const closing = rapi.close();
  await assert.rejects(rapi.getVersion(), { code: RapiErrorCodes.closed, message: 'GET /version: the client is closed' });
  release();
  assert.equal((await inFlight) as unknown, 'ok');
  await closing;

  const other = client(t, fake.url);
  const doomed = other.getOperatingSystems({ timeoutMs: 0 });
  other.destroy();
  await assert.rejects(doomed, { code: RapiErrorCodes.connection, message: 'GET /2/os: the client was destroyed' });
});

test('options: URL forms, the default port 5080, and bad values named', () => {
  const port = (url: string) => new RapiClient({ url }).options;
  assert.deepEqual(
    [
      'cluster.example.com',
      'cluster.example.com:8443',
      'https://cluster.example.com',
      'https://cluster.example.com:443',
      'http://[::1]',
      'http://10.0.0.1:80/rapi/',
    ].map((u) => [port(u).origin, port(u).basePath]),
    [
      ['https://cluster.example.com:5080', ''],
      ['https://cluster.example.com:8443', ''],
      ['https://cluster.example.com:5080', ''],
      ['https://cluster.example.com:443', ''],
      ['http://[::1]:5080', ''],
      ['http://10.0.0.1:80', '/rapi'],
    ],
  );
  assert.equal(new RapiClient({ url: new URL('https://h') }).options.port, 443);
  assert.throws(() => new RapiClient({ url: 'ftp://h' }), { name: 'TypeError', message: 'url must be http:// or https://, got "ftp:"' });
  assert.throws(() => new RapiClient({ url: 'https://h?x=1' }), TypeError);
  assert.throws(() => new RapiClient({ url: 'https://h', username: 'admin' }), { message: 'password is required with username' });
  assert.throws(() => new RapiClient({ url: 'https://h', password: 'x' }), { message: 'username is required with password' });
  assert.throws(() => new RapiClient({ url: 'https://h', pinnedCertSha256: 'abc' }), {
    name: 'RangeError',
    message: /64 hex digits.*"abc"/,
  });
  assert.throws(() => new RapiClient({ url: 'http://h', pinnedCertSha256: 'ab'.repeat(32) }), {
    message: 'pinnedCertSha256 needs an https:// url',
  });
  assert.throws(() => new RapiClient({ url: 'h', timeoutMs: -1 }), { name: 'RangeError', message: /timeoutMs/ });
  assert.throws(() => new RapiClient({ url: 'h', timeoutMs: 2 ** 31 }), { name: 'RangeError' });
  assert.throws(() => new RapiClient({ url: 'h', maxResponseBytes: 1.5 }), { name: 'RangeError', message: /maxResponseBytes/ });
});

test('bad arguments reject instead of throwing', async () => {
  const rapi = new RapiClient({ url: 'http://127.0.0.1:1' });
  await assert.rejects(rapi.getInstance(''), { name: 'TypeError', message: 'the instance name must not be empty' });
  await assert.rejects(rapi.growInstanceDisk('web1', -1, { amount: 1 }), { name: 'RangeError' });
  await assert.rejects(rapi.request('GET', 'version'), { name: 'TypeError' });
  rapi.destroy();
});
