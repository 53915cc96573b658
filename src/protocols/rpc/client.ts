/**
 * RpcClient: calls on a generic Ganeti RPC daemon (WConfd, metad; Haskell
 * `HsRPC.callMethod`, Python's generated stubs): the positional arguments go out as the
 * `args` list, failures come back as typed GanetiErrors. Connection handling is the
 * dispatch Client's; this layer only shapes calls.
 */
import { type Client, connectClient, type CallOptions, type ConnectClientOptions } from '../../dispatch/client.js';

/** Options of {@link RpcClient.connect}: those of `connectClient`. */
export type RpcClientOptions = ConnectClientOptions;

/** A client of a generic RPC daemon. One connection; calls may be pipelined. */
export class RpcClient {
  /** The underlying connection. */
  readonly client: Client;

  /** Wraps an existing Client (a socket, a pipe pair, a handed-off connection). */
  constructor(client: Client) {
    this.client = client;
  }

  /**
   * Connects to the daemon at `path`.
   * @throws the errors of `connectClient` (NoMasterError, PermissionError, TimeoutError, ...).
   */
  static async connect(path: string, options: RpcClientOptions = {}): Promise<RpcClient> {
    return new RpcClient(await connectClient(path, options));
  }

  /** True once the connection ended. */
  get closed(): boolean {
    return this.client.closed;
  }

  /**
   * Calls `method` with `args` as the argument list.
   * @throws the daemon's GanetiError (e.g. `GenericError: No such method: foo`),
   *   RequestError for a plain-string failure, ConnectionClosedError, TimeoutError.
   */
  call(method: string, ...args: unknown[]): Promise<unknown> {
    return this.callWith({}, method, ...args);
  }

  /** As {@link call}, with per-call options (timeout, AbortSignal). */
  callWith(options: CallOptions, method: string, ...args: unknown[]): Promise<unknown> {
    return this.client.call(method, args, options);
  }

  /** `echo(s)`: the daemon returns `s` (a liveness test, `gnt-debug wconfd echo`). */
  async echo(text: string, options: CallOptions = {}): Promise<string> {
    const result = await this.client.call('echo', [text], options);
    return result as string;
  }

  /** Closes gracefully (answers still due are awaited). */
  close(): Promise<void> {
    return this.client.close();
  }

  /** Closes at once. */
  destroy(error?: Error): void {
    this.client.destroy(error);
  }
}
