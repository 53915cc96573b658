/**
 * Pipe plumbing (Ganeti `pipeClient`, spec §3.1 and §6.5): a crosswise pair of real OS
 * pipes, a child process's stdin/stdout, and our own stdin/stdout, each as a
 * `{ readable, writable }` stream pair. Clients over these streams are built above, in
 * protocols/rpc/process-clients.ts; this file only opens and wraps file descriptors.
 */
import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { closeSync, constants as fsConstants, mkdtempSync, openSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { ErrorCodes, ProtocolError } from '../errors.js';

/** A read side and a write side: one end of a pipe pair. */
export interface PipeEnd {
  readable: Readable;
  writable: Writable;
}

/** Options of {@link openPipePair}. */
export interface PipePairOptions {
  /** Directory in which the short-lived FIFO directory is made. Default: `os.tmpdir()`. */
  dir?: string;
  /** Aborts opening; the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
}

function runMkfifo(paths: string[], signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('mkfifo', ['-m', '600', ...paths], { signal }, (err) => {
      if (err === null) resolve();
      else if (signal?.aborted) reject(signal.reason);
      else reject(new ProtocolError(`mkfifo failed: ${err.message}`, ErrorCodes.connect, { cause: err }));
    });
  });
}

/**
 * Opens two OS pipes (FIFOs) and returns their ends wired crosswise, as Ganeti's
 * `pipeClient` does: end A reads pipe 1 and writes pipe 2, end B reads pipe 2 and writes
 * pipe 1. Node has no pipe(2), so the pipes are named FIFOs made with `mkfifo` in a fresh
 * private directory, opened non-blocking (read ends first, so that opening the write ends
 * does not fail with ENXIO), and unlinked at once: only the descriptors remain.
 * @throws ProtocolError (UDS_ERR_CONNECT) if `mkfifo` is missing or fails.
 */
export async function openPipePair(options: PipePairOptions = {}): Promise<[PipeEnd, PipeEnd]> {
  options.signal?.throwIfAborted();
  const dir = mkdtempSync(join(options.dir ?? tmpdir(), 'ganeti-uds-pipe-'));
  const fds: number[] = [];
  try {
    const p1 = join(dir, 'p1');
    const p2 = join(dir, 'p2');
    await runMkfifo([p1, p2], options.signal);
    const { O_RDONLY, O_WRONLY, O_NONBLOCK } = fsConstants;
    const r1 = openSync(p1, O_RDONLY | O_NONBLOCK);
    fds.push(r1);
    const r2 = openSync(p2, O_RDONLY | O_NONBLOCK);
    fds.push(r2);
    const w1 = openSync(p1, O_WRONLY | O_NONBLOCK);
    fds.push(w1);
    const w2 = openSync(p2, O_WRONLY | O_NONBLOCK);
    fds.push(w2);
    // libuv sees a FIFO as a pipe and handles it like a socket: non-blocking, in the event loop.
    const reader = (fd: number): Readable => new net.Socket({ fd, readable: true, writable: false });
    const writer = (fd: number): Writable => new net.Socket({ fd, readable: false, writable: true });
    const a: PipeEnd = { readable: reader(r1), writable: writer(w2) };
    const b: PipeEnd = { readable: reader(r2), writable: writer(w1) };
    return [a, b];
  } catch (err) {
    for (const fd of fds) closeSync(fd);
    throw err;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The pipe ends of a child spawned with `stdio: ['pipe', 'pipe', ...]`: we read its
 * stdout and write its stdin (Ganeti passes `clientToHandle` of a pipe client as the
 * job's stdin/stdout, Query/Exec.hs).
 * @throws TypeError if the child's stdin or stdout is not a pipe.
 */
export function childStdioStreams(child: ChildProcess): PipeEnd {
  if (child.stdout === null || child.stdin === null) {
    throw new TypeError("the child's stdin and stdout must be pipes (spawn with stdio: ['pipe', 'pipe', ...])");
  }
  return { readable: child.stdout, writable: child.stdin };
}

/** This process's stdin and stdout: the child side of {@link childStdioStreams}. */
export function processStdioStreams(): PipeEnd {
  return { readable: process.stdin, writable: process.stdout };
}
