import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import test, { type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { connectClient } from '../src/dispatch/client.js';
import { LuxiClient } from '../src/protocols/luxi/client.js';
import { tempSocketPath } from './helpers/tmp.js';

// The CLI as a user runs it: the compiled src/cli.js next to this test's build.
const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli.js');

function startServe(t: TestContext, args: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    child.stdout.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`serve exited early with ${code}`)));
  });
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

test('serve --echo exits 0 on SIGTERM and removes its socket file', { timeout: 15_000 }, async (t) => {
  const path = tempSocketPath(t);
  const child = await startServe(t, ['--echo', '--socket', path]);
  const client = await connectClient(path);
  assert.deepEqual(await client.call('anything', [1, 'é']), [1, 'é']);
  client.destroy();
  const exited = exitOf(child);
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  assert.equal(existsSync(path), false);
});

test('serve --demo answers a request in flight before exiting on SIGINT', { timeout: 20_000 }, async (t) => {
  const path = tempSocketPath(t);
  const child = await startServe(t, ['--demo', '--socket', path, '--job-step', '5s', '--grace', '10s']);
  const luxi = await LuxiClient.connect(path);
  t.after(() => luxi.close());
  const id = await luxi.submitJob([{ OP_ID: 'OP_TEST_DELAY', duration: 5, on_master: false, on_nodes: [] }]);
  let status: unknown;
  for (let i = 0; i < 100 && status !== 'running'; i++) {
    status = ((await luxi.queryJobs([id], ['status']))[0] ?? [])[0];
    if (status !== 'running') await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(status, 'running');
  // A long poll that stays in flight (the delay takes 5 s and logs nothing, so nothing changes within 1 s) ...
  const inFlight = luxi.waitForJobChangeOnce(id, ['status'], [status], null, 1);
  await new Promise((r) => setTimeout(r, 200));
  const exited = exitOf(child);
  child.kill('SIGINT');
  // ... is still answered during the drain, and then the server exits cleanly.
  const change = await inFlight;
  assert.ok(Array.isArray(change));
  assert.deepEqual((change as unknown[])[0], [status]);
  assert.equal(await exited, 0);
  assert.equal(existsSync(path), false);
});

test('serve refuses a socket path where a live server answers, naming the path', { timeout: 15_000 }, async (t) => {
  const path = tempSocketPath(t);
  await startServe(t, ['--echo', '--socket', path]);
  const second = spawn(process.execPath, [CLI, 'serve', '--echo', '--socket', path], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => second.kill('SIGKILL'));
  let stderr = '';
  second.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  assert.equal(await exitOf(second), 3);
  assert.match(stderr, new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*another server is answering`));
});
