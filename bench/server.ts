/**
 * A benchmark server process: `node build/bench/server.js KIND SOCKET`, prints READY once
 * listening and runs until killed. KIND is `ours` (createServer + echoHandler, backlog 4096),
 * `ours-defaults` (the same with the default backlog: only the connection limits lifted),
 * `raw` (the raw framer reference: 0x03 splitting, no JSON), `barejson` (the bare JSON
 * reference: the same framer, JSON.parse and JSON.stringify, no safety) or a peer library
 * (peers.ts).
 */
import { rmSync } from 'node:fs';
import * as net from 'node:net';
import { createServer, echoHandler } from '../src/index.js';
import { etxSplitter } from './lib/etx.js';
import { PEERS, startPeerServer, type Peer } from './peers.js';

const ARGS_KEY = Buffer.from('"args":');
const RESULT_HEAD = Buffer.from('{"success":true,"result":');
const ETX = Buffer.from([3]);

/**
 * The raw reference server: answers {"method":M,"args":X} with {"success":true,"result":X}
 * by byte surgery, without parsing (as the C server does), so our client can talk to it.
 */
function startRawServer(path: string): Promise<void> {
  const server = net.createServer((sock) => {
    sock.on('error', () => {});
    const split = etxSplitter((message) => {
      const at = message.subarray(0, 256).indexOf(ARGS_KEY);
      if (at === -1) {
        sock.write(message);
      } else {
        sock.write(RESULT_HEAD);
        sock.write(message.subarray(at + ARGS_KEY.length));
      }
      sock.write(ETX);
    });
    sock.on('data', (chunk: Buffer) => {
      // All answers to one read leave in one writev.
      sock.cork();
      split(chunk);
      sock.uncork();
    });
  });
  return new Promise((resolve) => server.listen({ path, backlog: 4096 }, resolve));
}

/**
 * The bare JSON reference server (perf-notes "Node good JSON" without its backpressure):
 * the raw server's framer, `JSON.parse(buf.toString())` of each message and one write of
 * `JSON.stringify({success:true,result:args}) + ETX` per answer; no exactness scan, no
 * ASCII check, no limits, no timers, no logger. Cork/uncork per read, so the answers to
 * pipelined requests leave in one writev. What any Node peer costs at best.
 */
function startBareJsonServer(path: string): Promise<void> {
  const server = net.createServer((sock) => {
    sock.on('error', () => {});
    const split = etxSplitter((message) => {
      const request = JSON.parse(message.toString()) as { args?: unknown };
      sock.write(JSON.stringify({ success: true, result: request.args }) + '\x03');
    });
    sock.on('data', (chunk: Buffer) => {
      sock.cork();
      split(chunk);
      sock.uncork();
    });
  });
  return new Promise((resolve) => server.listen({ path, backlog: 4096 }, resolve));
}

async function main(): Promise<void> {
  const [kind, path] = process.argv.slice(2);
  if (kind === undefined || path === undefined) throw new Error('usage: server.js KIND SOCKET');
  if (kind === 'ours') {
    // The per-user limit (1024) would refuse the idle-connections scenario; nothing else changes.
    const server = createServer(echoHandler, { maxConnectionsPerUser: 0, maxConnections: 0, backlog: 4096 });
    await server.listen(path);
  } else if (kind === 'ours-defaults') {
    // The connect-burst scenario judges the default backlog: only the connection counts are lifted.
    const server = createServer(echoHandler, { maxConnectionsPerUser: 0, maxConnections: 0 });
    await server.listen(path);
  } else if (kind === 'raw') {
    rmSync(path, { force: true }); // left by an earlier run of this kind, killed by signal
    await startRawServer(path);
  } else if (kind === 'barejson') {
    rmSync(path, { force: true });
    await startBareJsonServer(path);
  } else if ((PEERS as readonly string[]).includes(kind)) {
    rmSync(path, { force: true });
    await startPeerServer(kind as Peer, path);
  } else {
    throw new Error(`unknown server kind ${kind}`);
  }
  // Exit normally on SIGTERM so that `node --cpu-prof` writes its profile.
  process.on('SIGTERM', () => process.exit(0));
  process.stdout.write('READY\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`bench server: ${String(err)}\n`);
  process.exitCode = 1;
});
