/**
 * Diagnostics channels (`node:diagnostics_channel`): the server and client publish what
 * they do here, for tracers and metrics, without a logger. Owns the channel names and
 * message shapes; dispatch/server.ts and dispatch/client.ts publish, guarded by
 * `hasSubscribers`, so nothing is built when nobody listens.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import type { PeerCredentials } from './transport/peer-credentials.js';

/**
 * The channel names. Subscribe with `diagnostics_channel.subscribe(name, fn)`; the names
 * are stable API.
 * - `ganeti-uds:server:connect`: a server accepted a connection ({@link ServerConnectMessage}).
 * - `ganeti-uds:server:request`: a request was parsed and is about to be executed ({@link ServerRequestMessage}).
 * - `ganeti-uds:server:response`: an answer to a parsed request was written, success or failure ({@link ServerResponseMessage}).
 * - `ganeti-uds:server:error`: a request failed, to parse (answered with a plain string, then the connection closes)
 *   or in the handler (answered with `[Class,[args]]`) ({@link ServerErrorMessage}).
 * - `ganeti-uds:client:connect`: `connectClient` connected ({@link ClientConnectMessage}).
 * - `ganeti-uds:client:request`: `Client.call` is sending a request ({@link ClientRequestMessage}).
 * - `ganeti-uds:client:response`: a `Client.call` settled, with a result or an error ({@link ClientResponseMessage}).
 */
export const DiagnosticsChannelNames = {
  serverConnect: 'ganeti-uds:server:connect',
  serverRequest: 'ganeti-uds:server:request',
  serverResponse: 'ganeti-uds:server:response',
  serverError: 'ganeti-uds:server:error',
  clientConnect: 'ganeti-uds:client:connect',
  clientRequest: 'ganeti-uds:client:request',
  clientResponse: 'ganeti-uds:client:response',
} as const;
export type DiagnosticsChannelName = (typeof DiagnosticsChannelNames)[keyof typeof DiagnosticsChannelNames];

/** Published on `ganeti-uds:server:connect`. */
export interface ServerConnectMessage {
  /** The connection's number, as in the server's logs and `RequestContext.connectionId`. */
  readonly connectionId: number;
  /** The peer's uid/gid/pid when known. */
  readonly peer: PeerCredentials | undefined;
  /** The accepted stream (a net.Socket, or what `serve()` was given). */
  readonly stream: Duplex;
}

/** Published on `ganeti-uds:server:request`; the same object comes back in the response and error messages. */
export interface ServerRequestMessage {
  readonly connectionId: number;
  /** The request's `method` as sent (usually a string). */
  readonly method: unknown;
  /** The request's `args` as decoded (secrets included: subscribers must redact). */
  readonly args: unknown;
  /** What the handler's `parse` returned. */
  readonly input: unknown;
  /** `performance.now()` when the request was parsed. */
  readonly startedAt: number;
}

/** Published on `ganeti-uds:server:response`. */
export interface ServerResponseMessage {
  readonly connectionId: number;
  /** The request answered (the object published on `server:request`). */
  readonly request: ServerRequestMessage;
  readonly success: boolean;
  /** The result sent when `success`; undefined otherwise. */
  readonly result: unknown;
  /** The GanetiError sent (as `[Class,[args]]`) when not `success`; undefined otherwise. */
  readonly error: unknown;
  /** From parse to answer, in ms. */
  readonly durationMs: number;
}

/** Published on `ganeti-uds:server:error`. */
export interface ServerErrorMessage {
  readonly connectionId: number;
  /** `parse`: the request was refused with "Failed to parse request: ..."; `exec`: the handler failed. */
  readonly phase: 'parse' | 'exec';
  /** For `exec`, the GanetiError sent; for `parse`, an Error whose message is the reason sent. */
  readonly error: unknown;
  /** The request, for `exec` failures; undefined for `parse`. */
  readonly request: ServerRequestMessage | undefined;
}

/** Published on `ganeti-uds:client:connect`. */
export interface ClientConnectMessage {
  /** The socket path connected to. */
  readonly path: string;
  /** The new Client. */
  readonly client: object;
}

/** Published on `ganeti-uds:client:request`; the same object comes back in the response message. */
export interface ClientRequestMessage {
  /** The Client calling. */
  readonly client: object;
  readonly method: string;
  /** The args as given (secrets included: subscribers must redact). */
  readonly args: unknown;
  /** `performance.now()` when the call started. */
  readonly startedAt: number;
}

