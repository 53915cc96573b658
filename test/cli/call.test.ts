/**
 * `ganeti-uds call` through the built CLI against `serve --demo`: output styles, args from
 * standard input, --raw, --timeout, Ganeti-worded errors and the documented exit codes.
 */
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../helpers/tmp.js';
import { runCli, startDemo } from './cli-helpers.js';

const OPPREREQ_TEXT =
  'Failure: prerequisites not met for this operation:\nerror type: wrong_input, error details:\nSync queries are not allowed\n';

test('call against serve --demo', { timeout: 90_000 }, async (t) => {
  const demo = await startDemo(t);
  const socket = ['--socket', demo.socket];

  await t.test('exits 0 and prints the result as compact JSON on a pipe', async () => {
    const r = await runCli(['call', ...socket, 'QueryConfigValues', '[["cluster_name","master_node"]]']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '["cluster.example.com","node1.example.com"]\n');
    assert.equal(r.stderr, '');
  });

  await t.test('prints indented JSON with --pretty', async () => {
    const r = await runCli(['call', ...socket, '--pretty', 'QueryClusterInfo']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\{\n {2}"software_version": "3\.0\.2",\n/);
    assert.equal((JSON.parse(r.stdout) as { name: string }).name, 'cluster.example.com');
  });

  await t.test('reads ARGS_JSON from standard input when it is -', async () => {
    const r = await runCli(['call', ...socket, 'Query', '-'], { input: '["node", ["name"], ["=", "name", "node2.example.com"]]\n' });
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as { data: unknown[][] };
    assert.deepEqual(result.data, [[[0, 'node2.example.com']]]);
  });

  await t.test('--raw prints the whole success response', async () => {
    const r = await runCli(['call', ...socket, '--raw', 'QueryTags', '["cluster",""]']);
    assert.equal(r.code, 0, r.stderr);
    const response = JSON.parse(r.stdout) as { success: boolean; result: unknown };
    assert.equal(response.success, true);
    assert.ok(Array.isArray(response.result));
  });

  await t.test("an OpPrereqError exits 1 with Ganeti's wording on stderr (QueryNodes with use_locking)", async () => {
    const r = await runCli(['call', ...socket, 'QueryNodes', '[[], ["name"], true]']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, OPPREREQ_TEXT);
  });

  await t.test('--raw prints the failed response on stdout and the error on stderr', async () => {
    const r = await runCli(['call', ...socket, '--raw', 'QueryNodes', '[[], ["name"], true]']);
    assert.equal(r.code, 1);
    assert.deepEqual(JSON.parse(r.stdout), { success: false, result: ['OpPrereqError', ['Sync queries are not allowed', 'wrong_input']] });
    assert.equal(r.stderr, OPPREREQ_TEXT);
  });

  await t.test('a plain-string failure (a parse error) exits 1 as "Request failed"', async () => {
    const r = await runCli(['call', ...socket, 'NoSuchMethod', '[]']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Request failed: /);
  });

  await t.test('bad command lines exit 2 with a hint', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['call', ...socket], /call needs a METHOD/],
      [['call', ...socket, 'Query', '[not json'], /ARGS_JSON is not valid JSON/],
      [['call', ...socket, '--timeout', 'soon', 'QueryClusterInfo'], /--timeout takes a duration/],
      [['call', ...socket, '--no-such-flag', 'QueryClusterInfo'], /Unknown option '--no-such-flag'/],
      [['call', ...socket, 'QueryClusterInfo', '[]', 'extra'], /got extra: extra/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /Try 'ganeti-uds call --help'/);
    }
  });
});

test('call exits 3 when nothing listens on the socket', { timeout: 30_000 }, async (t) => {
  const missing = join(tempDir(t), 'absent.sock');
  const r = await runCli(['call', '--socket', missing, '--connect-timeout', '2s', 'QueryClusterInfo']);
  assert.equal(r.code, 3);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^NoMasterError: /);
});

test('call exits 3 with TimeoutError when the answer does not come within --timeout', { timeout: 30_000 }, async (t) => {
  const path = join(tempDir(t), 'silent.sock');
  const sockets = new Set<Socket>();
  // A server that accepts and reads but never answers.
  const server = createServer((s) => {
    sockets.add(s);
    s.resume();
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  t.after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const r = await runCli(['call', '--socket', path, '--timeout', '300ms', 'QueryClusterInfo']);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /^TimeoutError: /);
});

test('call --help describes the exit codes and exits 0', { timeout: 20_000 }, async () => {
  const r = await runCli(['call', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Exit codes: 0 success; 1 the daemon answered with a failure/);
  assert.match(r.stdout, /use - to read it from standard input/);
});
