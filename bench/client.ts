/**
 * A benchmark client process: `node build/bench/client.js '<json spec>'`, prints one JSON
 * line with its measurement. Modes: `load` (CONNS connections, DEPTH calls in flight on
 * each, counted after a warm-up), `large` (timed echo round trips of one big payload),
 * `idle` (holds CONNS connections open without sending, until killed) and `burst` (CONNS
 * connects started at once, each then answering one echo while all are held).
 *
 * Client kinds: `ours` (connectClient), `barejson` (the bare JSON reference; `rawjson` is
 * its old name), `raw` (no JSON, load mode only) and the peer libraries of peers.ts.
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
      /** `ours`, `barejson` or a peer library (its own client). */
      kind: string;
      socket: string;
      bytes: number;
      iterations: number;
      /** Stop early once another call would end after this many ms (at least two calls are made). */
      budgetMs?: number;
      /** Give up when one call takes longer than this (the answer then says `timedOut`). */
      callTimeoutMs?: number;
    }
  | { mode: 'idle'; socket: string; conns: number }
  | {
      mode: 'burst';
      socket: string;
      conns: number;
      /** `raw`: net.connect, no retry; `client`: connectClient with its default options. */
      via: 'raw' | 'client';
    };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function connectRaw(path: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(path);
    sock.once('connect', () => resolve(sock)).once('error', reject);
  });
}

/**
 * The bare JSON reference client (perf-notes "Node good JSON"): one write of
 * `JSON.stringify(request) + ETX` per call, the Buffer framer of the raw references
 * (a chunk list, indexOf over new bytes only) and `JSON.parse(buf.toString())` per answer;
 * no exactness scan, no ASCII check, no timeouts. Resolves with the whole answer object.
 */
async function connectBareJson(path: string): Promise<Caller> {
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
  if (kind === 'barejson' || kind === 'rawjson') return connectBareJson(path);
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

/** Microseconds of CPU (user + system, all threads) this process used since `from`. */
function cpuUsSince(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return d.user + d.system;
}

/**
 * Answers counted in the window (`ops`, `seconds`), and for CPU per request: all answers so
 * far (`total`, warm-up included) and this process's CPU time since the load began (`cpuUs`).
 */
async function load(spec: Extract<ClientSpec, { mode: 'load' }>): Promise<unknown> {
  const cpu0 = process.cpuUsage();
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
    const result = { ...(await window(spec, () => count)), total: count, cpuUs: cpuUsSince(cpu0) };
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
  const result = { ...(await window(spec, () => count)), total: count, cpuUs: cpuUsSince(cpu0) };
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
 * the bare JSON client and jayson the whole answer `{result: [payload]}`, json-rpc-2.0 the params
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

/** What a burst reports: connects that succeeded, answers that came back, failures by errno code. */
export interface BurstResult {
  conns: number;
  connected: number;
  /** Answers received while every connection was still open. */
  answered: number;
  failures: Record<string, number>;
}

function errorCode(err: unknown): string {
  const e = err as { code?: unknown; cause?: { code?: unknown }; message?: unknown };
  return String(e.cause?.code ?? e.code ?? e.message ?? err);
}

/** Sends one echo request on a raw socket; resolves true when its answer arrives whole. */
function rawEchoOnce(sock: net.Socket, n: number): Promise<boolean> {
  return new Promise((resolve) => {
    let text = '';
    sock.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (text.includes('\x03')) resolve(text === `{"success":true,"result":[${n}]}\x03`);
    });
    sock.once('error', () => resolve(false));
    sock.once('close', () => resolve(false));
    sock.write(`{"method":"echo","args":[${n}]}\x03`);
  });
}

/**
 * Starts `conns` connects in one go (no pacing), then has every connection that got through
 * make one echo call while all of them are held, then closes them all.
 */
async function burst(spec: Extract<ClientSpec, { mode: 'burst' }>): Promise<BurstResult> {
  const failures: Record<string, number> = {};
  const fail = (err: unknown): void => {
    const code = errorCode(err);
    failures[code] = (failures[code] ?? 0) + 1;
  };
  const result: BurstResult = { conns: spec.conns, connected: 0, answered: 0, failures };
  if (spec.via === 'client') {
    const settled = await Promise.allSettled(Array.from({ length: spec.conns }, () => connectClient(spec.socket)));
    const clients = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : (fail(s.reason), [])));
    result.connected = clients.length;
    const answers = await Promise.allSettled(clients.map((c, i) => c.call('echo', [i])));
    answers.forEach((a, i) => {
      if (a.status === 'fulfilled' && JSON.stringify(a.value) === JSON.stringify([i])) result.answered++;
      else if (a.status === 'rejected') fail(a.reason);
    });
    for (const c of clients) c.destroy();
    return result;
  }
  const outcomes = await Promise.all(
    Array.from(
      { length: spec.conns },
      () =>
        new Promise<net.Socket | undefined>((resolve) => {
          const sock = net.connect(spec.socket);
          let connected = false;
          sock.once('connect', () => {
            connected = true;
            resolve(sock);
          });
          sock.once('error', (err) => {
            if (connected) return; // rawEchoOnce sees it
            fail(err);
            resolve(undefined);
          });
        }),
    ),
  );
  const socks = outcomes.filter((s): s is net.Socket => s !== undefined);
  for (const s of socks) s.on('error', () => {});
  result.connected = socks.length;
  const answers = await Promise.all(socks.map((s, i) => rawEchoOnce(s, i)));
  result.answered = answers.filter(Boolean).length;
  for (const s of socks) s.destroy();
  return result;
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as ClientSpec;
  if (spec.mode === 'idle') return idle(spec);
  const result = spec.mode === 'load' ? await load(spec) : spec.mode === 'burst' ? await burst(spec) : await large(spec);
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0); // peer clients (node-ipc, jayson) may keep handles open
}

main().catch((err: unknown) => {
  process.stderr.write(`bench client: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
