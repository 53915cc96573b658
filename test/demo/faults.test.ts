/**
 * Fault rules (src/demo/faults.ts): the compact `--fault` syntax, rules files, the checks
 * against the opcode table and the error table, and the per-rule counting of FaultInjector.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_FAULT_ERROR,
  FaultInjector,
  FaultRuleError,
  checkFaultRule,
  parseFaultRule,
  parseFaultRules,
  type FaultRule,
  type ResolvedFaultRule,
} from '../../src/demo/faults.js';
import { DropConnection } from '../../src/dispatch/handler.js';
import { DemoLuxid } from '../../src/demo/luxid.js';
import type { OpCode } from '../../src/protocols/luxi/types.js';
import { FakeTimers } from './fake-timers.js';

const shutdown = (instance: string, extra: Record<string, unknown> = {}): OpCode => ({
  OP_ID: 'OP_INSTANCE_SHUTDOWN',
  instance_name: instance,
  reason: [],
  ...extra,
});

/** A DemoLuxid on a fake clock: queued 10 ms, each opcode 10 ms. */
function demo(t: import('node:test').TestContext, faults: string[]): { l: DemoLuxid; clock: FakeTimers } {
  const clock = new FakeTimers();
  const l = new DemoLuxid({ timers: clock, opDurationMs: 10, startDelayMs: 10, faults: faults.map(parseFaultRule) });
  t.after(() => l.close());
  return { l, clock };
}

const adminState = (l: DemoLuxid, name: string) => l.QueryInstances([name], ['admin_state'], false)[0]?.[0];

/** Asserts that `fn` throws a FaultRuleError whose problem matches `problem`. */
function refuses(fn: () => unknown, problem: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof FaultRuleError, `expected FaultRuleError, got ${String(err)}`);
    assert.match(err.problem, problem);
    return true;
  });
}

test('a bare fail is OpExecError with a message naming the rule', () => {
  const rule = parseFaultRule('OP_INSTANCE_SHUTDOWN:fail');
  assert.equal(DEFAULT_FAULT_ERROR, 'OpExecError');
  assert.deepEqual(rule.fail, ['OpExecError', ['Fault rule OP_INSTANCE_SHUTDOWN:fail made this opcode fail']]);
  assert.equal(rule.label, 'OP_INSTANCE_SHUTDOWN:fail');
  assert.deepEqual([rule.after, rule.times, rule.delayMs, rule.drop], [0, Number.POSITIVE_INFINITY, 0, false]);
  assert.deepEqual(rule.params, {});
});

test("fail=CLASS:MESSAGE takes the rest of the rule as the message, ':' included", () => {
  const rule = parseFaultRule('OP_INSTANCE_SHUTDOWN:fail=OpExecError:Could not shutdown: timeout');
  assert.deepEqual(rule.fail, ['OpExecError', ['Could not shutdown: timeout']]);
  assert.deepEqual(parseFaultRule('OP_INSTANCE_SHUTDOWN:fail=LockError').fail, [
    'LockError',
    ['Fault rule OP_INSTANCE_SHUTDOWN:fail=LockError made this opcode fail'],
  ]);
  assert.deepEqual(parseFaultRule('OP_TEST_DELAY:fail=JobQueueFull').fail, ['JobQueueFull', []]);
});

test('classes with several arguments take one per colon, numbers for int slots, or a JSON list', () => {
  assert.deepEqual(parseFaultRule('OP_INSTANCE_STARTUP:fail=OpPrereqError:Instance web1 is running:wrong_state').fail, [
    'OpPrereqError',
    ['Instance web1 is running', 'wrong_state'],
  ]);
  assert.deepEqual(parseFaultRule('OP_NODE_ADD:fail=ResolverError:web9.example.com:-2:Name or service not known').fail, [
    'ResolverError',
    ['web9.example.com', -2, 'Name or service not known'],
  ]);
  assert.deepEqual(parseFaultRule('OP_INSTANCE_STARTUP:fail=OpPrereqError:["Instance web1: running","wrong_state"]').fail, [
    'OpPrereqError',
    ['Instance web1: running', 'wrong_state'],
  ]);
  assert.deepEqual(parseFaultRule('OP_CLUSTER_VERIFY:fail=ConfigVerifyError:["broken",["a","b"]]').fail, [
    'ConfigVerifyError',
    ['broken', ['a', 'b']],
  ]);
});

