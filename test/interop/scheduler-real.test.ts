// Job scheduling and the lock resource, the same sequence against the REAL ganeti-luxid
// (+ ganeti-wconfd and its Python job processes, via test/interop/real-ganeti.sh) and against
// the demo luxid served in-process: filter rules (REJECT, PAUSE then DeleteFilter), a job that
// depends on a failed one, QueryFields lock and Query lock while a job runs. Waits are
// WaitForJobChange long-polls, never sleeps. Skipped loudly without the Ganeti packages.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connectClient, createServer } from '../../src/index.js';
import type { Client } from '../../src/dispatch/client.js';
import { DemoLuxid } from '../../src/demo/luxid.js';
import { createLuxiHandler } from '../../src/protocols/luxi/handler.js';
import { ganetiSkip, shortTempDir, startRealGaneti, type RealGaneti } from './peers.js';

const skip = ganetiSkip();

/** OP_TEST_DELAY on no node, as the real luxid runs it without node daemons. */
function delay(duration: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { OP_ID: 'OP_TEST_DELAY', duration, on_master: false, on_nodes: [], reason: [], ...extra };
}

const FINAL = new Set(['success', 'error', 'canceled']);

interface Peer {
  name: string;
  client: Client;
}

const call = (p: Peer, method: string, args: unknown[]): Promise<unknown> => p.client.call(method, args);

async function submit(p: Peer, ...ops: Record<string, unknown>[]): Promise<number> {
  return (await call(p, 'SubmitJob', [ops])) as number;
}

/** Long-polls WaitForJobChange until the job's status satisfies `done` (default: final). */
async function waitStatus(p: Peer, id: number, done: (s: string) => boolean = (s) => FINAL.has(s)): Promise<string> {
  let prev: unknown[] | null = null;
  for (let i = 0; i < 200; i++) {
    const [info] = (await call(p, 'WaitForJobChange', [id, ['status'], prev, null, 10])) as [unknown[] | null, unknown];
    const status = String(info?.[0]);
    if (done(status)) return status;
    prev = info;
  }
  throw new Error(`${p.name}: job ${id} never reached the wanted status`);
}

async function job(p: Peer, id: number, fields: string[]): Promise<unknown[]> {
  const [row] = (await call(p, 'QueryJobs', [[id], fields])) as unknown[][];
  return row ?? [];
}

