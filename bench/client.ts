/**
 * A benchmark client process: `node build/bench/client.js '<json spec>'`, prints one JSON
 * line with its measurement. Modes: `load` (CONNS connections, DEPTH calls in flight on
 * each, counted after a warm-up), `large` (timed echo round trips of one big payload) and
 * `idle` (holds CONNS connections open without sending, until killed).
 */
import * as net from 'node:net';
import { connectClient } from '../src/index.js';
import { countEtx, etxSplitter, largePayload, smallRequest } from './lib/etx.js';
import { PEERS, connectPeer, type Caller, type Peer } from './peers.js';

/** What client.js is asked to do. */
export type ClientSpec =
  | { mode: 'load'; kind: string; socket: string; conns: number; depth: number; durationMs: number; warmupMs: number; msgBytes: number }
  | { mode: 'large'; kind: 'ours' | 'rawjson'; socket: string; bytes: number; iterations: number }
  | { mode: 'idle'; socket: string; conns: number };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function connectRaw(path: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(path);
    sock.once('connect', () => resolve(sock)).once('error', reject);
  });
}

/** A Caller over a plain socket with JSON.stringify / 0x03 scan / JSON.parse: the minimal JSON client. */
async function connectRawJson(path: string): Promise<Caller> {
  const sock = await connectRaw(path);
  const waiting: Array<(value: unknown) => void> = [];
  sock.on(
    'data',
    etxSplitter((message) => waiting.shift()?.(JSON.parse(message.toString()))),
  );
  return {
    call: (payload) =>
      new Promise((resolve) => {
        waiting.push(resolve);
        sock.write(JSON.stringify({ method: 'echo', args: [payload] }) + '\x03');
      }),
    close: () => sock.destroy(),
  };
}

async function connectOurs(path: string): Promise<Caller> {
  const client = await connectClient(path, { requestTimeoutMs: 600_000 });
  return { call: (payload) => client.call('echo', [payload]), close: () => client.destroy() };
}

async function connectCaller(kind: string, path: string, index: number): Promise<Caller> {
  if (kind === 'ours') return connectOurs(path);
  if (kind === 'rawjson') return connectRawJson(path);
  if ((PEERS as readonly string[]).includes(kind)) return connectPeer(kind as Peer, path, index);
  throw new Error(`unknown client kind ${kind}`);
}

/** Counts answers during the window after the warm-up. */
async function window(spec: { durationMs: number; warmupMs: number }, counter: () => number): Promise<{ ops: number; seconds: number }> {
  await sleep(spec.warmupMs);
  const c0 = counter();
  const t0 = performance.now();
  await sleep(spec.durationMs);
  const ops = counter() - c0;
  return { ops, seconds: (performance.now() - t0) / 1000 };
}

async function load(spec: Extract<ClientSpec, { mode: 'load' }>): Promise<unknown> {
  let count = 0;
  if (spec.kind === 'raw') {
    // No JSON: a fixed request, answers only counted, one new request per answer.
    const request = smallRequest(spec.msgBytes);
    const socks = await Promise.all(Array.from({ length: spec.conns }, () => connectRaw(spec.socket)));
    for (const sock of socks) {
      sock.on('data', (chunk: Buffer) => {
        const k = countEtx(chunk);
        count += k;
        if (k > 0) sock.write(k === 1 ? request : request.repeat(k));
      });
      sock.write(request.repeat(spec.depth));
    }
    const result = await window(spec, () => count);
    for (const sock of socks) sock.destroy();
    return result;
  }
  const payload = smallRequest(spec.msgBytes).slice(26, -4);
  const callers: Caller[] = [];
  for (let i = 0; i < spec.conns; i++) callers.push(await connectCaller(spec.kind, spec.socket, i));
  let stop = false;
  let failure: unknown;
  const loops: Array<Promise<void>> = [];
  for (const caller of callers) {
    for (let d = 0; d < spec.depth; d++) {
      loops.push(
        (async () => {
          while (!stop) {
            await caller.call(payload);
            count++;
          }
        })().catch((err: unknown) => {
          failure ??= err;
        }),
      );
    }
  }
  const result = await window(spec, () => count);
  stop = true;
  await Promise.race([Promise.all(loops), sleep(2000)]);
  for (const caller of callers) caller.close();
  if (failure !== undefined) throw failure;
  return result;
}

async function large(spec: Extract<ClientSpec, { mode: 'large' }>): Promise<unknown> {
  const payload = largePayload(spec.bytes);
  const caller = await connectCaller(spec.kind, spec.socket, 0);
  const ms: number[] = [];
  for (let i = 0; i < spec.iterations; i++) {
    const t0 = performance.now();
    const answer = await caller.call(payload);
    ms.push(performance.now() - t0);
    if (i === 0 && !isEcho(answer, payload.length)) throw new Error('the answer is not the echo of the request');
  }
  caller.close();
  return { ms };
}

/** Our client returns the result; the raw JSON client the whole answer object. */
function isEcho(answer: unknown, records: number): boolean {
  const result = (answer as { result?: unknown } | null)?.result ?? answer;
  return Array.isArray(result) && Array.isArray(result[0]) && result[0].length === records;
}

async function idle(spec: Extract<ClientSpec, { mode: 'idle' }>): Promise<void> {
  const socks: net.Socket[] = [];
  for (let i = 0; i < spec.conns; i += 100) {
    const batch = await Promise.all(Array.from({ length: Math.min(100, spec.conns - i) }, () => connectRaw(spec.socket)));
    socks.push(...batch);
  }
  for (const s of socks) s.on('error', () => {});
  process.stdout.write(JSON.stringify({ open: socks.length }) + '\n');
  await new Promise<void>((resolve) => process.stdin.once('end', resolve).resume());
  for (const s of socks) s.destroy();
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as ClientSpec;
  if (spec.mode === 'idle') return idle(spec);
  const result = spec.mode === 'load' ? await load(spec) : await large(spec);
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0); // peer clients (node-ipc, jayson) may keep handles open
}

main().catch((err: unknown) => {
  process.stderr.write(`bench client: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
