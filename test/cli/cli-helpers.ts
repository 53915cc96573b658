/**
 * Running the built CLI (`node dist/cli.js`) from tests: one-shot commands with their
 * exit code and output, and a `serve --demo` child stopped after the test. dist/ is built
 * (tsc -p tsconfig.build.json) only when it is missing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempSocketPath } from '../helpers/tmp.js';

function findRoot(start: string): string | undefined {
  let dir = start;
  for (;;) {
    const pkg = join(dir, 'package.json');
    try {
      if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'ganeti-uds') return dir;
    } catch {
      // not ours; keep walking
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/**
 * The folder of the package.json named "ganeti-uds", found walking up from this file, or
 * from the working directory when the tests were compiled outside the repository.
 */
export function repoRoot(): string {
  const root = findRoot(dirname(fileURLToPath(import.meta.url))) ?? findRoot(process.cwd());
  if (root === undefined) throw new Error('no package.json named ganeti-uds above the test or the working directory');
  return root;
}

/** Runs tsc with a project file from the repository root; throws with its output on failure. */
export function tsc(project: string): void {
  const root = repoRoot();
  const r = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', project], {
    cwd: root,
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (r.status !== 0) throw new Error(`tsc -p ${project} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
}

/** Path of dist/cli.js, building dist/ first when it is missing. */
export function cliPath(): string {
  const cli = join(repoRoot(), 'dist/cli.js');
  if (!existsSync(cli)) tsc('tsconfig.build.json');
  return cli;
}

/** What a finished command printed and how it exited. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to the child's stdin, which is then closed. Default: stdin closed at once. */
  input?: string;
  env?: NodeJS.ProcessEnv;
  /** The child is killed after this long. Default: 20 s. */
  timeoutMs?: number;
}

/** Runs `node <script> ...args` and collects its output; kills it after `timeoutMs`. */
export function runNode(script: string, args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: repoRoot(),
    env: options.env ?? process.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return collect(child, options);
}

/** Runs `node dist/cli.js ...args`. */
export function runCli(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  return runNode(cliPath(), args, options);
}

/** Collects a child's output until it exits. */
export function collect(child: ChildProcess, options: RunOptions = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  child.stdin?.end(options.input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
  return new Promise((resolve, reject) => {
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** A `serve --demo` child. */
export interface DemoCli {
  socket: string;
  child: ChildProcess;
}

/**
 * Starts `node dist/cli.js serve --demo` on a temporary socket and waits until it listens.
 * It is stopped (SIGTERM, then SIGKILL) after `t`'s test, subtests included.
 */
export async function startDemo(t: TestContext, extraArgs: readonly string[] = ['--job-step', '20ms']): Promise<DemoCli> {
  const socket = tempSocketPath(t, 'ganeti-query');
  const child = spawn(process.execPath, [cliPath(), 'serve', '--demo', '--socket', socket, '--log-level', 'warn', ...extraArgs], {
    cwd: repoRoot(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await closed;
    clearTimeout(timer);
  });
  let out = '';
  let err = '';
  child.stderr?.on('data', (c: Buffer) => (err += c.toString('utf8')));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve --demo did not listen within 15 s:\n${out}\n${err}`)), 15_000);
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      if (out.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve --demo exited ${code} before listening:\n${out}\n${err}`));
    });
  });
  return { socket, child };
}
