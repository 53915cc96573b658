/**
 * A custom RPC daemon built on the generic dispatcher (the semantics of Ganeti's WConfd
 * and metad: named methods with fixed arities, GenericError for unknown methods and bad
 * arguments), and an RpcClient calling it. Starts the daemon, makes a few calls, shuts
 * down, exits 0.
 *
 * Run: node build/examples/examples/rpc-daemon.js [SOCKET]
 * SOCKET is where the daemon listens; default: a fresh temporary directory. Unlike the
 * other examples it does not read $GANETI_UDS_SOCKET: that names the luxid they talk to,
 * and this script serves its own socket.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GanetiError, RpcClient, createRpcHandler, createServer, readInt, readString, rpcMethod, rpcMethodOfArity } from '../src/index.js';

const tempDir = process.argv[2] === undefined ? mkdtempSync(join(tmpdir(), 'rpc-example-')) : undefined;
const socket = process.argv[2] ?? join(tempDir ?? '.', 'counter.sock');

// The daemon: a counter service. Readers check each argument as Ganeti's JSON readers do.
let counter = 0;
const handler = createRpcHandler(
  {
    add: rpcMethod([readInt], ([n]) => (counter += Number(n))),
    get: rpcMethodOfArity(0, () => counter),
    greet: rpcMethod([readString], ([name]) => `Hello, ${name}! The counter is at ${counter}.`),
    // A failure inside a method is answered as GenericError with its message.
    reset: rpcMethodOfArity(0, () => {
      if (counter < 0) throw new Error('refusing to reset a negative counter');
      counter = 0;
    }),
  },
  { withEcho: true },
);
const server = createServer(handler);
try {
  await server.listen(socket);
  console.log(`daemon listening on ${socket}`);
  await useDaemon();
} finally {
  await server.close();
  if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true });
}
console.log('daemon stopped');

/** The client side: a few calls, then the errors a generic RPC daemon answers. */
async function useDaemon(): Promise<void> {
  const client = await RpcClient.connect(socket);
  try {
    console.log(`echo("ping")        -> ${JSON.stringify(await client.echo('ping'))}`);
    console.log(`add(5)              -> ${JSON.stringify(await client.call('add', 5))}`);
    console.log(`add(37)             -> ${JSON.stringify(await client.call('add', 37))}`);
    console.log(`greet("operator")   -> ${JSON.stringify(await client.call('greet', 'operator'))}`);
    console.log(`reset()             -> ${JSON.stringify(await client.call('reset'))}`);
    console.log(`get()               -> ${JSON.stringify(await client.call('get'))}`);
    // Errors come back typed; the connection stays open after them.
    for (const [label, method, args] of [
      ['add("five")', 'add', ['five']],
      ['add(1, 2)', 'add', [1, 2]],
      ['frobnicate()', 'frobnicate', []],
    ] as const) {
      try {
        await client.call(method, ...args);
        console.log(`${label.padEnd(19)} -> unexpectedly succeeded`);
        process.exitCode = 1;
      } catch (err) {
        if (!(err instanceof GanetiError)) throw err;
        console.log(`${label.padEnd(19)} -> ${err.className}: ${err.message}`);
      }
    }
  } finally {
    await client.close();
  }
}
