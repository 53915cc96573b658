/**
 * `serve --demo --state FILE` through the built CLI: a write made before a restart is seen
 * after it, the job queue goes on (ids continue, finished jobs stay queryable), and a file
 * that is not a state stops serve at startup, naming it, instead of a silent fresh start.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../helpers/tmp.js';
import { runCli, startDemo } from './cli-helpers.js';

test('the cluster and the job queue survive a restart with --state', { timeout: 90_000 }, async (t) => {
  const file = join(tempDir(t), 'demo-state.json');
  await t.test('first run: a shutdown job', async (t) => {
    const demo = await startDemo(t, ['--job-step', '20ms', '--state', file]);
    const socket = ['--socket', demo.socket];
    const r = await runCli(['jobs', 'submit', ...socket, '--wait', '{"OP_ID": "OP_INSTANCE_SHUTDOWN", "instance_name": "web1"}']);
    assert.equal(r.code, 0, r.stderr);
    demo.child.kill('SIGTERM');
    await once(demo.child, 'close');
  });
  await t.test('second run: the instance is still down and job ids go on', async (t) => {
    const demo = await startDemo(t, ['--job-step', '20ms', '--state', file]);
    const socket = ['--socket', demo.socket];
    const q = await runCli(['query', 'instances', 'name,status', ...socket, '--filter', 'name=web1.example.com', '--no-headers']);
    assert.equal(q.stdout.trim().split(/\s+/).join(' '), 'web1.example.com ADMIN_down', q.stderr);
    const jobs = await runCli(['call', ...socket, 'QueryJobs', '[null, ["id", "status"]]']);
    assert.equal(jobs.stdout.trim(), '[[1,"success"]]');
    const next = await runCli(['jobs', 'submit', ...socket, '{"OP_ID": "OP_TEST_DELAY", "duration": 0.01}']);
    assert.equal(next.stdout.trim(), '2');
  });
});

test('a --state file that is not a state stops serve at startup, naming it', { timeout: 30_000 }, async (t) => {
  const file = join(tempDir(t), 'state.json');
  writeFileSync(file, '{"cluster": 1');
  const r = await runCli(['serve', '--demo', '--socket', join(tempDir(t), 'q'), '--state', file]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, new RegExp(`--state ${file}: not valid JSON: .*\\(fix or remove the file to start from the cluster again\\)`));
  assert.equal(r.stdout, '', 'nothing listened');
  const help = await runCli(['serve', '--help']);
  assert.match(help.stdout, /--state FILE +\(--demo\) keep the cluster and the job queue in FILE across/);
});
