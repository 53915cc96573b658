// The real `hbal -X` (Debian's Ganeti 3.0 htools) executes its moves on our demo luxid,
// and they take effect: the instances sit where hbal put them, the next hbal run starts
// from the score the first one ended with (so the nodes' memory and disk accounting moved
// with the instances), and hinfo/hspace/hcheck still load the cluster without warnings.
// The jobs hbal submits go through the recording socket of virtual-cluster.ts, so a
// failure names the opcodes and the demo's answers. Skipped loudly without the packages.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { GANETI_BIN, ganetiSkip, run, type RunResult } from './peers.js';
import { startVirtualCluster, type VirtualCluster } from './virtual-cluster.js';

const skip =
  ganetiSkip() ||
  (existsSync(join(GANETI_BIN, 'hbal'))
    ? false
    : 'Ganeti 3.0 packages not installed: run `sudo bash .ci/install-ganeti.sh` (ganeti-htools-3.0 missing)');

/** One planned move of an hbal solution: `  1. db1  node3:node1 => node3:node2  2.645 a=r:node2`. */
interface Move {
  instance: string;
  from: [string, string];
  to: [string, string];
  score: number;
  actions: string;
}

interface HbalPlan {
  initial: number;
  final: number;
  moves: Move[];
}

function parsePlan(out: string): HbalPlan {
  const initial = /^Initial score: ([0-9.]+)$/m.exec(out);
  assert.ok(initial, `hbal printed no initial score:\n${out}`);
  const moves: Move[] = [];
  for (const m of out.matchAll(/^\s+\d+\. (\S+)\s+(\S*):(\S*) => (\S*):(\S*)\s+([0-9.]+) (a=\S+)$/gm)) {
    const [, instance, p0, s0, p1, s1, score, actions] = m;
    if (instance === undefined || score === undefined || actions === undefined) continue;
    moves.push({ instance, from: [p0 ?? '', s0 ?? ''], to: [p1 ?? '', s1 ?? ''], score: Number(score), actions });
  }
  const improved = /^Cluster score improved from [0-9.]+ to ([0-9.]+)$/m.exec(out);
  return { initial: Number(initial[1]), final: improved ? Number(improved[1]) : Number(initial[1]), moves };
}

describe('hbal -X on serve --demo: the moves are applied', { skip, timeout: 100_000 }, () => {
  let vc: VirtualCluster | undefined;
  const cluster = (): VirtualCluster => vc ?? assert.fail('the virtual cluster did not start');
  const htool = (tool: string, ...args: string[]): Promise<RunResult> =>
    run(join(GANETI_BIN, tool), [`-L${cluster().socket}`, ...args], { timeoutMs: 60_000, env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' } });
  /** Full instance name from hbal's (common suffix stripped) short name. */
  let suffix = '';
  let group = '';

  before(async () => {
    vc = await startVirtualCluster();
    const master = cluster().hostname;
    suffix = master.slice(master.indexOf('.'));
    const [[masterGroup]] = (await cluster().luxi.call('QueryNodes', [[master], ['group'], false])) as [[string]];
    group = masterGroup;
  });

  after(async () => {
    await vc?.stop();
  });

  test("hbal -X executes its plan for the master's group, and the next hbal starts where it ended", async () => {
    const vcl = cluster();
    const plan = await htool('hbal', '-G', group);
    assert.equal(plan.code, 0, plan.stdout + plan.stderr);
    const planned = parsePlan(plan.stdout + plan.stderr);
    // The demo's sample is not balanced: there is something to do.
    assert.ok(planned.moves.length > 0, `hbal planned no move:\n${plan.stdout}`);

    const mark = vcl.exchanges().length;
    const exec = await htool('hbal', '-G', group, '-X');
    const execReport = await vcl.describe(mark, `$ hbal -G ${group} -X\n  exit ${exec.code}\n${exec.stdout}${exec.stderr}`);
    assert.equal(exec.code, 0, execReport);
    const done = parsePlan(exec.stdout + exec.stderr);
    assert.deepEqual(done.moves, planned.moves, 'hbal -X planned what hbal did');
    const submitted = vcl.exchanges().slice(mark);
    assert.ok(
      submitted.some((ex) => ex.method === 'SubmitJob' || ex.method === 'SubmitManyJobs'),
      execReport,
    );
    const jobs = await vcl.jobs(null);
    for (const job of jobs) assert.equal(job.status, 'success', execReport);

    // Each instance sits where the last move of it put it.
    const rows = (await vcl.luxi.call('QueryInstances', [[], ['name', 'pnode', 'snodes'], false])) as Array<[string, string, string[]]>;
    const where = new Map(rows.map(([name, pnode, snodes]) => [name, [pnode, snodes[0] ?? '']]));
    const last = new Map(done.moves.map((m) => [m.instance, m.to]));
    for (const [short, to] of last) {
      const full = `${short}${suffix}`;
      const expected = to.map((n) => (n === '' ? '' : `${n}${suffix}`));
      assert.deepEqual(where.get(full), expected, `${full} after hbal -X\n${execReport}`);
    }

    // The next run sees the balanced cluster: it starts from the score the first ended with
    // (scores depend on every node's free memory and disk) and does not redo a move.
    const again = await htool('hbal', '-G', group);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    const next = parsePlan(again.stdout + again.stderr);
    assert.ok(
      Math.abs(next.initial - done.final) < 1e-6,
      `second hbal starts at ${next.initial}, the first ended at ${done.final}\n${again.stdout}\n${execReport}`,
    );
    assert.ok(next.final <= next.initial);
    for (const m of next.moves) {
      const same = done.moves.find(
        (d) => d.instance === m.instance && d.to.join(':') === m.from.join(':') && d.from.join(':') === m.to.join(':'),
      );
      assert.equal(same, undefined, `the second hbal undoes a move of the first:\n${again.stdout}`);
    }
  });

  test('after the moves, hinfo, hspace and hcheck load the cluster without warnings', async () => {
    const instances = ((await cluster().luxi.call('QueryInstances', [[], ['name'], false])) as unknown[]).length;
    const info = await htool('hinfo', '-v');
    assert.equal(info.code, 0, info.stdout + info.stderr);
    assert.match(info.stdout + info.stderr, new RegExp(`Loaded \\d+ nodes, ${instances} instances`));
    for (const r of [info, await htool('hspace'), await htool('hcheck', '--no-simulation')]) {
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.doesNotMatch(r.stdout + r.stderr, /warning|inconsistent|is missing/i, r.stdout + r.stderr);
    }
    const space = await htool('hspace', '--machine-readable');
    assert.match(space.stdout, new RegExp(`^HTS_INI_INST_CNT=${instances}$`, 'm'));
  });
});
