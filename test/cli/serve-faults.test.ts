/**
 * `serve --demo --fault RULE` / `--faults FILE` through the built CLI: the help text, bad
 * rules refused at startup (exit 2, naming the rule and the fix), and rules at work on
 * jobs submitted with `ganeti-uds jobs submit`: a chosen error, a longer run, a dropped
 * connection.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir, tempSocketPath } from '../helpers/tmp.js';
import { runCli, startDemo } from './cli-helpers.js';

const delayOp = (seconds: number) => JSON.stringify({ OP_ID: 'OP_TEST_DELAY', duration: seconds });

test('serve --help documents --fault and --faults with examples', async () => {
  const r = await runCli(['serve', '--help']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /--fault RULE /);
  assert.match(r.stdout, /--faults FILE /);
  assert.match(r.stdout, /RULE is OPCODE\[:PARAM=VALUE\.\.\.\]\[:after=N\]\[:times=N\]\[:delay=DUR\]\[:drop\]\[:fail\[=CLASS\[:ARGS\]\]\]/);
  assert.match(r.stdout, /--fault 'OP_INSTANCE_SHUTDOWN:fail=OpExecError:Could not shutdown instance web1'/);
  assert.match(r.stdout, /--fault 'OP_INSTANCE_SHUTDOWN:after=1:times=1:fail' +\(only the second shutdown fails\)/);
});

test('bad fault rules stop serve at startup with exit 2, naming the rule and the fix', { timeout: 60_000 }, async (t) => {
  const dir = tempDir(t);
  const socket = tempSocketPath(t, 'ganeti-query');
  const serve = (...args: string[]) => runCli(['serve', '--demo', '--socket', socket, ...args]);

  const unknown = await serve('--fault', 'OP_INSTANCE_SHUTDWN:fail');
  assert.equal(unknown.code, 2);
  assert.match(
    unknown.stderr,
    /^ganeti-uds serve: --fault 'OP_INSTANCE_SHUTDWN:fail': OP_INSTANCE_SHUTDWN is not a Ganeti 3\.0 opcode; OP_INSTANCE_\* are .*OP_INSTANCE_SHUTDOWN/,
  );
  assert.match(unknown.stderr, /\nTry 'ganeti-uds serve --help'\.\n$/);
  assert.equal(unknown.stdout, '', 'nothing listened');

  const arity = await serve('--fault', 'OP_TEST_DELAY:delay=1s', '--fault', 'OP_INSTANCE_STARTUP:fail=OpPrereqError:down');
  assert.equal(arity.code, 2);
  assert.match(arity.stderr, /--fault 'OP_INSTANCE_STARTUP:fail=OpPrereqError:down': OpPrereqError takes 2 arguments separated by ':'/);

  const file = join(dir, 'faults.json');
  writeFileSync(
    file,
    JSON.stringify([
      { op: 'OP_TEST_DELAY', fail: true },
      { op: 'OP_TEST_DELAY', times: 0, fail: true },
    ]),
  );
  const badRule = await serve('--faults', file);
  assert.equal(badRule.code, 2);
  assert.match(badRule.stderr, new RegExp(`--faults ${file}: fault rule ${file}#2: times must be a whole number >= 1, got 0\n`));

  writeFileSync(file, '[{"op": "OP_TEST_DELAY",');
  const badJson = await serve('--faults', file);
  assert.equal(badJson.code, 2);
  assert.match(badJson.stderr, new RegExp(`--faults ${file} is not valid JSON: `));

  const missing = await serve('--faults', join(dir, 'none.json'));
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read --faults .*none\.json: ENOENT/);

  const echo = await runCli(['serve', '--echo', '--socket', socket, '--fault', 'OP_TEST_DELAY:fail']);
  assert.equal(echo.code, 2);
  assert.match(echo.stderr, /--fault and --faults go with --demo/);
});

test('fault rules at work on jobs submitted through the CLI', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'faults.json');
  writeFileSync(file, JSON.stringify([{ op: 'OP_TEST_DELAY', params: { duration: 0.02 }, delayMs: 400 }]));
  const demo = await startDemo(t, [
    '--job-step',
    '20ms',
    '--fault',
    'OP_TEST_DELAY:duration=0.01:fail=OpExecError:Could not run: the test asked for it',
    '--fault',
    'OP_TEST_DELAY:duration=0.03:after=1:times=1:fail=OpPrereqError:["Instance web1: not running","wrong_state"]',
    '--fault',
    'OP_TEST_DELAY:duration=0.04:times=1:drop',
    '--faults',
    file,
  ]);
  const socket = ['--socket', demo.socket];

  await t.test('fail=CLASS:MESSAGE ends the job in that error', async () => {
    const r = await runCli(['jobs', 'submit', ...socket, '--wait', delayOp(0.01)]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Job \d+ failed: Failure: command execution error:\nCould not run: the test asked for it\n$/);
  });

  await t.test('after=1:times=1 fails only the second matching opcode', async () => {
    const codes: Array<number | null> = [];
    const errors: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await runCli(['jobs', 'submit', ...socket, '--wait', delayOp(0.03)]);
      codes.push(r.code);
      errors.push(r.stderr);
    }
    assert.deepEqual(codes, [0, 1, 0], errors.join('\n'));
    assert.match(
      errors[1] ?? '',
      /Failure: prerequisites not met for this operation:\nerror type: wrong_state, error details:\nInstance web1: not running/,
    );
  });

  await t.test('drop: the submission gets no answer, the connection closes, no job is queued; times=1 lets the retry through', async () => {
    const before = await runCli(['call', ...socket, 'QueryJobs', '[null, ["id"]]']);
    const dropped = await runCli(['jobs', 'submit', ...socket, delayOp(0.04)]);
    assert.equal(dropped.code, 3, dropped.stderr);
    assert.match(dropped.stderr, /closed/i);
    const after = await runCli(['call', ...socket, 'QueryJobs', '[null, ["id"]]']);
    assert.equal(after.stdout, before.stdout, 'no job was queued');
    const retry = await runCli(['jobs', 'submit', ...socket, '--wait', delayOp(0.04)]);
    assert.equal(retry.code, 0, retry.stderr);
  });

  await t.test('a rules file rule with delayMs makes the opcode run that much longer', async () => {
    const r = await runCli(['jobs', 'submit', ...socket, '--wait', delayOp(0.02)]);
    assert.equal(r.code, 0, r.stderr);
    const id = /Job (\d+) finished/.exec(r.stdout)?.[1];
    assert.ok(id, r.stdout);
    const q = await runCli(['call', ...socket, 'QueryJobs', `[[${id}], ["start_ts", "end_ts"]]`]);
    const [[start, end]] = JSON.parse(q.stdout) as [[[number, number], [number, number]]];
    const seconds = end[0] - start[0] + (end[1] - start[1]) / 1e6;
    assert.ok(seconds >= 0.42, `ran ${seconds}s: 0.02s duration + 0.4s delay`);
  });
});