test('error arguments are checked against the class table, with an example of the fix', () => {
  refuses(() => parseFaultRule('OP_INSTANCE_STARTUP:fail=OpPrereqError'), /^OpPrereqError takes 2 arguments .*e\.g\. fail=OpPrereqError:/);
  refuses(() => parseFaultRule('OP_INSTANCE_STARTUP:fail=OpPrereqError:just a message'), /takes 2 arguments separated by ':'.*got 1/);
  refuses(() => parseFaultRule('OP_INSTANCE_STARTUP:fail=OpPrereqError:a:b:c'), /got 3.*JSON list form/);
  refuses(
    () => parseFaultRule('OP_INSTANCE_STARTUP:fail=OpPrereqError:down:bad_code'),
    /error code, one of resolver_error, .*got "bad_code"/,
  );
  refuses(() => parseFaultRule('OP_NODE_ADD:fail=ResolverError:h:x:m'), /argument 2 is a whole number, got 'x'/);
  refuses(() => parseFaultRule('OP_CLUSTER_VERIFY:fail=ConfigVerifyError:a:b'), /JSON list/);
  refuses(() => parseFaultRule('OP_TEST_DELAY:fail=JobQueueFull:["x"]'), /JobQueueFull takes 0 argument/);
  refuses(() => parseFaultRule('OP_TEST_DELAY:fail=OpExecError:[1'), /not a JSON list/);
  refuses(() => parseFaultRule('OP_TEST_DELAY:fail=NoSuchError:x'), /"NoSuchError" is not a Ganeti error class; use one of GenericError, /);
});

test('an opcode glob, a parameter value, a delay and the counting options', () => {
  const rule = parseFaultRule('OP_INSTANCE_*:instance_name=web1:after=1:times=2:delay=1.5s');
  assert.equal(rule.op, 'OP_INSTANCE_*');
  assert.deepEqual(rule.params, { instance_name: 'web1' });
  assert.deepEqual([rule.after, rule.times, rule.delayMs, rule.fail], [1, 2, 1500, null]);
  assert.equal(parseFaultRule('OP_TEST_DELAY:delay=250ms').delayMs, 250);
  assert.equal(parseFaultRule('OP_TEST_DELAY:delay=2').delayMs, 2000, 'a bare number is seconds');
  assert.equal(parseFaultRule('OP_TEST_DELAY:delay=1m').delayMs, 60_000);
  assert.deepEqual(parseFaultRule('*:delay=1s:fail').fail?.[0], 'OpExecError', 'delay combines with fail');
  assert.equal(parseFaultRule('OP_TEST_DELAY:times=1:drop').drop, true);
});

