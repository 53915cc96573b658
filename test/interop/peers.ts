/**
 * Peers for the interop suites: the REAL Ganeti 3.0 daemons (test/interop/real-ganeti.sh),
 * the REAL Python luxi client (test/interop/py/luxi_driver.py), the real htools, and our
 * demo luxid run through the real CLI (`node dist/cli.js serve --demo`).
 *
 * Compiled tests run from build/ (or a private --outDir), so repo files are found by walking
 * up from this module to the package.json named "ganeti-uds".
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OpTestDelay } from '../../src/protocols/luxi/opcodes/types.js';
import { parseExactJson, stringifyExactJson } from '../../src/exact-json.js';

export const GANETI_BIN = '/usr/lib/ganeti/3.0/usr/bin';
export const GANETI_SBIN = '/usr/lib/ganeti/3.0/usr/sbin';
export const GANETI_PYTHONPATH = '/usr/share/ganeti/3.0';
/** Debian's interpreter: another python3 earlier on PATH may not import ganeti. */
export const PYTHON = '/usr/bin/python3';

export const GANETI_MISSING = 'Ganeti 3.0 packages not installed: run `sudo bash .ci/install-ganeti.sh`';

let missingReported = false;

/**
 * `false` when the Ganeti 3.0 packages are installed, else the skip message (also written
 * to stderr, once per process, so a skipped interop run is visible in CI logs).
 */
export function ganetiSkip(): string | false {
  const needed = [
    join(GANETI_SBIN, 'ganeti-luxid'),
    join(GANETI_SBIN, 'ganeti-wconfd'),
    join(GANETI_PYTHONPATH, 'ganeti/luxi.py'),
    join(GANETI_PYTHONPATH, 'cfgupgrade'),
    PYTHON,
  ];
  if (needed.every((path) => existsSync(path))) return false;
  if (!missingReported) {
    missingReported = true;
    process.stderr.write(`\n*** interop tests SKIPPED: ${GANETI_MISSING} ***\n\n`);
  }
  return GANETI_MISSING;
}

let root: string | undefined;

/** The repository root: the nearest ancestor of this module with package.json name "ganeti-uds". */
export function repoRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'ganeti-uds') return (root = dir);
      } catch {
        // not ours; keep walking
      }
    }
    const up = dirname(dir);
    if (up === dir) {
      // Compiled outside the repo (tsc --outDir /tmp/...): fall back to the working directory.
      const cwd = process.cwd();
      if (existsSync(join(cwd, 'test/interop/real-ganeti.sh'))) return (root = cwd);
      throw new Error('cannot find the ganeti-uds repository root above ' + fileURLToPath(import.meta.url));
    }
    dir = up;
  }
}

/** A short temporary directory (sun_path holds 107 bytes). */
export function shortTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The output of a finished child process. */
export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Runs a command to completion; kills it (SIGKILL, whole process group) after `timeoutMs`.
 * Never rejects for a non-zero exit; check `code`.
 */
export function run(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs: number; input?: string; cwd?: string },
): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd ?? repoRoot(),
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (c: Buffer) => out.push(c));
    child.stderr?.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), options.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        ms: Date.now() - started,
      });
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

// ---------------------------------------------------------------------------------------
// The real daemons.

/** A running real ganeti-wconfd + ganeti-luxid pair. */
export interface RealGaneti {
  dir: string;
  luxiSocket: string;
  wconfdSocket: string;
  rootDir: string;
  hostname: string;
  /**
   * The config.data the daemons loaded (the demo's sample exported for this host by
   * `ganeti-uds demo export-config`, normalised by cfgupgrade), copied before they started:
   * load it into the demo to serve the same cluster.
   */
  configFile: string;
  /** Stops both daemons and their job processes, then removes the directory. Idempotent. */
  stop(): Promise<void>;
}

const exitStops = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort: a process ending without its after hooks still stops the daemons.
  process.on('exit', () => {
    for (const dir of exitStops) {
      spawnSync('bash', [join(repoRoot(), 'test/interop/real-ganeti.sh'), 'stop', dir], { stdio: 'ignore', timeout: 15_000 });
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

function parseEnvLines(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m?.[1] === undefined || m[2] === undefined) continue;
    let value = m[2];
    // printf %q quoting: plain paths come out unquoted; undo simple backslash escapes.
    if (value.startsWith("$'") || value.startsWith("'")) throw new Error(`unexpected quoted value in real-ganeti.sh output: ${line}`);
    value = value.replace(/\\(.)/g, '$1');
    env[m[1]] = value;
  }
  return env;
}

/** Starts the real daemons in a fresh directory (~1.2 s). Stops whatever started on failure. */
export async function startRealGaneti(): Promise<RealGaneti> {
  const script = join(repoRoot(), 'test/interop/real-ganeti.sh');
  const dir = shortTempDir('rg-');
  installExitHook();
  exitStops.add(dir);
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= run('bash', [script, 'stop', dir], { timeoutMs: 30_000 }).then((r) => {
      exitStops.delete(dir);
      rmSync(dir, { recursive: true, force: true });
      if (r.code !== 0) throw new Error(`real-ganeti.sh stop failed (${r.code}): ${r.stderr}`);
    }));
  // The script exports the demo's cluster with our CLI (GANETI_UDS_CLI, else dist/cli.js, built if missing).
  const env = { ...process.env, GANETI_UDS_CLI: cliPath(), PATH: `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}` };
  const started = await run('bash', [script, 'start', dir], { timeoutMs: 40_000, env });
  if (started.code !== 0) {
    await stop().catch(() => {});
    throw new Error(`real-ganeti.sh start failed (exit ${started.code}):\n${started.stderr}`);
  }
  const printed = parseEnvLines(started.stdout);
  const { LUXI_SOCKET, WCONFD_SOCKET, GANETI_ROOTDIR, GANETI_HOSTNAME, CONFIG_DATA } = printed;
  if (
    LUXI_SOCKET === undefined ||
    WCONFD_SOCKET === undefined ||
    GANETI_ROOTDIR === undefined ||
    GANETI_HOSTNAME === undefined ||
    CONFIG_DATA === undefined
  ) {
    await stop().catch(() => {});
    throw new Error(`real-ganeti.sh start printed no sockets:\n${started.stdout}`);
  }
  return {
    dir,
    luxiSocket: LUXI_SOCKET,
    wconfdSocket: WCONFD_SOCKET,
    rootDir: GANETI_ROOTDIR,
    hostname: GANETI_HOSTNAME,
    configFile: CONFIG_DATA,
    stop,
  };
}

