/**
 * Clients over process channels, the way Ganeti talks to its job processes: a pipe pair
 * (`pipeClient`), a child's stdin/stdout (luxid <-> job process, spec §6.5), our own
 * stdin/stdout (the job side), and a connection handed to a forked child. The stream
 * plumbing is in transport/pipe.ts and transport/handoff.ts; this file builds Clients.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import * as net from 'node:net';
import type { Writable } from 'node:stream';
import { Client, type ClientOptions } from '../../dispatch/client.js';
import { ErrorCodes, ProtocolError } from '../../errors.js';
import { receiveSocket, sendSocket, type ReceiveSocketOptions } from '../../transport/handoff.js';
import { childStdioStreams, openPipePair, processStdioStreams, type PipePairOptions } from '../../transport/pipe.js';

/** Timeout of each message on the luxid <-> job-process pipe: 30 s (Query/Exec.hs). */
export const DEFAULT_JOB_PIPE_TIMEOUT_MS = 30_000;

function withPipeDefaults(options: ClientOptions): ClientOptions {
  return { ...options, requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_JOB_PIPE_TIMEOUT_MS };
}

/** Options of {@link pipeClient}. */
export interface PipeClientOptions extends ClientOptions, PipePairOptions {}

/**
 * Two Clients joined by a pair of OS pipes, wired crosswise (Ganeti `pipeClient`): what
 * one sends, the other receives. `requestTimeoutMs` defaults to 30 s, as on the job pipe.
 * Closing one makes the other see `closed`.
 * @throws see `openPipePair`.
 */
export async function pipeClient(options: PipeClientOptions = {}): Promise<[Client, Client]> {
  const [a, b] = await openPipePair(options);
  const clientOptions = withPipeDefaults(options);
  return [new Client(a, clientOptions), new Client(b, clientOptions)];
}

/** Options of {@link spawnWithClient}. */
export interface SpawnWithClientOptions extends Omit<SpawnOptions, 'stdio'> {
  /** Where the child's stderr goes. Default: `'inherit'`. */
  stderr?: 'inherit' | 'pipe' | 'ignore';
  /** Options of the Client; `requestTimeoutMs` defaults to 30 s. */
  client?: ClientOptions;
}

/**
 * Starts `command` with a Client on its stdin/stdout, as luxid starts a job process
 * (Query/Exec.hs `forkJobProcess`: createProcess with the child end of a pipe client as
 * its stdin/stdout). The child talks back with {@link stdioClient}.
 * @throws the errors of `child_process.spawn` (a missing command is reported by the
 *   child's 'error' event, which also closes the client).
 */
export function spawnWithClient(
  command: string,
  args: readonly string[] = [],
  options: SpawnWithClientOptions = {},
): {
  child: ChildProcess;
  client: Client;
} {
  const { stderr = 'inherit', client: clientOptions = {}, ...spawnOptions } = options;
  const child = spawn(command, args, { ...spawnOptions, stdio: ['pipe', 'pipe', stderr] });
  const client = new Client(childStdioStreams(child), withPipeDefaults(clientOptions));
  child.on('error', (err) => client.destroy(new ProtocolError(`${command}: ${err.message}`, ErrorCodes.connect, { cause: err })));
  return { child, client };
}

/**
 * A Client on this process's stdin/stdout: the job-process side of
 * {@link spawnWithClient} (Python's `FdTransport` on fds 0 and 1). Nothing else may
 * write to stdout while it is in use.
 */
export function stdioClient(options: ClientOptions = {}): Client {
  return new Client(processStdioStreams(), withPipeDefaults(options));
}

/**
 * Hands `client`'s connection to `child` (forked with an IPC channel), with the bytes it
 * had read but not consumed: pipelined requests already buffered here are answered there,
 * in order. `client` is closed here afterwards. Only socket connections can be handed off.
 * @throws ProtocolError if the client has calls in flight, is not over a socket, or the
 *   child has no IPC channel.
 */
export async function handOffClient(client: Client, child: ChildProcess, info?: unknown): Promise<void> {
  const { readable, writable } = client.streams;
  if (!(readable instanceof net.Socket) || (readable as unknown) !== writable) {
    throw new ProtocolError('only a client over a socket can be handed off', ErrorCodes.invalidMessage);
  }
  if (!child.connected) {
    throw new ProtocolError(
      'cannot hand off a connection: the child has no IPC channel (use child_process.fork)',
      ErrorCodes.invalidMessage,
    );
  }
  const { buffered } = client.detach();
  // Answers written just before (the Client corks writes for a tick) must reach the
  // kernel before the descriptor leaves this process: Node drops unsent data with it.
  await flushWrites(readable);
  await sendSocket(child, readable, buffered, info);
}

function flushWrites(writable: Writable): Promise<void> {
  if (writable.destroyed || writable.writableEnded) return Promise.resolve();
  while (writable.writableCorked > 0) writable.uncork();
  return new Promise((resolve, reject) => {
    writable.write(Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
  });
}

/**
 * Waits until every message sent on `client` has reached the OS, then closes it. Use it
 * after a last `send` (the job pipe ends with one): `Client.close()` alone may drop
 * writes still queued in the stream.
 */
export async function flushAndClose(client: Client): Promise<void> {
  if (!client.closed) await flushWrites(client.streams.writable).catch(() => undefined);
  await client.close();
}

/** Options of {@link receiveHandedOffClient}. */
export interface ReceiveClientOptions extends ClientOptions, ReceiveSocketOptions {}

/**
 * Waits for a connection handed to this process by {@link handOffClient} and returns a
 * Client over it, whose first messages are those the sender had already read. (The
 * sender's `info` is available from transport/handoff.ts `receiveSocket`.)
 * @throws TimeoutError after `timeoutMs`; ProtocolError without an IPC channel.
 */
export async function receiveHandedOffClient(options: ReceiveClientOptions = {}): Promise<Client> {
  const { socket } = await receiveSocket(options);
  return new Client(socket, options);
}
