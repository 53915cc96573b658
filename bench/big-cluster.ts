/**
 * The big-cluster scenario: one Query('instance', config-only fields) on a generated
 * 500-node, 10,000-instance cluster, answered by our demo luxid (the real CLI's `serve
 * --demo`) and by the real ganeti-luxid loading the same cluster as config.data, both pinned
 * to one CPU, in alternating rounds; JSON.stringify of the same rows, in this process, is the
 * reference the demo's time is also compared with.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LuxiClient } from '../src/protocols/luxi/client.js';
import { BENCH_BUILD_DIR, median } from './lib/proc.js';

/** The generated cluster of the scenario. */
export const BIG_CLUSTER_SPEC = 'nodes=500,instances=10000,groups=5,seed=1';

/**
 * Instance fields computed from the config alone (no node RPC in luxid: Query/Instance.hs
 * marks none of them as live), the kind of list `gnt-instance list -o` asks for.
 */
export const BIG_CLUSTER_FIELDS = [
  'name',
  'uuid',
  'os',
  'hypervisor',
  'pnode',
  'pnode.group',
  'snodes',
  'admin_state',
  'disk_template',
  'be/memory',
  'be/vcpus',
  'disk.count',
  'disk.sizes',
  'disk_usage',
  'nic.ips',
  'nic.macs',
  'network_port',
  'tags',
  'ctime',
  'mtime',
  'serial_no',
];

/** What the scenario measured. */
export interface BigClusterResult {
  spec: string;
  fields: number;
  rows: number;
  /** Bytes of JSON.stringify of the answer. */
  answerBytes: number;
  /** Median Query round trip per round, ms. */
  demoMs: number[];
  realMs: number[];
  stringifyMs: number[];
  /** Medians over rounds of the per-round ratios. */
  demoVsReal: number;
  demoVsStringify: number;
  /** Why the real luxid half is missing, when it is. */
  realNote?: string;
  /** Whether both servers ran pinned to CPU 0. */
  pinned: boolean;
}

const SBIN = '/usr/lib/ganeti/3.0/usr/sbin';

interface Started {
  socket: string;
  stop(): void;
  note?: string;
  /** Path of the config.data the real daemons loaded. */
  configData?: string;
}

function pin(pid: string, pinned: boolean): boolean {
  return pinned && pid !== '' && spawnSync('taskset', ['-a', '-cp', '0', pid], { encoding: 'utf8' }).status === 0;
}

/** The real wconfd + luxid on the exported generated cluster (test/interop/real-ganeti.sh). */
function startReal(repo: string, cli: string, pinned: boolean): Started | { note: string } {
  const script = join(repo, 'test/interop/real-ganeti.sh');
  if (!existsSync(join(SBIN, 'ganeti-luxid'))) return { note: `${SBIN}/ganeti-luxid not found (sudo bash .ci/install-ganeti.sh)` };
  const configData = existsSync(join(repo, 'src/demo/config-data.ts')) && readFileSync(script, 'utf8').includes('REAL_GANETI_EXPORT_ARGS');
  if (!configData) return { note: 'real-ganeti.sh cannot start the daemons on an exported config.data yet' };
  const dir = mkdtempSync(join(tmpdir(), 'gbc-'));
  const stop = (): void => {
    spawnSync('bash', [script, 'stop', dir], { encoding: 'utf8', timeout: 60_000 });
    rmSync(dir, { recursive: true, force: true });
  };
  const r = spawnSync('bash', [script, 'start', dir], {
    encoding: 'utf8',
    timeout: 180_000,
    env: {
      ...process.env,
      GANETI_UDS_CLI: cli,
      REAL_GANETI_EXPORT_ARGS: `--generate ${BIG_CLUSTER_SPEC}`,
      REAL_GANETI_START_TIMEOUT: '120',
    },
  });
  const socket = /^LUXI_SOCKET=(.*)$/m.exec(r.stdout ?? '')?.[1];
  const config = /^CONFIG_DATA=(.*)$/m.exec(r.stdout ?? '')?.[1];
  if (r.status !== 0 || socket === undefined) {
    stop();
    return { note: `real-ganeti.sh start failed: ${(r.stderr ?? '').trim().split('\n').slice(-2).join(' | ')}` };
  }
  let ok = true;
  for (const daemon of ['ganeti-luxid', 'ganeti-wconfd']) {
    let pid = '';
    try {
      pid = readFileSync(join(dir, 'state', `${daemon}.pid`), 'utf8').trim();
    } catch {
      pid = '';
    }
    ok = pin(pid, pinned) && ok;
  }
  const started: Started = { socket, stop };
  if (config !== undefined) started.configData = config;
  if (pinned && !ok) started.note = 'the real daemons could not be pinned to CPU 0';
  return started;
}

