/**
 * The peer RPC libraries on the benchmark's echo scenario: a server and a client for each
 * of json-rpc-2.0, vscode-jsonrpc, jayson and node-ipc, set up as each library's own
 * documentation suggests. Only bench/server.ts and bench/client.ts use this module.
 */
import { createRequire } from 'node:module';
import * as net from 'node:net';
import { etxSplitter } from './lib/etx.js';

const require = createRequire(import.meta.url);

/** The peer libraries benchmarked. */
export const PEERS = ['jsonrpc2', 'vscode', 'jayson', 'nodeipc'] as const;
export type Peer = (typeof PEERS)[number];

/** One connection of a peer client: `call` sends one echo request and resolves with its answer. */
export interface Caller {
  call(payload: unknown): Promise<unknown>;
  close(): void;
}

/** Starts the peer's echo server on `path`; resolves once it listens. */
export async function startPeerServer(peer: Peer, path: string): Promise<void> {
  switch (peer) {
    case 'jsonrpc2': {
      // json-rpc-2.0 has no transport; it gets the same careful 0x03 framer as the raw server.
      const { JSONRPCServer } = await import('json-rpc-2.0');
      const rpc = new JSONRPCServer();
      rpc.addMethod('echo', (params: unknown) => params);
      const server = net.createServer((sock) => {
        sock.on('error', () => {});
        sock.on(
          'data',
          etxSplitter((message) => {
            void rpc.receiveJSON(message.toString()).then((response) => {
              if (response !== null) sock.write(JSON.stringify(response) + '\x03');
            });
          }),
        );
      });
      await new Promise<void>((resolve) => server.listen(path, resolve));
      return;
    }
    case 'vscode': {
      const rpc = await import('vscode-jsonrpc/node');
      const server = net.createServer((sock) => {
        sock.on('error', () => {});
        const conn = rpc.createMessageConnection(new rpc.SocketMessageReader(sock), new rpc.SocketMessageWriter(sock));
        conn.onRequest('echo', (params: unknown) => params);
        conn.onError(() => {});
        conn.listen();
      });
      await new Promise<void>((resolve) => server.listen(path, resolve));
      return;
    }
    case 'jayson': {
      const jayson = require('jayson') as JaysonModule;
      const server = new jayson.Server({
        echo: (args: unknown, callback: (err: unknown, result: unknown) => void) => callback(null, args),
      });
      await new Promise<void>((resolve) => server.tcp().listen(path, resolve));
      return;
    }
    case 'nodeipc': {
      const { IPCModule } = require('node-ipc') as { IPCModule: new () => NodeIpc };
      const ipc = new IPCModule();
      ipc.config.id = 'bench';
      ipc.config.silent = true; // node-ipc logs every event by default
      ipc.config.maxConnections = 10000;
      await new Promise<void>((resolve) => {
        ipc.serve(path, () => {
          ipc.server.on('echo', (data: unknown, socket: unknown) => ipc.server.emit(socket, 'echo', data));
          resolve();
        });
        ipc.server.start();
      });
      return;
    }
  }
}

/** Opens one client connection of the peer to `path`. */
export async function connectPeer(peer: Peer, path: string, index: number): Promise<Caller> {
  switch (peer) {
    case 'jsonrpc2': {
      const { JSONRPCClient } = await import('json-rpc-2.0');
      const sock = net.connect(path);
      await new Promise<void>((resolve, reject) => sock.once('connect', resolve).once('error', reject));
      const client = new JSONRPCClient((request) => {
        sock.write(JSON.stringify(request) + '\x03');
      });
      sock.on(
        'data',
        etxSplitter((message) => client.receive(JSON.parse(message.toString()))),
      );
      return { call: (payload) => Promise.resolve(client.request('echo', [payload])), close: () => sock.destroy() };
    }
    case 'vscode': {
      const rpc = await import('vscode-jsonrpc/node');
      const sock = net.connect(path);
      await new Promise<void>((resolve, reject) => sock.once('connect', resolve).once('error', reject));
      const conn = rpc.createMessageConnection(new rpc.SocketMessageReader(sock), new rpc.SocketMessageWriter(sock));
      conn.listen();
      // Array params would be spread into handler arguments: send them as an object.
      return {
        call: (payload) => conn.sendRequest('echo', { args: [payload] }),
        close: () => {
          conn.dispose();
          sock.destroy();
        },
      };
    }
    case 'jayson': {
      // jayson's TCP client opens a new connection for every request (no keep-alive).
      const jayson = require('jayson') as JaysonModule;
      const client = jayson.client.tcp({ path });
      return {
        call: (payload) =>
          new Promise((resolve, reject) => {
            client.request('echo', [payload], (err: unknown, response: unknown) => (err ? reject(err) : resolve(response)));
          }),
        close: () => {},
      };
    }
    case 'nodeipc': {
      const { IPCModule } = require('node-ipc') as { IPCModule: new () => NodeIpc };
      const ipc = new IPCModule();
      ipc.config.id = `client${index}`;
      ipc.config.silent = true;
      ipc.config.maxRetries = 0;
      const waiting: Array<(value: unknown) => void> = [];
      const of = await new Promise<NodeIpcSocket>((resolve) => {
        ipc.connectTo('bench', path, () => {
          const s = ipc.of['bench'] as NodeIpcSocket;
          s.on('echo', (data: unknown) => waiting.shift()?.(data));
          s.on('connect', () => resolve(s));
        });
      });
      return {
        call: (payload) =>
          new Promise((resolve) => {
            waiting.push(resolve);
            of.emit('echo', payload);
          }),
        close: () => ipc.disconnect('bench'),
      };
    }
  }
}

interface JaysonModule {
  Server: new (methods: Record<string, unknown>) => { tcp(): net.Server };
  client: {
    tcp(options: { path: string }): { request(method: string, params: unknown, cb: (err: unknown, response: unknown) => void): void };
  };
}

interface NodeIpcSocket {
  on(event: string, listener: (...args: never[]) => void): void;
  emit(event: string, data: unknown): void;
}

interface NodeIpc {
  config: { id: string; silent: boolean; maxConnections: number; maxRetries: number | boolean };
  serve(path: string, callback: () => void): void;
  server: {
    on(event: string, listener: (data: unknown, socket: unknown) => void): void;
    emit(socket: unknown, event: string, data: unknown): void;
    start(): void;
  };
  connectTo(id: string, path: string, callback: () => void): void;
  of: Record<string, NodeIpcSocket | undefined>;
  disconnect(id: string): void;
}
