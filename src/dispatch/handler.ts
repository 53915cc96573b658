/**
 * The Handler contract (Ganeti `Handler i m o`): parse method and args into an input,
 * describe it for logs, execute it. The server (server.ts) drives handlers; protocols
 * (Luxi, generic RPC) and the demo implement them.
 */
import type { Logger } from '../logger.js';
import type { PeerCredentials } from '../transport/peer-credentials.js';

/** What a handler knows about the request it serves. */
export interface RequestContext {
  /** A number naming the connection in logs, unique per server. */
  readonly connectionId: number;
  /** The connecting process's uid/gid/pid, when the platform tells (see peer-credentials.ts). */
  readonly peer: PeerCredentials | undefined;
  /** Aborted when the connection goes away or the server is destroyed. */
  readonly signal: AbortSignal;
  /** The server's logger, bound to this connection. */
  readonly logger: Logger;
  /**
   * Closes the connection after this answer is sent: the `False` of Ganeti's
   * `HandlerResult (keepOpen, result)`. Ganeti's own daemons never use it.
   */
  closeAfterReply(): void;
}

/**
 * A request handler.
 * - `parse` turns the raw `method` and `args` into an input, or throws: the client then
 *   gets the plain string `"Failed to parse request: <message>"` and the connection is
 *   closed, exactly as Ganeti does (UDSServer.hs `handleRawMessage`).
 * - `exec` returns the result (or a promise of it). A thrown GanetiError is sent as
 *   `[Class,[args]]`; any other exception as GenericError, and the connection stays open
 *   (Ganeti would drop the answer and leave the client hanging); a {@link DropConnection}
 *   gets no answer and the connection is destroyed.
 */
export interface Handler<I = unknown, O = unknown> {
  parse(method: unknown, args: unknown, context: RequestContext): I;
  /** Short description of an input for debug logs (Ganeti `hInputLogShort`). */
  describeShort?(input: I): string;
  /** Long description of an input for debug logs (Ganeti `hInputLogLong`). */
  describeLong?(input: I): string;
  exec(input: I, context: RequestContext): O | Promise<O>;
}

/**
 * Thrown by a handler's `exec` (or the rejection of its promise) to answer nothing: the
 * server destroys the connection at once, as a daemon that dies in mid-request would
 * (answers of earlier requests already made are written first). Ganeti's daemons never
 * do this on purpose; it exists for fault injection (`serve --demo --fault RULE:drop`).
 */
export class DropConnection extends Error {
  override readonly name = 'DropConnection';
}

/** A Handler that answers every request with its args: what `serve --echo` runs. */
export const echoHandler: Handler<unknown, unknown> = {
  parse: (_method, args) => args,
  exec: (args) => args,
};