describe('job scheduling and locks: the demo as the real luxid', { skip, timeout: 120_000 }, () => {
  let real: RealGaneti | undefined;
  let demo: DemoLuxid | undefined;
  let demoServer: ReturnType<typeof createServer> | undefined;
  let demoDir: string | undefined;
  const peers: Peer[] = [];

  before(
    async () => {
      real = await startRealGaneti();
      peers.push({ name: 'real', client: await connectClient(real.luxiSocket, { requestTimeoutMs: 30_000 }) });
      demoDir = shortTempDir('sch-');
      const socket = join(demoDir, 'ganeti-query');
      demo = new DemoLuxid({ opDurationMs: 20, startDelayMs: 5 });
      demo.cluster.filters = [];
      demoServer = createServer(createLuxiHandler(demo), {});
      await demoServer.listen(socket);
      peers.push({ name: 'demo', client: await connectClient(socket, { requestTimeoutMs: 30_000 }) });
    },
    { timeout: 60_000 },
  );

  after(async () => {
    for (const p of peers) p.client.destroy();
    await demoServer?.close();
    demo?.close();
    if (demoDir) rmSync(demoDir, { recursive: true, force: true });
    await real?.stop();
  });

  /** Runs `scenario` on each peer; returns the results by peer name. */
  async function both<T>(scenario: (p: Peer) => Promise<T>): Promise<{ real: T; demo: T }> {
    const [r, d] = [peers[0], peers[1]];
    if (!r || !d) throw new Error('the peers did not start');
    return { real: await scenario(r), demo: await scenario(d) };
  }

  test('QueryFields lock: the same field definitions', async () => {
    const { real: r, demo: d } = await both((p) => call(p, 'QueryFields', ['lock', null]));
    assert.deepEqual(d, r);
    const named = await both((p) => call(p, 'QueryFields', ['lock', ['owner', 'nosuch']]));
    assert.deepEqual(named.demo, named.real);
  });

  test('Query lock with no job running: no rows', async () => {
    const { real: r, demo: d } = await both((p) => call(p, 'Query', ['lock', ['name', 'mode', 'owner', 'pending'], null]));
    assert.deepEqual(d, r);
    assert.deepEqual((r as { data: unknown[] }).data, []);
  });

  test('a REJECT rule cancels the job at once: status, opresult and timestamps', async () => {
    const { real: r, demo: d } = await both(async (p) => {
      const uuid = await call(p, 'ReplaceFilter', [null, 0, [['jobid', ['>', 'id', 'watermark']]], 'REJECT', [['test', 'reject', 1]]]);
      const id = await submit(p, delay(0.1));
      await waitStatus(p, id);
      const row = await job(p, id, ['status', 'opstatus', 'opresult', 'opstart', 'opexec', 'start_ts']);
      const [filterRow] = (await call(p, 'QueryFilters', [[uuid], ['watermark']])) as number[][];
      const watermark = filterRow?.[0];
      await call(p, 'DeleteFilter', [uuid]);
      return { row, watermarkIsLastJob: watermark === id - 1 };
    });
    assert.deepEqual(d, r);
    assert.deepEqual(r.row, ['canceled', ['canceled'], [null], [null], [null], null]);
  });

  test('a PAUSE rule holds matching jobs while others run; after DeleteFilter they run', async () => {
    const { real: r, demo: d } = await both(async (p) => {
      const uuid = await call(p, 'ReplaceFilter', [null, 0, [['reason', ['=', 'source', 'hold']]], 'PAUSE', []]);
      const held = await submit(p, delay(0.1, { reason: [['hold', 'x', 1]] }));
      const free = await submit(p, delay(0.1));
      const freeEnd = await waitStatus(p, free);
      const heldMeanwhile = (await job(p, held, ['status']))[0];
      await call(p, 'DeleteFilter', [uuid]);
      return { freeEnd, heldMeanwhile, heldEnd: await waitStatus(p, held) };
    });
    assert.deepEqual(d, r);
    assert.deepEqual(r, { freeEnd: 'success', heldMeanwhile: 'queued', heldEnd: 'success' });
  });

  test('a job depending on a failed job fails with the job processor text; [] accepts any status', async () => {
    const { real: r, demo: d } = await both(async (p) => {
      const failed = await submit(p, delay(0.1, { on_nodes: ['nosuch.node'] }));
      const strict = await submit(p, delay(0.1, { depends: [[failed, ['success']]] }));
      const any = await submit(p, delay(0.1, { depends: [[-2, []]] }));
      const unknown = await submit(p, delay(0.1, { depends: [[failed + 1000, ['success']]] }));
      for (const id of [failed, strict, any, unknown]) await waitStatus(p, id);
      const rows = await Promise.all([failed, strict, any, unknown].map((id) => job(p, id, ['status', 'opresult'])));
      // Job ids differ between the peers: name them.
      return JSON.parse(
        JSON.stringify(rows)
          .replaceAll(`job ${failed} `, 'job F ')
          .replaceAll(`Job ${failed + 1000} `, 'Job U '),
      ) as unknown;
    });
    assert.deepEqual(d, r);
    assert.deepEqual(r, [
      ['error', [['OpPrereqError', ["Node 'nosuch.node' not known", 'unknown_entity']]]],
      ['error', [['OpExecError', ["Dependency job F finished with status 'error', not one of 'success' as required"]]]],
      ['success', [null]],
      ['error', [['OpExecError', ['Dependency error: Job U not found']]]],
    ]);
  });

  test('Query lock while a job runs: the BGL shared by the job, the implied cluster lockset', async () => {
    const { real: r, demo: d } = await both(async (p) => {
      const id = await submit(p, delay(1.5));
      await waitStatus(p, id, (s) => s === 'running' || FINAL.has(s));
      const locks = await call(p, 'Query', ['lock', ['name', 'mode', 'owner', 'pending'], null]);
      await waitStatus(p, id);
      return JSON.parse(JSON.stringify(locks).replaceAll(`"${id}"`, '"J"')) as unknown;
    });
    assert.deepEqual(d, r);
    assert.deepEqual((r as { data: unknown[] }).data, [
      [
        [0, 'cluster/BGL'],
        [0, 'shared'],
        [0, ['J']],
        [0, []],
      ],
      [
        [0, 'cluster/[lockset]'],
        [0, null],
        [0, []],
        [0, []],
      ],
    ]);
  });
});