test('bad rules name the problem and the fix', () => {
  refuses(
    () => parseFaultRule('OP_INSTANCE_SHUTDWN:fail'),
    /^OP_INSTANCE_SHUTDWN is not a Ganeti 3\.0 opcode; OP_INSTANCE_\* are OP_INSTANCE_CREATE, .*OP_INSTANCE_SHUTDOWN,/,
  );
  refuses(() => parseFaultRule('OP_NOTHING_*:fail'), /matches no Ganeti 3\.0 opcode; opcodes look like OP_INSTANCE_SHUTDOWN/);
  refuses(() => parseFaultRule('op_test_delay:fail'), /must be an OP_ID/);
  refuses(() => parseFaultRule(':fail'), /must be an OP_ID/);
  refuses(
    () => parseFaultRule('OP_INSTANCE_SHUTDOWN:instnce_name=web1:fail'),
    /no opcode matching .* 'instnce_name' \(its parameters: instance_name, /,
  );
  refuses(() => parseFaultRule('OP_NODE_*:instance_name=web1:fail'), /no opcode matching OP_NODE_\* has a parameter 'instance_name'$/);
  refuses(() => parseFaultRule('OP_INSTANCE_SHUTDOWN'), /no action; add fail, fail=CLASS\[:ARGS\], delay=DURATION or drop/);
  refuses(() => parseFaultRule('OP_INSTANCE_SHUTDOWN:instance_name=web1'), /no action/);
  refuses(() => parseFaultRule('OP_INSTANCE_SHUTDOWN:drop:fail'), /drop goes alone/);
  refuses(() => parseFaultRule('OP_INSTANCE_SHUTDOWN:drop:delay=1s'), /drop goes alone/);
  refuses(() => parseFaultRule('OP_INSTANCE_SHUTDOWN:fail:times=1'), /fail must be the last field \(found 'times=1' after it\)/);
  refuses(() => parseFaultRule('OP_INSTANCE_SHUTDOWN:times=1:times=2:fail'), /times is given twice/);
  refuses(() => parseFaultRule('OP_INSTANCE_SHUTDOWN:times=0:fail'), /times must be a whole number >= 1, got 0/);
  refuses(() => parseFaultRule('OP_INSTANCE_SHUTDOWN:after=-1:fail'), /after must be a whole number, got '-1'/);
  refuses(() => parseFaultRule('OP_INSTANCE_SHUTDOWN:delay=soon'), /delay takes a duration such as 2s/);
  refuses(() => parseFaultRule('OP_INSTANCE_SHUTDOWN:drop=yes'), /drop takes no value/);
  refuses(() => parseFaultRule('OP_INSTANCE_SHUTDOWN:web1:fail'), /'web1' is neither PARAM=VALUE nor an option/);
  refuses(() => parseFaultRule('OP_INSTANCE_SHUTDOWN:Instance=web1:fail'), /not a parameter name/);
  // The FaultRuleError's message starts with the rule, for callers that print only it.
  assert.throws(() => parseFaultRule('OP_X:fail'), { name: 'FaultRuleError', message: /^fault rule OP_X:fail: OP_X is not/ });
});

test('a rules file is a list of rule objects, labelled FILE#n', () => {
  const rules = parseFaultRules(
    [
      { op: 'OP_INSTANCE_SHUTDOWN', params: { instance_name: 'web1' }, after: 1, times: 1, fail: true },
      { op: 'OP_INSTANCE_STARTUP', fail: ['OpPrereqError', ['Instance web1 is running', 'wrong_state']] },
      { op: 'OP_TEST_DELAY', drop: true },
      { op: 'OP_INSTANCE_*', delayMs: 2000, fail: 'HypervisorError' },
    ],
    'faults.json',
  );
  assert.deepEqual(
    rules.map((r) => r.label),
    ['faults.json#1', 'faults.json#2', 'faults.json#3', 'faults.json#4'],
  );
  assert.deepEqual(rules[0]?.fail, ['OpExecError', ['Fault rule faults.json#1 made this opcode fail']]);
  assert.deepEqual(rules[1]?.fail, ['OpPrereqError', ['Instance web1 is running', 'wrong_state']]);
  assert.equal(rules[2]?.drop, true);
  assert.deepEqual(rules[3]?.fail, ['HypervisorError', ['Fault rule faults.json#4 made this opcode fail']]);
  assert.equal(rules[3]?.delayMs, 2000);

  refuses(() => parseFaultRules({ op: 'OP_TEST_DELAY', fail: true }, 'f.json'), /holds a JSON list of rules/);
  assert.throws(
    () =>
      parseFaultRules(
        [
          { op: 'OP_TEST_DELAY', fail: true },
          { op: 'OP_TEST_DELAY', delay: '2s' },
        ],
        'f.json',
      ),
    {
      name: 'FaultRuleError',
      message: "fault rule f.json#2: unknown key 'delay'; a rule takes op, params, after, times, fail, delayMs, drop",
    },
  );
  refuses(
    () => checkFaultRule({ op: 'OP_TEST_DELAY', fail: ['OpExecError'] }, 'r'),
    /fail must be true, an error class name or \[className/,
  );
  refuses(() => checkFaultRule({ op: 'OP_TEST_DELAY', fail: ['OpExecError', []] }, 'r'), /OpExecError takes 1 argument\(s\), got 0/);
  refuses(() => checkFaultRule({ op: 'OP_TEST_DELAY', delayMs: 1.5 }, 'r'), /delayMs must be a whole number >= 0, got 1\.5/);
  refuses(() => checkFaultRule({ op: 'OP_TEST_DELAY', delayMs: 2 ** 31 }, 'r'), /delayMs must be at most 2147483647/);
  refuses(() => checkFaultRule({ op: 'OP_TEST_DELAY', drop: 'yes' }, 'r'), /drop must be true or false/);
  refuses(() => checkFaultRule({ op: 'OP_TEST_DELAY', params: [], fail: true }, 'r'), /params must be an object/);
  refuses(() => checkFaultRule('OP_TEST_DELAY:fail', 'r'), /a rule is an object/);
  // A parameter named like a compact-syntax option is reachable from a rules file.
  assert.deepEqual(checkFaultRule({ op: 'OP_TEST_DUMMY', params: { fail: true }, delayMs: 5 }, 'r').params, { fail: true });
});

test('only the second matching opcode fails with after=1:times=1; other instances are not counted', () => {
  const faults = new FaultInjector([parseFaultRule('OP_INSTANCE_SHUTDOWN:instance_name=web1:after=1:times=1:fail')]);
  const decided = [shutdown('web1'), shutdown('db1'), shutdown('web1'), shutdown('web1')].map((op) => faults.decide(op)?.fail ?? null);
  assert.deepEqual(decided, [
    null,
    null,
    ['OpExecError', ['Fault rule OP_INSTANCE_SHUTDOWN:instance_name=web1:after=1:times=1:fail made this opcode fail']],
    null,
  ]);
  assert.equal(faults.decide({ OP_ID: 'OP_INSTANCE_STARTUP', instance_name: 'web1' }), undefined);
});

test('every matching rule counts an opcode; the first that fires decides', () => {
  const faults = new FaultInjector([
    parseFaultRule('OP_TEST_DELAY:times=1:drop'),
    parseFaultRule('OP_TEST_DELAY:after=1:times=1:delay=5s'),
    parseFaultRule('*:fail=OpExecError:late'),
  ]);
  const op: OpCode = { OP_ID: 'OP_TEST_DELAY', duration: 1 };
  const first = faults.decide(op);
  const second = faults.decide(op);
  const third = faults.decide(op);
  assert.deepEqual([first?.drop, first?.rule.label], [true, 'OP_TEST_DELAY:times=1:drop']);
  assert.deepEqual([second?.drop, second?.delayMs, second?.fail], [false, 5000, null]);
  assert.deepEqual(third?.fail, ['OpExecError', ['late']], 'rule 3 counted the first two as well and fires on the third');
});

test('parameter values compare as JSON; a string also matches a number, boolean or null written the same', () => {
  const match = (rule: FaultRule | ResolvedFaultRule, op: OpCode) => new FaultInjector([rule]).decide(op) !== undefined;
  const delay = (extra: Record<string, unknown>): OpCode => ({ OP_ID: 'OP_TEST_DELAY', duration: 1, ...extra });
  assert.ok(match({ op: 'OP_TEST_DELAY', params: { duration: '1' }, fail: true }, delay({})));
  assert.ok(match({ op: 'OP_TEST_DELAY', params: { duration: '1.0' }, fail: true }, delay({})));
  assert.ok(!match({ op: 'OP_TEST_DELAY', params: { duration: '2' }, fail: true }, delay({})));
  assert.ok(match(parseFaultRule('OP_TEST_DELAY:on_master=true:fail'), delay({ on_master: true })));
  assert.ok(!match(parseFaultRule('OP_TEST_DELAY:on_master=true:fail'), delay({ on_master: false })));
  assert.ok(!match(parseFaultRule('OP_TEST_DELAY:on_master=true:fail'), delay({})), 'a missing parameter never matches');
  assert.ok(match({ op: 'OP_TEST_DELAY', params: { on_nodes: ['node1', 'node2'] }, fail: true }, delay({ on_nodes: ['node1', 'node2'] })));
  assert.ok(!match({ op: 'OP_TEST_DELAY', params: { on_nodes: ['node1'] }, fail: true }, delay({ on_nodes: ['node1', 'node2'] })));
  assert.ok(match(parseFaultRule('OP_TEST_DELAY:on_nodes=["node1"]:fail'), delay({ on_nodes: ['node1'] })));
  const obj = { op: 'OP_INSTANCE_SET_PARAMS', params: { beparams: { maxmem: 512, minmem: 256 } }, fail: true } as const;
  assert.ok(match(obj, { OP_ID: 'OP_INSTANCE_SET_PARAMS', beparams: { minmem: 256, maxmem: 512 } }), 'key order does not matter');
  assert.ok(!match(parseFaultRule('OP_TEST_DELAY:comment=x:fail'), delay({ comment: 'xy' })));
});

test('FaultInjector checks rule objects it is given, labelling them faults[i]', () => {
  assert.throws(
    () =>
      new FaultInjector([
        { op: 'OP_TEST_DELAY', fail: true },
        { op: 'OP_NOPE', fail: true },
      ]),
    {
      name: 'FaultRuleError',
      message: /^fault rule faults\[1\]: OP_NOPE is not a Ganeti 3\.0 opcode/,
    },
  );
  const faults = new FaultInjector([{ op: 'OP_TEST_DELAY', fail: true }]);
  assert.deepEqual(faults.rules[0]?.fail, ['OpExecError', ['Fault rule faults[0] made this opcode fail']]);
  const checked = parseFaultRule('OP_TEST_DELAY:fail');
  assert.equal(new FaultInjector([checked]).rules[0], checked, 'a checked rule is used as it is');
});

test('a fail rule ends the opcode in its error after its run time, and the cluster does not change', (t) => {
  const { l, clock } = demo(t, ['OP_INSTANCE_SHUTDOWN:instance_name=web1:fail=OpExecError:Could not shutdown instance web1']);
  const failed = l.SubmitJob([shutdown('web1'), { OP_ID: 'OP_TAGS_SET', kind: 'cluster', tags: ['never'], reason: [] }]);
  const other = l.SubmitJob([shutdown('web2.example.com')]);
  clock.advance(10);
  assert.deepEqual(l.QueryJobs([failed], ['opstatus']), [[['running', 'queued']]], 'it runs, as an LU that fails in Exec');
  clock.advance(10);
  assert.deepEqual(l.QueryJobs([failed, other], ['status', 'opresult']), [
    [
      'error',
      [
        ['OpExecError', ['Could not shutdown instance web1']],
        ['OpExecError', ['Preceding opcode failed']],
      ],
    ],
    ['success', [null]],
  ]);
  const [[execTs]] = l.QueryJobs([failed], ['opexec']) as [[unknown[]]];
  assert.ok(Array.isArray(execTs[0]), 'the failed opcode has an exec timestamp');
  assert.equal(adminState(l, 'web1.example.com'), 'up', 'web1 is still up');
  assert.equal(adminState(l, 'web2.example.com'), 'down', 'the shutdown the rule does not match went through');
  assert.ok(!l.QueryTags('cluster', '').includes('never'));
});

test('the short name in a rule matches the full name a client sends, and after/times pick the second shutdown', (t) => {
  const { l, clock } = demo(t, ['OP_INSTANCE_SHUTDOWN:instance_name=web1:after=1:times=1:fail']);
  const first = l.SubmitJob([shutdown('web1.example.com')]);
  clock.advance(100);
  l.SubmitJob([{ OP_ID: 'OP_INSTANCE_STARTUP', instance_name: 'web1', reason: [] }]);
  clock.advance(100);
  const second = l.SubmitJob([shutdown('web1')]);
  clock.advance(100);
  const third = l.SubmitJob([shutdown('web1')]);
  clock.advance(100);
  assert.deepEqual(
    l.QueryJobs([first, second, third], ['status']).map((r) => r[0]),
    ['success', 'error', 'success'],
  );
});

test('a delay rule lengthens the run; the opcode still does its work', (t) => {
  const { l, clock } = demo(t, ['OP_TAGS_SET:delay=1s']);
  const job = l.SubmitJob([{ OP_ID: 'OP_TAGS_SET', kind: 'cluster', tags: ['slow'], reason: [] }]);
  clock.advance(10 + 10 + 999);
  assert.deepEqual(l.QueryJobs([job], ['status']), [['running']]);
  clock.advance(1);
  assert.deepEqual(l.QueryJobs([job], ['status']), [['success']]);
  assert.ok(l.QueryTags('cluster', '').includes('slow'));
});

test('a drop rule makes SubmitJob and SubmitManyJobs throw DropConnection and queues nothing', (t) => {
  const { l } = demo(t, ['OP_TEST_DELAY:duration=7:times=2:drop']);
  const seven: OpCode = { OP_ID: 'OP_TEST_DELAY', duration: 7, reason: [] };
  const one: OpCode = { OP_ID: 'OP_TEST_DELAY', duration: 1, reason: [] };
  assert.throws(
    () => l.SubmitJob([one, seven]),
    (err: unknown) => err instanceof DropConnection,
  );
  assert.throws(
    () => l.SubmitManyJobs([[one], [seven]]),
    (err: unknown) => err instanceof DropConnection,
  );
  assert.equal(l.jobs.lastJobId, 0, 'no job was queued');
  assert.equal(l.SubmitJob([seven]), 1, 'times=2: the third is let through');
});

test('jobs an opcode submits meet the fail rules, never the drop rules', (t) => {
  const { l, clock } = demo(t, ['OP_CLUSTER_VERIFY_CONFIG:drop', 'OP_CLUSTER_VERIFY_CONFIG:fail=OpExecError:config check failed']);
  const verify = l.SubmitJob([{ OP_ID: 'OP_CLUSTER_VERIFY', reason: [] }]);
  clock.advance(1000);
  const [[results]] = l.QueryJobs([verify], ['opresult']) as [[[{ jobs: [boolean, number][] }]]];
  const childIds = results[0].jobs.map(([, id]) => id);
  const rows = l.QueryJobs(childIds, ['ops', 'status', 'opresult']);
  const config = rows.find((r) => (r[0] as OpCode[])[0]?.OP_ID === 'OP_CLUSTER_VERIFY_CONFIG');
  assert.ok(config, 'OP_CLUSTER_VERIFY submitted an OP_CLUSTER_VERIFY_CONFIG job');
  assert.deepEqual(config.slice(1), ['error', [['OpExecError', ['config check failed']]]]);
});

test('DemoLuxid refuses a bad rule at construction', () => {
  assert.throws(() => new DemoLuxid({ faults: [{ op: 'OP_INSTANCE_SHUTDOWN' }] }), {
    name: 'FaultRuleError',
    message: /^fault rule faults\[0\]: the rule has no action/,
  });
});
