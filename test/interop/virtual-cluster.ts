/**
 * A Ganeti "virtual cluster" around our demo luxid, for the real gnt-* tools, hbal -X and
 * the real ganeti-rapi daemon: `serve --demo` runs on its own socket, and
 * `$GANETI_ROOTDIR/var/run/ganeti/socket/ganeti-query` (GANETI_ROOTDIR = <tmp>/<master>,
 * GANETI_HOSTNAME = the demo's master node) is a recording pass-through to it. Every luxi
 * request a real tool sends, and the answer it gets, is kept: a failing assertion can then
 * say which opcode the tool submitted and what the demo answered.
 *
 * With INTEROP_OPCODES_OUT=<file> set, every opcode submitted through the recording socket is
 * appended there as a JSON line `{"method", "source" (first reason-trail entry), "op"}`, the
 * reason trail left out: the parameter shapes the real tools send.
 */
import { appendFileSync, chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { parseExactJson, stringifyExactJson } from '../../src/exact-json.js';
import { LuxiClient } from '../../src/protocols/luxi/client.js';
import { GANETI_PYTHONPATH, PYTHON, run, shortTempDir, startDemoCli, type DemoServer, type RunResult } from './peers.js';

/** One luxi exchange seen on the recording socket. */
export interface LuxiExchange {
  method: string;
  args: unknown;
  /** The answer (`success`, `result`); undefined when none came (connection closed). */
  success?: boolean;
  result?: unknown;
}

/** A job as the demo reports it after a tool ran. */
export interface JobReport {
  id: number;
  status: unknown;
  ops: unknown[];
  opresult: unknown;
}

/** The outcome of one real gnt-* command. */
export interface GntResult extends RunResult {
  /** The command line, for messages. */
  command: string;
  /** The luxi exchanges of this run, in order. */
  exchanges: LuxiExchange[];
  /** The opcodes it submitted (SubmitJob, SubmitManyJobs), as sent. */
  ops: Array<Record<string, unknown>>;
  /** The jobs it submitted, as the demo reports them now. */
  jobs: JobReport[];
  /** Exit code, output, submitted opcodes and job outcomes: the message of a failed assertion. */
  report: string;
}

export interface VirtualCluster {
  demo: DemoServer;
  /** GANETI_ROOTDIR (its last component is `hostname`). */
  root: string;
  /** The demo's master node, GANETI_HOSTNAME. */
  hostname: string;
  clusterName: string;
  /** The recording socket the tools use. */
  socket: string;
  /** A luxi client straight to the demo (not recorded). */
  luxi: LuxiClient;
  /** The environment of a Ganeti process in this virtual cluster. */
  env(extra?: Record<string, string>): NodeJS.ProcessEnv;
  /** Everything recorded so far. */
  exchanges(): LuxiExchange[];
  /** Runs a real gnt-* tool (`gnt-instance`, `gnt-node`, ...) with `args`, bounded in time. */
  gnt(tool: string, args: string[], timeoutMs?: number): Promise<GntResult>;
  /** The demo's report on jobs (all when `ids` is null). */
  jobs(ids: number[] | null): Promise<JobReport[]>;
  /** Describes exchanges[from..] and their jobs, for assertion messages. */
  describe(from: number, title: string): Promise<string>;
  /** Stops the proxy, the client and the demo; removes the directory. Idempotent. */
  stop(): Promise<void>;
}

/** Strips the reason trail (long, and timestamps only) from an opcode for messages. */
function brief(op: unknown): unknown {
  if (op === null || typeof op !== 'object' || Array.isArray(op)) return op;
  const { reason: _reason, ...rest } = op as Record<string, unknown>;
  return rest;
}

/** Who submitted an opcode: the first source of its reason trail (`gnt:client:gnt-instance`, `hbal`, ...). */
function sourceOf(op: Record<string, unknown>): string {
  const reason = op['reason'];
  const first = Array.isArray(reason) ? (reason[0] as unknown) : undefined;
  return Array.isArray(first) ? String(first[0]) : '?';
}

function show(value: unknown): string {
  return stringifyExactJson(value) ?? String(value);
}

/** The opcodes of a SubmitJob / SubmitJobToDrainedQueue / SubmitManyJobs request. */
export function opsOf(ex: LuxiExchange): Array<Record<string, unknown>> {
  const args = Array.isArray(ex.args) ? ex.args : [];
  if (ex.method === 'SubmitJob' || ex.method === 'SubmitJobToDrainedQueue') return (args[0] as Array<Record<string, unknown>>) ?? [];
  if (ex.method === 'SubmitManyJobs') return ((args[0] as Array<Array<Record<string, unknown>>>) ?? []).flat();
  return [];
}

/** The job ids a submit exchange got back. */
export function jobIdsOf(ex: LuxiExchange): number[] {
  if (ex.success !== true) return [];
  if (ex.method === 'SubmitJob' || ex.method === 'SubmitJobToDrainedQueue') return [Number(ex.result)];
  if (ex.method === 'SubmitManyJobs' && Array.isArray(ex.result))
    return (ex.result as unknown[]).flatMap((r) => (Array.isArray(r) && r[0] === true ? [Number(r[1])] : []));
  return [];
}

/** A pass-through Unix socket that records every request/answer pair (luxi frames end in 0x03). */
function recordingProxy(listenPath: string, upstream: string, record: (ex: LuxiExchange) => void): Promise<Server> {
  const connections = new Set<Socket>();
  const server = createServer((client) => {
    connections.add(client);
    const up = createConnection(upstream);
    connections.add(up);
    const pending: LuxiExchange[] = [];
    const frames = (onFrame: (text: string) => void): ((chunk: Buffer) => void) => {
      let buf = Buffer.alloc(0);
      return (chunk) => {
        buf = Buffer.concat([buf, chunk]);
        for (let end = buf.indexOf(3); end >= 0; end = buf.indexOf(3)) {
          onFrame(buf.subarray(0, end).toString('utf8'));
          buf = buf.subarray(end + 1);
        }
      };
    };
    const onRequest = frames((text) => {
      let method = '?';
      let args: unknown = text;
      try {
        const msg = parseExactJson(text) as { method?: unknown; args?: unknown };
        method = String(msg.method);
        args = msg.args;
      } catch {
        // recorded as text
      }
      const ex: LuxiExchange = { method, args };
      pending.push(ex);
      record(ex);
    });
    const onAnswer = frames((text) => {
      const ex = pending.shift();
      if (ex === undefined) return;
      try {
        const msg = parseExactJson(text) as { success?: unknown; result?: unknown };
        ex.success = msg.success === true;
        ex.result = msg.result;
      } catch {
        ex.success = false;
        ex.result = text;
      }
    });
    client.on('data', (c: Buffer) => {
      onRequest(c);
      up.write(c);
    });
    up.on('data', (c: Buffer) => {
      onAnswer(c);
      client.write(c);
    });
    const close = (): void => {
      client.destroy();
      up.destroy();
      connections.delete(client);
      connections.delete(up);
    };
    client.on('close', close);
    up.on('close', close);
    client.on('error', close);
    up.on('error', close);
  });
  // close() waits for open connections: end them first (a daemon may hold one open).
  const close = server.close.bind(server);
  server.close = (cb?: (err?: Error) => void): Server => {
    for (const s of connections) s.destroy();
    return close(cb);
  };
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPath, () => {
      server.off('error', reject);
      // The real ganeti-rapi runs as gnt-rapi: the socket must be reachable by it.
      chmodSync(listenPath, 0o666);
      resolve(server);
    });
  });
}

