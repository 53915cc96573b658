/**
 * `ganeti-uds jobs`: submit (with and without --wait), watch (live log, final status,
 * exit codes), list, through the built CLI against `serve --demo`; plus the watch
 * display on a fake terminal and the job-failure rules.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { JobProgress, ctime, jobFailure, parseOpcodes } from '../../src/cli/jobs.js';
import { cliPath, collect, repoRoot, runCli, startDemo } from './cli-helpers.js';

test('JobProgress on a terminal redraws one status line under the log lines', () => {
  let text = '';
  let now = 1000;
  const p = new JobProgress(7, { write: (s) => (text += s), isTTY: true }, () => now);
  p.start();
  p.status('running');
  now = 2500;
  p.log([1, [0, 0], 'message', 'Executing OP_TEST_DELAY']);
  p.finish();
  const shown = text.split('\r\x1b[K');
  assert.equal(shown[0], 'Output from job 7 follows\n-------------------------\n');
  assert.ok(shown.includes('job 7: running, 0.0s, 0 log entries'));
  assert.ok(shown.includes(`${ctime(0)} Executing OP_TEST_DELAY\n`));
  assert.ok(shown.includes('job 7: running, 1.5s, 1 log entry'));
  assert.ok(text.endsWith('\r\x1b[K'), 'finish() erases the status line');
});

test('JobProgress on a pipe prints only the header and log lines', () => {
  let text = '';
  const p = new JobProgress(7, { write: (s) => (text += s), isTTY: false });
  p.start();
  p.status('running');
  p.log([1, [0, 0], 'message', 'hello']);
  p.tick();
  p.finish();
  assert.equal(text, `Output from job 7 follows\n-------------------------\n${ctime(0)} hello\n`);
  assert.doesNotMatch(text, /\x1b/);
});

test("ctime writes Python time.ctime's layout", () => {
  assert.match(ctime(0), /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Dec) [ 0-9]\d \d\d:\d\d:\d\d (1969|1970)$/);
});

test('jobFailure follows GenericPollJob: canceled, encoded errors, partial failure', () => {
  assert.equal(jobFailure('success', ['success'], [null]), null);
  assert.equal(jobFailure('canceled', ['canceled'], ['Job canceled by request'])?.className, 'JobCanceled');
  const encoded = jobFailure('error', ['error'], [['OpExecError', ['Opcode failure was requested']]]);
  assert.equal(encoded?.className, 'OpExecError');
  assert.equal(encoded?.message, 'Opcode failure was requested');
  const partial = jobFailure('error', ['success', 'error'], [null, 'disk full']);
  assert.equal(partial?.message, 'partial failure (opcode 1): disk full');
});

test('parseOpcodes takes one opcode or a list, and rejects others', () => {
  assert.deepEqual(parseOpcodes('{"OP_ID": "OP_TEST_DELAY", "duration": 1}'), [{ OP_ID: 'OP_TEST_DELAY', duration: 1 }]);
  assert.equal(parseOpcodes('[{"OP_ID": "A"}, {"OP_ID": "B"}]').length, 2);
  assert.throws(() => parseOpcodes('[]'), { name: 'UsageError' });
  assert.throws(() => parseOpcodes('{"duration": 1}'), { name: 'UsageError', message: /OP_ID/ });
  assert.throws(() => parseOpcodes('{'), { name: 'UsageError', message: /not valid JSON/ });
});

test('jobs against serve --demo', { timeout: 120_000 }, async (t) => {
  const demo = await startDemo(t);
  const socket = ['--socket', demo.socket];

  await t.test('submit prints the job id', async () => {
    const r = await runCli(['jobs', 'submit', ...socket, '{"OP_ID": "OP_TEST_DELAY", "duration": 0.1}']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\d+\n$/);
  });

  await t.test('submit --wait prints the log as it comes and exits 0 on success', async () => {
    const r = await runCli([
      'jobs',
      'submit',
      ...socket,
      '--wait',
      '[{"OP_ID": "OP_TEST_DELAY", "duration": 0.05}, {"OP_ID": "OP_CLUSTER_VERIFY_CONFIG"}]',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^Output from job (\d+) follows$/);
    // OP_TEST_DELAY logs nothing (as in Ganeti); LUClusterVerifyConfig logs what it checks.
    assert.match(lines[2] ?? '', / \* Verifying cluster config$/);
    assert.match(lines.at(-1) ?? '', /^Job \d+ finished with status success$/);
    assert.equal(r.stderr, '');
  });

  await t.test("submit - reads the opcodes from standard input; a failed job exits 1 with Ganeti's wording", async () => {
    // LUTestDelay refuses a duration of 0 as a prerequisite.
    const r = await runCli(['jobs', 'submit', ...socket, '--wait', '-'], {
      input: '{"OP_ID": "OP_TEST_DELAY", "duration": 0}',
    });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /Job (\d+) finished with status error\n$/);
    assert.match(
      r.stderr,
      /^Job \d+ failed: Failure: prerequisites not met for this operation:\n.*\nDuration must be greater than zero\n$/,
    );
  });

  await t.test('submit - an opcode luxid would refuse is a parse error naming the key', async () => {
    const r = await runCli(['jobs', 'submit', ...socket, '-'], { input: '{"OP_ID": "OP_TEST_DELAY", "duration": 1, "fail": true}' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Failed to parse request: SubmitJob: Superfluous dictionary keys: \["fail"\], but only \["OP_ID",/);
  });

  await t.test('watch follows a running job to its end; a killed job exits 1', async () => {
    const submitted = await runCli([
      'jobs',
      'submit',
      ...socket,
      '[{"OP_ID": "OP_CLUSTER_VERIFY_CONFIG"}, {"OP_ID": "OP_TEST_DELAY", "duration": 30}]',
    ]);
    const jobId = submitted.stdout.trim();
    const watcher = spawn(process.execPath, [cliPath(), 'jobs', 'watch', jobId, ...socket], {
      cwd: repoRoot(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    t.after(() => {
      if (watcher.exitCode === null && watcher.signalCode === null) watcher.kill('SIGKILL');
    });
    const watched = collect(watcher, { timeoutMs: 30_000 });
    // Wait until the job runs and the watcher has shown its first log line.
    let seen = '';
    await new Promise<void>((resolve) => {
      watcher.stdout?.on('data', (c: Buffer) => {
        seen += c.toString('utf8');
        if (seen.includes('* Verifying cluster config')) resolve();
      });
    });
    const cancel = await runCli(['call', ...socket, 'CancelJob', `[${jobId}, true]`]);
    assert.equal(cancel.code, 0, cancel.stderr);
    const r = await watched;
    assert.equal(r.code, 1);
    assert.match(r.stdout, new RegExp(`^Output from job ${jobId} follows\n`));
    assert.match(r.stdout, new RegExp(`Job ${jobId} finished with status error\n$`));
    assert.equal(r.stderr, `Job ${jobId} failed: Failure: command execution error:\ndetected death of job ${jobId}\n`);
  });

  await t.test('Ctrl-C stops watching with exit 130 and leaves the job running', async () => {
    const submitted = await runCli([
      'jobs',
      'submit',
      ...socket,
      '[{"OP_ID": "OP_CLUSTER_VERIFY_CONFIG"}, {"OP_ID": "OP_TEST_DELAY", "duration": 30}]',
    ]);
    const jobId = submitted.stdout.trim();
    const watcher = spawn(process.execPath, [cliPath(), 'jobs', 'watch', jobId, ...socket], {
      cwd: repoRoot(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    t.after(() => {
      if (watcher.exitCode === null && watcher.signalCode === null) watcher.kill('SIGKILL');
    });
    const watched = collect(watcher, { timeoutMs: 30_000 });
    await new Promise<void>((resolve) => {
      let seen = '';
      watcher.stdout?.on('data', (c: Buffer) => {
        seen += c.toString('utf8');
        if (seen.includes('* Verifying cluster config')) resolve();
      });
    });
    watcher.kill('SIGINT');
    const r = await watched;
    assert.equal(r.code, 130);
    assert.equal(r.stderr, `Stopped watching job ${jobId}; it goes on ('ganeti-uds jobs watch ${jobId}' to follow it again)\n`);
    const status = await runCli(['call', ...socket, 'QueryJobs', `[[${jobId}], ["status"]]`]);
    assert.equal(status.stdout, '[["running"]]\n');
    await runCli(['call', ...socket, 'CancelJob', `[${jobId}, true]`]);
  });

  await t.test('watch of an unknown job exits 1', async () => {
    const r = await runCli(['jobs', 'watch', '987654', ...socket]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error checking job status: /);
  });

  await t.test('list shows id, status and summary', async () => {
    const r = await runCli(['jobs', 'list', ...socket]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.deepEqual(lines[0]?.trim().split(/\s+/), ['ID', 'Status', 'Summary']);
    assert.ok(
      lines.some((l) => /^\s*\d+ success\s+TEST_DELAY\(5\.0e-2\),CLUSTER_VERIFY_CONFIG$/.test(l)),
      r.stdout,
    );
    const json = await runCli(['jobs', 'list', '1', ...socket, '--json']);
    assert.deepEqual(JSON.parse(json.stdout), [{ id: 1, status: 'success', summary: ['TEST_DELAY(0.1)'] }]);
  });

  await t.test('bad command lines exit 2', async () => {
    const cases = [
      ['jobs'],
      ['jobs', 'frob'],
      ['jobs', 'watch'],
      ['jobs', 'watch', 'x'],
      ['jobs', 'submit', '{"duration": 1}'],
      ['jobs', 'list', '--wait'],
    ];
    for (const args of cases) {
      const r = await runCli([...args, ...socket]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /Try 'ganeti-uds jobs --help'/);
    }
  });
});

test('jobs exits 3 when luxid is not there', { timeout: 20_000 }, async () => {
  const r = await runCli(['jobs', 'list', '--socket', '/nonexistent-dir-ganeti-uds/socket']);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /^NoMasterError: /);
});
