/**
 * Process plumbing for the benchmark runner: compiling the C references, starting server
 * processes (optionally pinned to a CPU), running one-shot client processes, and reading
 * a process's memory from /proc. No measurements are made here.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** build/bench/ (where client.js and server.js live). */
export const BENCH_BUILD_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
/** The repository root (two levels above build/bench/, or above bench/ when run elsewhere). */
export const REPO_DIR = dirname(dirname(BENCH_BUILD_DIR));

/** The middle value (mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Paths of the compiled C references, or why they are missing. */
export interface CBinaries {
  server?: string;
  client?: string;
  note?: string;
}

/** Compiles bench/c/*.c with `cc -O2` into `outDir`; reports a note when there is no compiler. */
export function compileC(sourceDir: string, outDir: string): CBinaries {
  const probe = spawnSync('cc', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return { note: 'no C compiler (cc): C reference rows skipped' };
  mkdirSync(outDir, { recursive: true });
  const out: CBinaries = {};
  for (const name of ['server', 'client'] as const) {
    const bin = join(outDir, `echo_${name}`);
    const r = spawnSync('cc', ['-O2', '-o', bin, join(sourceDir, `echo_${name}.c`)], { encoding: 'utf8' });
    if (r.status !== 0) return { note: `cc failed on echo_${name}.c: ${r.stderr.trim().split('\n')[0] ?? ''}` };
    out[name] = bin;
  }
  return out;
}

/** True when `taskset` can pin a process to CPU 0 here. */
export function canPin(): boolean {
  const r = spawnSync('taskset', ['-c', '0', 'true']);
  return !r.error && r.status === 0;
}

function withPin(cmd: string[], cpu: number | undefined): string[] {
  return cpu === undefined ? cmd : ['taskset', '-c', String(cpu), ...cmd];
}

/** A running server process. */
export interface ServerProc {
  readonly pid: number;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `cmd` and waits (up to `timeoutMs`) for it to print READY. */
export function startServer(cmd: string[], options: { cpu?: number; timeoutMs?: number } = {}): Promise<ServerProc> {
  const [file, ...args] = withPin(cmd, options.cpu);
  const child = spawn(file as string, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd.join(' ')} did not get ready: ${stderr}`));
    }, options.timeoutMs ?? 15_000);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('READY')) {
        clearTimeout(timer);
        resolve({
          pid: child.pid as number,
          child,
          stop: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${cmd.join(' ')} exited (${String(code)}) before READY: ${stderr}`));
    });
  });
}

/**
 * Runs a one-shot process and parses the JSON of its last output line. A non-zero exit
 * rejects, unless `anyExit` (for programs that report a failed verdict by their exit code).
 */
export function runJson(
  cmd: string[],
  options: { cpu?: number; timeoutMs?: number; env?: NodeJS.ProcessEnv; anyExit?: boolean } = {},
): Promise<unknown> {
  const [file, ...args] = withPin(cmd, options.cpu);
  const child = spawn(file as string, args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0 && (options.anyExit !== true || signal !== null)) {
        reject(
          new Error(
            `${cmd[0] ?? ''} ${signal === 'SIGKILL' ? 'timed out' : `failed (${String(code)})`}: ${err.trim().split('\n').slice(0, 3).join(' | ')}`,
          ),
        );
        return;
      }
      try {
        resolve(JSON.parse(last));
      } catch {
        reject(new Error(`${cmd[0] ?? ''} printed no JSON: ${last.slice(0, 200)}`));
      }
    });
  });
}

/** VmRSS and VmHWM (peak) of a process, in bytes. */
export function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

/** Resets a process's peak RSS (VmHWM) to its current RSS; false where the kernel refuses. */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}