/** The Python one-liner that runs `ganeti.client.<module>.Main()` as `tool`. */
function gntCode(tool: string): string {
  const module = tool.replace(/-/g, '_');
  if (!/^gnt_[a-z]+$/.test(module)) throw new Error(`not a gnt-* tool: ${tool}`);
  return `import sys; from ganeti.client.${module} import Main; sys.argv = [${JSON.stringify(tool)}] + sys.argv[1:]; sys.exit(Main())`;
}

/**
 * Starts `serve --demo` and lays out a virtual cluster root around it. `demoArgs` are passed
 * to startDemoCli (default: `--job-step 20ms`).
 */
export async function startVirtualCluster(demoArgs?: string[]): Promise<VirtualCluster> {
  const demo = await startDemoCli(demoArgs);
  const top = shortTempDir('vc-');
  let proxy: Server | undefined;
  let luxi: LuxiClient | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      luxi?.destroy();
      if (proxy !== undefined) await new Promise<void>((resolve) => proxy?.close(() => resolve()));
      await demo.stop();
      rmSync(top, { recursive: true, force: true });
    })());
  try {
    luxi = await LuxiClient.connect(demo.socket, { requestTimeoutMs: 15_000 });
    const [master, clusterName] = (await luxi.call('QueryConfigValues', [['master_node', 'cluster_name']])) as [string, string];
    const hostname = master;
    const root = join(top, hostname);
    for (const d of ['var/run/ganeti/socket', 'var/lib/ganeti/rapi', 'var/lib/ganeti/queue', 'var/log/ganeti', 'etc/ganeti'])
      mkdirSync(join(root, d), { recursive: true, mode: 0o755 });
    // Every parent traversable by the daemon users (mkdtemp makes 0700).
    chmodSync(top, 0o755);
    const lib = join(root, 'var/lib/ganeti');
    writeFileSync(join(lib, 'ssconf_master_node'), `${hostname}\n`);
    writeFileSync(join(lib, 'ssconf_cluster_name'), `${clusterName}\n`);
    const socket = join(root, 'var/run/ganeti/socket/ganeti-query');
    const recorded: LuxiExchange[] = [];
    const opcodesOut = process.env['INTEROP_OPCODES_OUT'];
    proxy = await recordingProxy(socket, demo.socket, (ex) => {
      recorded.push(ex);
      if (opcodesOut === undefined || opcodesOut === '') return;
      for (const op of opsOf(ex)) appendFileSync(opcodesOut, `${show({ method: ex.method, source: sourceOf(op), op: brief(op) })}\n`);
    });
    // Keep a symlink to the demo's own socket too, for tools pointed at a path by hand.
    symlinkSync(demo.socket, join(root, 'var/run/ganeti/socket/demo-direct'));
    const client = luxi;
    const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
      PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
      LANG: 'C.UTF-8',
      PYTHONPATH: GANETI_PYTHONPATH,
      GANETI_ROOTDIR: root,
      GANETI_HOSTNAME: hostname,
      ...extra,
    });
    const jobs = async (ids: number[] | null): Promise<JobReport[]> => {
      if (ids !== null && ids.length === 0) return [];
      const rows = (await client.call('QueryJobs', [ids, ['id', 'status', 'ops', 'opresult']])) as unknown[];
      return rows.flatMap((row) => {
        if (!Array.isArray(row)) return [];
        const [id, status, ops, opresult] = row as [unknown, unknown, unknown, unknown];
        return [{ id: Number(id), status, ops: Array.isArray(ops) ? ops : [], opresult }];
      });
    };
    const describe = async (from: number, title: string): Promise<string> => {
      const exchanges = recorded.slice(from);
      const lines = [title];
      const ids: number[] = [];
      for (const ex of exchanges) {
        const ops = opsOf(ex);
        if (ops.length === 0) continue;
        lines.push(`  submitted (${ex.method}): ${ops.map((op) => show(brief(op))).join(', ')}`);
        if (ex.success !== true) lines.push(`  -> SubmitJob refused: ${show(ex.result)}`);
        ids.push(...jobIdsOf(ex));
      }
      for (const job of await jobs(ids).catch(() => []))
        lines.push(`  job ${job.id}: status ${show(job.status)}, opresult ${show(job.opresult)}`);
      if (ids.length === 0) lines.push(`  (no job submitted; luxi calls: ${exchanges.map((e) => e.method).join(', ') || 'none'})`);
      return lines.join('\n');
    };
    const gnt = async (tool: string, args: string[], timeoutMs = 30_000): Promise<GntResult> => {
      const from = recorded.length;
      const r = await run(PYTHON, ['-c', gntCode(tool), ...args], { env: env(), timeoutMs, cwd: root });
      const exchanges = recorded.slice(from);
      const ops = exchanges.flatMap(opsOf);
      const ids = exchanges.flatMap(jobIdsOf);
      const command = [tool, ...args].join(' ');
      const header = `$ ${command}\n  exit ${r.code ?? r.signal}\n  stdout: ${r.stdout.trimEnd()}\n  stderr: ${r.stderr.trimEnd()}`;
      return {
        ...r,
        command,
        exchanges,
        ops,
        jobs: await jobs(ids),
        report: await describe(from, header),
      };
    };
    return {
      demo,
      root,
      hostname,
      clusterName,
      socket,
      luxi,
      env,
      exchanges: () => [...recorded],
      gnt,
      jobs,
      describe,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
