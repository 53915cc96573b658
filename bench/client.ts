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
  | {
      mode: 'large';
      /** `ours`, `rawjson` or a peer library (its own client). */
      kind: string;
      socket: string;
      bytes: number;
      iterations: number;
      /** Stop early once another call would end after this many ms (at least two calls are made). */
      budgetMs?: number;
      /** Give up when one call takes longer than this (the answer then says `timedOut`). */
      callTimeoutMs?: number;
    }
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
  const started = performance.now();
  for (let i = 0; i < spec.iterations; i++) {
    const last = ms[ms.length - 1] ?? 0;
    if (spec.budgetMs !== undefined && ms.length >= 2 && performance.now() - started + last > spec.budgetMs) break;
    const t0 = performance.now();
    const answer = await withTimeout(caller.call(payload), spec.callTimeoutMs);
    if (answer === TIMED_OUT) return { ms, timedOut: true, afterMs: performance.now() - t0 };
    ms.push(performance.now() - t0);
    if (i === 0 && echoedRecords(answer) !== payload.length) throw new Error('the answer is not the echo of the request');
  }
  caller.close();
  return { ms };
}

const TIMED_OUT = Symbol('timed out');

function withTimeout<T>(p: Promise<T>, ms: number | undefined): Promise<T | typeof TIMED_OUT> {
  if (ms === undefined) return p;
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  return Promise.race([p, expiry]).finally(() => clearTimeout(timer));
}

/**
 * How many records came back, whatever the envelope: our client returns the result `[payload]`,
 * the raw JSON client and jayson the whole answer `{result: [payload]}`, json-rpc-2.0 the params
 * `[payload]`, vscode-jsonrpc the params object `{args: [payload]}`, node-ipc the payload itself.
 */
function echoedRecords(answer: unknown): number {
  let x = answer;
  for (let depth = 0; depth < 4; depth++) {
    if (Array.isArray(x)) {
      if (x.length > 0 && Array.isArray(x[0])) {
        x = x[0];
        continue;
      }
      return x.length;
    }
    if (x === null || typeof x !== 'object') return -1;
    const o = x as { result?: unknown; args?: unknown };
    x = o.result ?? o.args;
  }
  return -1;
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