/** Our CLI's `serve --demo` on `source` (`--cluster FILE` or `--generate SPEC`), pinned to CPU 0. */
async function startDemo(cli: string, source: string[], pinned: boolean): Promise<Started> {
  const dir = mkdtempSync(join(tmpdir(), 'gbd-'));
  const socket = join(dir, 'ganeti-query');
  // --single-threaded-gc: pinned Node processes collect on the main thread (see scenarios.ts).
  const cmd = [process.execPath, '--single-threaded-gc', cli, 'serve', '--demo', ...source, '--socket', socket, '--log-level', 'warn'];
  const [file, ...args] = pinned ? ['taskset', '-c', '0', ...cmd] : cmd;
  const child: ChildProcess = spawn(file as string, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve --demo did not listen: ${err}`)), 60_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve --demo ${source.join(' ')} exited ${String(code)}: ${err.trim()}`));
    });
  });
  return {
    socket,
    stop: () => {
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * One connection sending the raw Query frame and timing until the answer's 0x03 arrives:
 * the server's answer time, without this process decoding 3 MB of JSON each time.
 */
class RawQuery {
  readonly #socket: Socket;
  readonly #frame: Buffer;
  #done: (() => void) | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    this.#frame = Buffer.from(`${JSON.stringify({ method: 'Query', args: ['instance', BIG_CLUSTER_FIELDS, null] })}\x03`);
    socket.on('data', (chunk: Buffer) => {
      if (chunk.includes(3)) this.#done?.();
    });
  }

  static open(path: string): Promise<RawQuery> {
    return new Promise((resolve, reject) => {
      const socket = connect(path, () => resolve(new RawQuery(socket)));
      socket.once('error', reject);
    });
  }

  /** Median of `calls` round trips, ms. */
  async time(calls: number, timeoutMs: number): Promise<number> {
    const times: number[] = [];
    for (let i = 0; i < calls; i++) {
      const t0 = performance.now();
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
        this.#done = () => {
          clearTimeout(timer);
          resolve();
        };
        this.#socket.write(this.#frame);
      });
      times.push(performance.now() - t0);
    }
    return median(times);
  }

  close(): void {
    this.#socket.destroy();
  }
}

function timeStringify(value: unknown, calls: number): { ms: number; bytes: number } {
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    bytes = JSON.stringify(value).length;
    times.push(performance.now() - t0);
  }
  return { ms: median(times), bytes };
}

/**
 * Runs the scenario: `rounds` rounds, each timing Query calls on each server (in alternating
 * order) and JSON.stringify runs of the demo's answer; the real half is left out, with a note,
 * when the real daemons cannot load the exported cluster.
 */
export async function measureBigCluster(options: {
  repo: string;
  rounds: number;
  /** Timed demo calls (and JSON.stringify runs) per round. */
  calls: number;
  /** Timed real-luxid calls per round (each took 40-80 s when measured). */
  realCalls: number;
  /** Longest wait for one real-luxid answer, ms. */
  realTimeoutMs: number;
  pinned: boolean;
  progress(text: string): void;
}): Promise<BigClusterResult> {
  const cli = join(BENCH_BUILD_DIR, '..', 'src', 'cli.js');
  options.progress('big cluster: starting the real luxid on the exported config.data');
  const real = startReal(options.repo, cli, options.pinned);
  const realStarted = 'socket' in real ? real : undefined;
  let demo: Started | undefined;
  const raws: RawQuery[] = [];
  try {
    // The same cluster on both sides: the config.data the real daemons loaded, when there is one.
    const source = realStarted?.configData !== undefined ? ['--cluster', realStarted.configData] : ['--generate', BIG_CLUSTER_SPEC];
    options.progress(`big cluster: starting serve --demo ${source.join(' ')}`);
    demo = await startDemo(cli, source, options.pinned);
    // The rows, decoded once, for the JSON.stringify reference.
    const decoder = await LuxiClient.connect(demo.socket, { requestTimeoutMs: 120_000 });
    const answer = await decoder.query('instance', BIG_CLUSTER_FIELDS, null);
    await decoder.close();
    const demoRaw = await RawQuery.open(demo.socket);
    raws.push(demoRaw);
    let realRaw = realStarted ? await RawQuery.open(realStarted.socket) : undefined;
    if (realRaw) raws.push(realRaw);
    let realFailure: string | undefined;
    const timeReal = async (calls: number): Promise<number | undefined> => {
      try {
        return await realRaw?.time(calls, options.realTimeoutMs);
      } catch (err) {
        realFailure = `the real luxid gave no answer: ${(err as Error).message}`;
        realRaw = undefined;
        return undefined;
      }
    };
    // Warm-up: JIT on our side, config load and caches on luxid's.
    await demoRaw.time(2, 120_000);
    await timeReal(1);
    const demoMs: number[] = [];
    const realMs: number[] = [];
    const stringifyMs: number[] = [];
    let bytes = 0;
    for (let r = 0; r < options.rounds; r++) {
      const order: Array<'demo' | 'real' | 'stringify'> = r % 2 === 0 ? ['demo', 'real', 'stringify'] : ['stringify', 'real', 'demo'];
      for (const side of order) {
        options.progress(`big cluster: ${side} (round ${r + 1}/${options.rounds})`);
        if (side === 'demo') demoMs.push(await demoRaw.time(options.calls, 120_000));
        else if (side === 'real' && realRaw) {
          const ms = await timeReal(options.realCalls);
          if (ms !== undefined) realMs.push(ms);
        } else if (side === 'stringify') {
          const s = timeStringify(answer, options.calls);
          stringifyMs.push(s.ms);
          bytes = s.bytes;
        }
      }
    }
    const ratios = (a: number[], b: number[]) => median(a.map((x, i) => x / (b[i] ?? NaN)).filter((x) => Number.isFinite(x)));
    const result: BigClusterResult = {
      spec: BIG_CLUSTER_SPEC,
      fields: BIG_CLUSTER_FIELDS.length,
      rows: answer.data.length,
      answerBytes: bytes,
      demoMs,
      realMs,
      stringifyMs,
      demoVsReal: ratios(demoMs, realMs),
      demoVsStringify: ratios(demoMs, stringifyMs),
      pinned: options.pinned,
    };
    const note = 'note' in real && realStarted === undefined ? real.note : (realFailure ?? realStarted?.note);
    if (note !== undefined) result.realNote = note;
    return result;
  } finally {
    for (const r of raws) r.close();
    demo?.stop();
    realStarted?.stop();
  }
}