/** Published on `ganeti-uds:client:response`. */
export interface ClientResponseMessage {
  readonly client: object;
  /** The call (the object published on `client:request`). */
  readonly request: ClientRequestMessage;
  /** True when the call resolved. */
  readonly success: boolean;
  /** The result when `success`; undefined otherwise. */
  readonly result: unknown;
  /** Why the call rejected (a GanetiError from the daemon, a TimeoutError, ...); undefined on success. */
  readonly error: unknown;
  readonly durationMs: number;
}

/** The channels themselves, for `channel.subscribe(fn)` without repeating names. */
export const diagnosticsChannels = {
  serverConnect: diagnosticsChannel.channel(DiagnosticsChannelNames.serverConnect),
  serverRequest: diagnosticsChannel.channel(DiagnosticsChannelNames.serverRequest),
  serverResponse: diagnosticsChannel.channel(DiagnosticsChannelNames.serverResponse),
  serverError: diagnosticsChannel.channel(DiagnosticsChannelNames.serverError),
  clientConnect: diagnosticsChannel.channel(DiagnosticsChannelNames.clientConnect),
  clientRequest: diagnosticsChannel.channel(DiagnosticsChannelNames.clientRequest),
  clientResponse: diagnosticsChannel.channel(DiagnosticsChannelNames.clientResponse),
} as const;

const ch = diagnosticsChannels;

// The helpers below are what dispatch calls; each caller checks a `…Observed()` first,
// so without subscribers the only cost is reading a few `hasSubscribers` flags.

/** True when anyone listens to a server request, response or error channel. */
export function serverRequestsObserved(): boolean {
  return ch.serverRequest.hasSubscribers || ch.serverResponse.hasSubscribers || ch.serverError.hasSubscribers;
}

/** Publishes a server connection (no-op without subscribers). */
export function publishServerConnect(connectionId: number, peer: PeerCredentials | undefined, stream: Duplex): void {
  if (ch.serverConnect.hasSubscribers) ch.serverConnect.publish({ connectionId, peer, stream } satisfies ServerConnectMessage);
}

/** Publishes a parsed request and returns it, to hand to {@link publishServerAnswer}. */
export function publishServerRequest(connectionId: number, method: unknown, args: unknown, input: unknown): ServerRequestMessage {
  const request: ServerRequestMessage = { connectionId, method, args, input, startedAt: performance.now() };
  if (ch.serverRequest.hasSubscribers) ch.serverRequest.publish(request);
  return request;
}

/** Publishes the answer to `request`: a response, plus an `exec` error when it failed. */
export function publishServerAnswer(request: ServerRequestMessage, success: boolean, value: unknown): void {
  if (ch.serverResponse.hasSubscribers) {
    ch.serverResponse.publish({
      connectionId: request.connectionId,
      request,
      success,
      result: success ? value : undefined,
      error: success ? undefined : value,
      durationMs: performance.now() - request.startedAt,
    } satisfies ServerResponseMessage);
  }
  if (!success && ch.serverError.hasSubscribers) {
    ch.serverError.publish({ connectionId: request.connectionId, phase: 'exec', error: value, request } satisfies ServerErrorMessage);
  }
}

/** Publishes a request refused as unparsable (no-op without subscribers). */
export function publishServerParseError(connectionId: number, reason: string): void {
  if (ch.serverError.hasSubscribers) {
    ch.serverError.publish({ connectionId, phase: 'parse', error: new Error(reason), request: undefined } satisfies ServerErrorMessage);
  }
}

/** Publishes a client connection (no-op without subscribers). */
export function publishClientConnect(path: string, client: object): void {
  if (ch.clientConnect.hasSubscribers) ch.clientConnect.publish({ path, client } satisfies ClientConnectMessage);
}

/** True when anyone listens to the client request or response channel. */
export function clientCallsObserved(): boolean {
  return ch.clientRequest.hasSubscribers || ch.clientResponse.hasSubscribers;
}

/** Publishes a call, runs it, and publishes how it settled. Returns the call's own promise outcome. */
export function observeClientCall(client: object, method: string, args: unknown, run: () => Promise<unknown>): Promise<unknown> {
  const request: ClientRequestMessage = { client, method, args, startedAt: performance.now() };
  if (ch.clientRequest.hasSubscribers) ch.clientRequest.publish(request);
  const settle = (success: boolean, result: unknown, error: unknown): void => {
    if (!ch.clientResponse.hasSubscribers) return;
    ch.clientResponse.publish({
      client,
      request,
      success,
      result,
      error,
      durationMs: performance.now() - request.startedAt,
    } satisfies ClientResponseMessage);
  };
  return run().then(
    (result) => {
      settle(true, result, undefined);
      return result;
    },
    (error: unknown) => {
      settle(false, undefined, error);
      throw error;
    },
  );
}
