/**
 * The scripts in examples/: compiled with tsconfig.examples.json, each run against a
 * `serve --demo` started here, must exit 0 and print what they are about.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempSocketPath } from '../helpers/tmp.js';
import { repoRoot, runNode, startDemo, tsc } from './cli-helpers.js';

const example = (name: string) => join(repoRoot(), 'build/examples/examples', `${name}.js`);

test('examples against serve --demo', { timeout: 240_000 }, async (t) => {
  tsc('tsconfig.examples.json');
  const demo = await startDemo(t);
  const env = { ...process.env, GANETI_UDS_SOCKET: demo.socket };

  await t.test('luxi-dashboard prints the node table and instances by status', async () => {
    const r = await runNode(example('luxi-dashboard'), [], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Cluster cluster\.example\.com \(Ganeti 3\.0\.2\), master node1\.example\.com\n5 nodes, 8 instances\n/);
    assert.match(r.stdout, /\nnode1\.example\.com +M +40\.0G\/64\.0G +512\.0G\/1024\.0G +3 +2\n/);
    assert.match(r.stdout, /\n {2}running +6 {2}cache1\.example\.com, /);
  });

  await t.test('luxi-dashboard takes the socket from argv too', async () => {
    const r = await runNode(example('luxi-dashboard'), [demo.socket], { env: { ...process.env, GANETI_UDS_SOCKET: '/nonexistent/sock' } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /5 nodes, 8 instances/);
  });

  await t.test("submit-and-wait reports progress and the job's success", async () => {
    const r = await runNode(example('submit-and-wait'), [demo.socket, '0.2'], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /log #/, 'OP_TEST_DELAY writes no log entries, as in Ganeti');
    assert.match(r.stdout, /status: running\n/);
    assert.match(r.stdout, /\njob \d+ finished: success, opresult \[null\]\n$/);
  });

  await t.test('instance-lifecycle: each typed job takes effect and the next read shows it', async () => {
    const r = await runNode(example('instance-lifecycle'), [demo.socket, 'web2.example.com'], { env });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines[0], '  web2.example.com running 2048');
    assert.match(lines[1] ?? '', /^shutdown: job \d+ success$/);
    assert.equal(lines[2], '  web2.example.com ADMIN_down 2048');
    assert.match(lines[3] ?? '', /^set memory: job \d+ success$/);
    assert.equal(lines[4], '  be/memory -> 3072');
    assert.match(lines[5] ?? '', /^startup: job \d+ success$/);
    assert.equal(lines[6], '  web2.example.com running 3072');
  });

  await t.test("rpc-daemon serves its own methods and reports the dispatcher's errors", async () => {
    const r = await runNode(example('rpc-daemon'), [tempSocketPath(t, 'rpc.sock')], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /add\(37\) +-> 42\n/);
    assert.match(r.stdout, /frobnicate\(\) +-> GenericError: No such method: frobnicate\n/);
    assert.match(r.stdout, /daemon stopped\n$/);
  });

  await t.test('proxy-session prints each exchange between its client and the demo', async () => {
    const r = await runNode(example('proxy-session'), [], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /conn 1 #1 QueryConfigValues\(\[\["cluster_name"\]\]\) -> ok, \d+ bytes \[answered, /);
    assert.match(r.stdout, /conn 1 #3 QueryNodes\(\[\[\],\["name"\],true\]\) -> OpPrereqError: Sync queries are not allowed/);
    assert.match(r.stdout, /\n3 exchanges recorded\n$/);
  });
});
