// Every opcode of the table, with every parameter combination the validator accepts (the
// cases of the SubmitJob differential, test/interop/opcode-cases.ts), run through the demo's
// job queue: each job ends in success or in a Ganeti error (never an internal one, never a
// crash), and a failed job leaves the cluster exactly as it was. The cases run twice: as
// generated (mostly unknown names: the prerequisite checks) and with the names of the sample
// cluster's objects filled in (the executors' real work).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { parseJobOps } from '../../../src/demo/jobs.js';
import { DemoLuxid } from '../../../src/demo/luxid.js';
import { GANETI_ERROR_SHAPES } from '../../../src/ganeti-errors.js';
import { LuxiParseError } from '../../../src/protocols/luxi/decode.js';
import { COMMON_OP_PARAMS, OPCODES } from '../../../src/protocols/luxi/opcodes/table.js';
import type { OpCode } from '../../../src/protocols/luxi/types.js';
import { opcodeCases } from '../../interop/opcode-cases.js';
import { FakeTimers } from '../fake-timers.js';

/** Parameters naming an object of the sample cluster, and a name that exists there. */
const SAMPLE_NAMES: Readonly<Record<string, string>> = {
  instance_name: 'web1.example.com',
  node_name: 'node2.example.com',
  group_name: 'rack2',
  network_name: 'backend',
  target_node: 'node3.example.com',
  remote_node: 'node3.example.com',
  pnode: 'node2.example.com',
  snode: 'node3.example.com',
  os_type: 'debootstrap+default',
};

function withSampleNames(op: unknown): unknown {
  if (op === null || typeof op !== 'object' || Array.isArray(op)) return op;
  const named: Record<string, unknown> = { ...(op as Record<string, unknown>) };
  for (const [key, name] of Object.entries(SAMPLE_NAMES)) if (typeof named[key] === 'string') named[key] = name;
  return named;
}

const KNOWN_CLASSES: ReadonlySet<string> = new Set(Object.keys(GANETI_ERROR_SHAPES));

/** Runs one job to its end on a fresh demo; returns why it is wrong, or null. */
function check(ops: OpCode[]): string | null {
  const clock = new FakeTimers();
  const demo = new DemoLuxid({ timers: clock, opDurationMs: 1, startDelayMs: 1 });
  try {
    // Job 1 has succeeded, so the cases that depend on job 1 run (as job 1 itself, such a case
    // would depend on itself and, as in luxid, stay queued for ever).
    demo.SubmitJob([{ OP_ID: 'OP_TEST_DELAY', duration: 0.001, reason: [] }]);
    clock.advance(10);
    const before = structuredClone(demo.cluster);
    const id = demo.SubmitJob(ops);
    // Long enough for any OP_TEST_DELAY sample, and for the jobs an opcode submits.
    for (let i = 0; i < 5; i++) clock.advance(10_000);
    const [row] = demo.QueryJobs([id], ['status', 'opresult']);
    const [status, results] = row as [string, unknown[]];
    if (status === 'success') return null;
    if (status !== 'error') return `ended ${status}`;
    const failure = results.find((r) => Array.isArray(r)) as [string, unknown[]] | undefined;
    if (!failure || !KNOWN_CLASSES.has(failure[0]) || !Array.isArray(failure[1])) return `failed with ${JSON.stringify(results)}`;
    if (/^Internal error of the demo/.test(String(failure[1][0]))) return String(failure[1][0]);
    if (ops.length === 1 && !isDeepStrictEqual(demo.cluster, before))
      return `failed with ${JSON.stringify(failure)} but changed the cluster`;
    return null;
  } finally {
    demo.close();
  }
}

for (const def of OPCODES) {
  test(`${def.id}: every accepted case ends in success or a Ganeti error, and a failure changes nothing`, () => {
    const problems: string[] = [];
    let ran = 0;
    for (const c of opcodeCases(def, COMMON_OP_PARAMS)) {
      if (c.method !== 'SubmitJob') continue;
      const sent = c.args[0] as unknown[];
      for (const ops of [sent, sent.map(withSampleNames)]) {
        try {
          parseJobOps(ops);
        } catch (err) {
          if (err instanceof LuxiParseError) continue; // refused at submit, as luxid does
          throw err;
        }
        ran++;
        const problem = check(ops as OpCode[]);
        if (problem) problems.push(`${c.id}: ${problem}`);
      }
    }
    assert.ok(ran > 0, 'no case was accepted');
    assert.deepEqual(problems, []);
  });
}