// ---------------------------------------------------------------------------------------
// The real Python luxi client.

/** An OP_TEST_DELAY opcode as the interop scripts submit it (no nodes, not on the master). */
export function testDelayOp(duration: number, extra: Partial<OpTestDelay> = {}): OpTestDelay {
  return { OP_ID: 'OP_TEST_DELAY', duration, on_master: false, on_nodes: [], ...extra };
}

/** One line of luxi_driver.py output (integers exact: big ones are bigint). */
export type DriverLine =
  | { ok: true; result: unknown; calls?: number; history?: unknown[] }
  | { ok: false; error_class: string; error_args: unknown[]; error_module: string };

/** One entry of a driver script (see test/interop/README.md). */
export interface DriverCall {
  method: string;
  args?: unknown[];
  id?: string;
  until_finalized?: boolean;
  raw_ops?: boolean;
  max_repeats?: number;
}

/**
 * Runs `script` through the real `ganeti.luxi.Client` against `socket`; resolves with one
 * parsed line per entry. Rejects if the driver does not exit 0 or prints the wrong number
 * of lines.
 */
export async function runDriver(socket: string, script: DriverCall[], timeoutMs = 30_000): Promise<DriverLine[]> {
  const driver = join(repoRoot(), 'test/interop/py/luxi_driver.py');
  const env: NodeJS.ProcessEnv = {
    PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
    PYTHONPATH: GANETI_PYTHONPATH,
    LUXI_DRIVER_TIMEOUT: String(Math.ceil(timeoutMs / 1000)),
    LANG: 'C.UTF-8',
  };
  const r = await run(PYTHON, [driver, socket, '-'], { env, timeoutMs: timeoutMs + 5000, input: stringifyExactJson(script) });
  if (r.code !== 0) throw new Error(`luxi_driver.py exited ${r.code ?? r.signal}:\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  const lines = r.stdout.split('\n').filter((l) => l.trim() !== '');
  if (lines.length !== script.length)
    throw new Error(`luxi_driver.py printed ${lines.length} lines for ${script.length} entries:\n${r.stdout}\n${r.stderr}`);
  return lines.map((l) => parseExactJson(l) as DriverLine);
}

/** The result of a successful driver line; throws with the error otherwise. */
export function okResult(line: DriverLine | undefined, what = 'call'): unknown {
  if (line === undefined) throw new Error(`${what}: no driver line`);
  if (!line.ok) throw new Error(`${what} failed: ${line.error_class} ${JSON.stringify(line.error_args, bigintSafe)}`);
  return line.result;
}

/** A JSON.stringify replacer that writes bigints as strings. */
export function bigintSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? `${value}n` : value;
}

// ---------------------------------------------------------------------------------------
// Our demo luxid through the real CLI.

/** Path of the built CLI; builds dist/ (tsc -p tsconfig.build.json) when it is missing. */
export function cliPath(): string {
  const override = process.env['GANETI_UDS_CLI'];
  if (override !== undefined && override !== '') return override;
  const cli = join(repoRoot(), 'dist/cli.js');
  if (!existsSync(cli)) {
    const tsc = join(repoRoot(), 'node_modules/typescript/bin/tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: repoRoot(), encoding: 'utf8', timeout: 120_000 });
    if (!existsSync(cli)) throw new Error(`dist/cli.js is missing and building it failed:\n${r.stdout}\n${r.stderr}`);
  }
  return cli;
}

/** A running `ganeti-uds serve --demo`. */
export interface DemoServer {
  socket: string;
  child: ChildProcess;
  /** Output so far. */
  stderr(): string;
  /** SIGTERM, then waits for exit 0 (SIGKILL after 5 s); removes the temp dir. Idempotent. */
  stop(): Promise<number | null>;
}

/** Spawns `node dist/cli.js serve --demo --socket <tmp> --job-step 20ms` and waits until it listens. */
export async function startDemoCli(extraArgs: string[] = ['--job-step', '20ms']): Promise<DemoServer> {
  const dir = shortTempDir('demo-');
  const socket = join(dir, 'ganeti-query');
  const child = spawn(process.execPath, [cliPath(), 'serve', '--demo', '--socket', socket, '--log-level', 'warn', ...extraArgs], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  let stopping: Promise<number | null> | undefined;
  const stop = (): Promise<number | null> =>
    (stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      const code = await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      return code;
    })());
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve --demo did not listen within 15 s:\n${out}\n${err}`)), 15_000);
      const check = (): void => {
        if (out.includes('listening on')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', check);
      child.on('close', (code) => {
        clearTimeout(timer);
        reject(new Error(`serve --demo exited ${code} before listening:\n${out}\n${err}`));
      });
      check();
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return { socket, child, stderr: () => err, stop };
}
