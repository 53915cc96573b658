/**
 * Test helpers for the hardening suite: a raw socket peer that writes arbitrary bytes and
 * collects framed answers, a server started for one test, and a server in a child process
 * (so its memory can be measured apart from the test's own buffers).
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeJson } from '../../src/codec.js';
import { createServer, type ServerOptions, type UdsServer } from '../../src/dispatch/server.js';
import type { Handler } from '../../src/dispatch/handler.js';
import { FrameDecoder } from '../../src/framing.js';
import { tempSocketPath } from '../helpers/tmp.js';

/** The answer a server sends for a request it cannot parse (spec §4, UDSServer.hs handleRawMessage). */
export const FAILED_TO_PARSE = 'Failed to parse request: ';

/** A decoded answer. */
export interface Answer {
  success: unknown;
  result: unknown;
}

/**
 * A client that speaks bytes, not calls: it writes whatever it is given and collects the
 * frames that come back, and notices when the server closes.
 */
export class RawPeer {
  readonly socket: net.Socket;
  readonly frames: Buffer[] = [];
  /** Set once the server ended or the socket broke. */
  closed = false;
  error: Error | undefined;
  readonly #decoder = new FrameDecoder({ maxMessageBytes: 0 });
  #wake: (() => void) | undefined;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      for (const f of this.#decoder.push(chunk)) this.frames.push(Buffer.from(f));
      this.#wake?.();
    });
    const done = (): void => {
      this.closed = true;
      this.#wake?.();
    };
    socket.on('end', done);
    socket.on('close', done);
    socket.on('error', (err) => {
      this.error = err;
      done();
    });
  }

  /** Connects to `path`; the socket is destroyed after the test. */
  static open(t: TestContext, path: string): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection({ path, allowHalfOpen: true });
      t.after(() => socket.destroy());
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawPeer(socket));
      });
    });
  }

  /** Writes bytes and resolves once they are handed to the kernel (or the socket broke). */
  write(data: Buffer | string): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) {
        resolve();
        return;
      }
      this.socket.write(data, () => resolve());
    });
  }

  /** Waits until `test()` holds; rejects after `timeoutMs` with `what` in the message. */
  async until(test: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!test()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what} (${this.frames.length} frames, closed=${this.closed})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }

  /** Waits for `n` frames and returns them decoded. */
  async answers(n: number, timeoutMs = 5000): Promise<Answer[]> {
    await this.until(() => this.frames.length >= n || (this.closed && this.frames.length < n), `${n} answers`, timeoutMs);
    if (this.frames.length < n) throw new Error(`connection closed after ${this.frames.length} of ${n} answers`);
    return this.frames.slice(0, n).map((f) => decodeJson(f) as Answer);
  }

  /** Waits for the server to close the connection. */
  async closedByServer(timeoutMs = 5000): Promise<void> {
    await this.until(() => this.closed, 'the server to close the connection', timeoutMs);
  }
}

/** Starts a server on a fresh socket path; it is closed after the test. */
export async function startServer(
  t: TestContext,
  handler: Handler<never, unknown> | Handler<unknown, unknown>,
  options: ServerOptions = {},
): Promise<{ server: UdsServer; path: string }> {
  const path = tempSocketPath(t);
  const server = createServer(handler as Handler<never, unknown>, options);
  await server.listen(path);
  t.after(() => server.close(0));
  return { server, path };
}

/** Sends one well-formed request on a new connection and returns its answer. */
export async function normalRequest(t: TestContext, path: string, args: unknown = ['still serving']): Promise<Answer> {
  const peer = await RawPeer.open(t, path);
  await peer.write(`{"method":"echo","args":${JSON.stringify(args)}}\x03`);
  const [answer] = await peer.answers(1);
  peer.socket.destroy();
  return answer as Answer;
}

/** What the child server reports over IPC. */
export interface ChildReport {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  stats: Record<string, number>;
}

/** A server running in a child process (fixtures/child-server.ts). */
export interface ChildServer {
  child: ChildProcess;
  path: string;
  report(): Promise<ChildReport>;
}

/**
 * Forks fixtures/child-server.js serving `handler` ('echo' | 'big') with `options`, and
 * waits until it listens. The child is killed after the test.
 */
export async function startChildServer(t: TestContext, handler: 'echo' | 'big', options: ServerOptions = {}): Promise<ChildServer> {
  const path = tempSocketPath(t);
  const script = fileURLToPath(new URL('./fixtures/child-server.js', import.meta.url));
  const child = fork(script, [JSON.stringify({ path, handler, options })], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('child server did not start')), 10_000);
    child.once('message', () => {
      clearTimeout(timer);
      resolve();
    });
    child.once('exit', (code) => reject(new Error(`child server exited with ${String(code)}`)));
  });
  const report = (): Promise<ChildReport> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('child server did not report')), 10_000);
      child.once('message', (m) => {
        clearTimeout(timer);
        resolve(m as ChildReport);
      });
      child.send('report');
    });
  return { child, path, report };
}

/** Megabytes, rounded, for diagnostics. */
export function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}
