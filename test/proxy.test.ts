import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as net from 'node:net';
import test, { type TestContext } from 'node:test';
import { connectClient, type Client } from '../src/dispatch/client.js';
import { echoHandler, type Handler } from '../src/dispatch/handler.js';
import { createServer } from '../src/dispatch/server.js';
import { ConnectionClosedError, OpPrereqError, RequestError } from '../src/errors.js';
import { formatExchangeJson, formatExchangeText } from '../src/cli/proxy.js';
import { createProxy, type ProxyConnectionEvent, type ProxyOptions } from '../src/proxy/proxy.js';
import type { ProxyExchange } from '../src/proxy/exchange.js';
import { redactSecrets } from '../src/logger.js';
import { tempSocketPath } from './helpers/tmp.js';

/** Collects what a proxy reports and lets a test wait for a number of items. */
class Recorder {
  readonly exchanges: ProxyExchange[] = [];
  readonly events: ProxyConnectionEvent[] = [];
  #waiters: Array<() => void> = [];
  onExchange = (e: ProxyExchange): void => {
    this.exchanges.push(e);
    this.#wake();
  };
  onConnection = (e: ProxyConnectionEvent): void => {
    this.events.push(e);
    this.#wake();
  };
  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
  async until(check: () => boolean): Promise<void> {
    while (!check()) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }
  closeEvent(): Extract<ProxyConnectionEvent, { kind: 'close' }> | undefined {
    return this.events.find((e): e is Extract<ProxyConnectionEvent, { kind: 'close' }> => e.kind === 'close');
  }
}

async function startServer(t: TestContext, handler: Handler<unknown, unknown> = echoHandler): Promise<string> {
  const path = tempSocketPath(t, 'up.sock');
  const server = createServer(handler, { closeGraceMs: 100 });
  await server.listen(path);
  t.after(() => server.close(0));
  return path;
}

async function startProxy(t: TestContext, upstream: string, options: Partial<ProxyOptions> = {}): Promise<{ path: string; rec: Recorder }> {
  const rec = new Recorder();
  const path = tempSocketPath(t, 'px.sock');
  const proxy = await createProxy({ listen: path, upstream, onExchange: rec.onExchange, onConnection: rec.onConnection, ...options });
  t.after(() => proxy.close());
  return { path, rec };
}

async function client(t: TestContext, path: string): Promise<Client> {
  const c = await connectClient(path, { connectTimeoutMs: 2000, requestTimeoutMs: 5000 });
  t.after(() => c.destroy());
  return c;
}

/** A raw upstream: records every byte received and answers each 0x03-ended frame with `reply(i)`. */
async function startRawUpstream(
  t: TestContext,
  reply: (index: number) => Buffer | null,
): Promise<{ path: string; received: () => Buffer; sent: Buffer[]; ended: Promise<void> }> {
  const path = tempSocketPath(t, 'raw.sock');
  const chunks: Buffer[] = [];
  const sent: Buffer[] = [];
  let markEnded!: () => void;
  const ended = new Promise<void>((resolve) => {
    markEnded = resolve;
  });
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    let frames = 0;
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      for (const byte of chunk) {
        if (byte !== 3) continue;
        const answer = reply(frames++);
        if (answer === null) {
          socket.destroy();
          return;
        }
        sent.push(answer);
        socket.write(answer);
      }
    });
    socket.on('end', () => socket.end());
    socket.on('close', () => markEnded());
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { path, received: () => Buffer.concat(chunks), sent, ended };
}

/** A raw client: writes `bytes`, then collects everything until `count` 0x03 bytes arrived. */
function rawExchange(path: string, bytes: Buffer, count: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ path });
    const chunks: Buffer[] = [];
    let seen = 0;
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      for (const byte of chunk) if (byte === 3) seen++;
      if (seen >= count) {
        socket.destroy();
        resolve(Buffer.concat(chunks));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`closed after ${seen} of ${count} frames`)));
    socket.write(bytes);
  });
}

const ETX = Buffer.from([3]);

test('forwards a non-UTF-8 frame and a 2 MiB frame byte for byte in both directions', { timeout: 10_000 }, async (t) => {
  const replies = [
    Buffer.concat([Buffer.from('{"success": true, "result": "'), Buffer.from([0xc3, 0x28, 0x80, 0xff]), Buffer.from('"}'), ETX]),
    Buffer.concat([Buffer.from('{"success":false,"result":["OpPrereqError",["no", "wrong_input"]]}'), ETX]),
  ];
  const up = await startRawUpstream(t, (i) => replies[i] ?? null);
  const { path, rec } = await startProxy(t, up.path);
  const odd = Buffer.concat([Buffer.from('{"method":"echo", "args":["'), Buffer.from([0xff, 0xfe, 0x80]), Buffer.from('"]}')]);
  const big = Buffer.from(`{"method":"big","args":["${'x'.repeat(2 * 1024 * 1024)}"]}`);
  const sent = Buffer.concat([odd, ETX, big, ETX]);

  const received = await rawExchange(path, sent, 2);

  assert.ok(up.received().equals(sent), 'the upstream got exactly the bytes the client sent');
  assert.ok(received.equals(Buffer.concat(replies)), 'the client got exactly the bytes the upstream sent');
  await rec.until(() => rec.exchanges.length === 2);
  const [first, second] = rec.exchanges;
  assert.ok(first?.request?.equals(odd));
  assert.ok(first?.response?.equals(replies[0]!.subarray(0, -1)));
  assert.equal(first?.method, 'echo');
  assert.equal(first?.success, true);
  assert.equal(second?.request?.length, big.length);
  assert.equal(second?.method, 'big');
  assert.equal(second?.success, false);
  assert.equal(second?.errorClass, 'OpPrereqError');
  assert.equal(second?.errorMessage, 'no');
});

test('pairs pipelined requests with their answers in order', { timeout: 10_000 }, async (t) => {
  const handler: Handler<unknown, unknown> = {
    parse: (_m, args) => args,
    // Later requests finish sooner; the server still answers in order.
    exec: (args) => new Promise((resolve) => setTimeout(() => resolve(args), 20 - (Array.isArray(args) ? Number(args[0]) : 0))),
  };
  const { path, rec } = await startProxy(t, await startServer(t, handler));
  const c = await client(t, path);
  const count = 20;
  const results = await Promise.all(Array.from({ length: count }, (_, i) => c.call(`M${i}`, [i])));
  assert.deepEqual(
    results,
    Array.from({ length: count }, (_, i) => [i]),
  );
  await rec.until(() => rec.exchanges.length === count);
  rec.exchanges.forEach((e, i) => {
    assert.equal(e.seq, i + 1);
    assert.equal(e.method, `M${i}`);
    assert.deepEqual(e.args, [i]);
    assert.equal(e.outcome, 'answered');
    assert.equal(e.response?.toString(), `{"success":true,"result":[${i}]}`);
    assert.ok(e.durationMs >= 0);
  });
});

test('reports a handler failure with its error class and keeps the connection usable', { timeout: 10_000 }, async (t) => {
  const handler: Handler<unknown, unknown> = {
    parse: (method, args) => [method, args],
    exec: (input) => {
      if (Array.isArray(input) && input[0] === 'Fail') throw new OpPrereqError('Instance foo is down', 'wrong_state');
      return 'fine';
    },
  };
  const { path, rec } = await startProxy(t, await startServer(t, handler));
  const c = await client(t, path);
  await assert.rejects(c.call('Fail', []), (err: unknown) => err instanceof OpPrereqError && err.errCode === 'wrong_state');
  assert.equal(await c.call('Ok', []), 'fine');
  await rec.until(() => rec.exchanges.length === 2);
  assert.deepEqual(
    rec.exchanges.map((e) => [e.method, e.success, e.errorClass, e.errorMessage]),
    [
      ['Fail', false, 'OpPrereqError', 'Instance foo is down'],
      ['Ok', true, null, null],
    ],
  );
});

test('reports a parse failure as RequestError and closes the client when the daemon closes', { timeout: 10_000 }, async (t) => {
  const handler: Handler<unknown, unknown> = {
    parse: () => {
      throw new Error('no such method');
    },
    exec: () => null,
  };
  const { path, rec } = await startProxy(t, await startServer(t, handler));
  const c = await client(t, path);
  await assert.rejects(c.call('Nope', []), RequestError);
  assert.equal((await c.recv()).kind, 'closed');
  await rec.until(() => rec.closeEvent() !== undefined);
  assert.equal(rec.exchanges[0]?.errorClass, 'RequestError');
  assert.equal(rec.exchanges[0]?.errorMessage, 'Failed to parse request: no such method');
  assert.equal(rec.closeEvent()?.closedBy, 'upstream');
});

test('redacts secret parameters in reported args but forwards them unchanged', { timeout: 10_000 }, async (t) => {
  const upstream = await startServer(t);
  const args = [
    { osparams_secret: { password: 'hunter2' }, name: 'inst1', disks: [{ osparams_private: 'p' }] },
    { osparams_private_cluster: 1 },
  ];
  const { path, rec } = await startProxy(t, upstream);
  const c = await client(t, path);
  assert.deepEqual(await c.call('OpInstanceCreate', args), args);
  await rec.until(() => rec.exchanges.length === 1);
  assert.deepEqual(rec.exchanges[0]?.args, [
    { osparams_secret: '<redacted>', name: 'inst1', disks: [{ osparams_private: '<redacted>' }] },
    { osparams_private_cluster: '<redacted>' },
  ]);
  assert.ok(rec.exchanges[0]?.request?.toString().includes('hunter2'), 'the raw request is the one forwarded');

  const plain = await startProxy(t, upstream, { redactSecrets: false });
  const c2 = await client(t, plain.path);
  await c2.call('OpInstanceCreate', args);
  await plain.rec.until(() => plain.rec.exchanges.length === 1);
  assert.deepEqual(plain.rec.exchanges[0]?.args, args);
});

test('redactSecrets leaves values without secret keys as they are', () => {
  const value = { a: [1, { b: 'c' }] };
  assert.equal(redactSecrets(value), value);
  assert.deepEqual(redactSecrets([{ x: { osparams_secret: 5 } }]), [{ x: { osparams_secret: '<redacted>' } }]);
});

test('closes the client and reports the error when the upstream daemon is down', { timeout: 10_000 }, async (t) => {
  const missing = tempSocketPath(t, 'none.sock');
  const { path, rec } = await startProxy(t, missing);
  const c = await client(t, path);
  await assert.rejects(c.call('QueryClusterInfo', []), ConnectionClosedError);
  await rec.until(() => rec.closeEvent() !== undefined);
  const close = rec.closeEvent();
  assert.equal(close?.closedBy, 'upstream');
  assert.equal(close?.error?.name, 'NoMasterError');
  assert.match(close?.error?.message ?? '', /No socket at .*none\.sock/);
  assert.ok(rec.events.some((e) => e.kind === 'error' && e.side === 'upstream'));
  for (const e of rec.exchanges) {
    assert.equal(e.outcome, 'unanswered');
    assert.equal(e.method, 'QueryClusterInfo');
  }
});

test('reports a request the upstream never answered when the upstream closes', { timeout: 10_000 }, async (t) => {
  const up = await startRawUpstream(t, () => null);
  const { path, rec } = await startProxy(t, up.path);
  const c = await client(t, path);
  await assert.rejects(c.call('WaitForJobChange', [1]), ConnectionClosedError);
  await rec.until(() => rec.closeEvent() !== undefined && rec.exchanges.length === 1);
  const [e] = rec.exchanges;
  assert.equal(e?.outcome, 'unanswered');
  assert.equal(e?.method, 'WaitForJobChange');
  assert.equal(e?.response, null);
  assert.equal(e?.success, null);
  assert.match(e?.errorMessage ?? '', /closed by the upstream/);
});

test('closes the upstream connection when the client closes', { timeout: 10_000 }, async (t) => {
  const up = await startRawUpstream(t, () => Buffer.from('{"success":true,"result":null}\x03'));
  const { path, rec } = await startProxy(t, up.path);
  const c = await client(t, path);
  assert.equal(await c.call('Ping', []), null);
  await c.close();
  await up.ended;
  await rec.until(() => rec.closeEvent() !== undefined);
  assert.equal(rec.closeEvent()?.closedBy, 'client');
  assert.equal(rec.closeEvent()?.exchanges, 1);
});

test('forwards the answer to a client that half-closed after sending its request', { timeout: 10_000 }, async (t) => {
  const { path, rec } = await startProxy(t, await startServer(t));
  const received = await new Promise<Buffer>((resolve, reject) => {
    const socket = net.createConnection({ path, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks)));
    socket.on('error', reject);
    socket.end('{"method":"Echo","args":[7]}\x03');
  });
  assert.equal(received.toString(), '{"success":true,"result":[7]}\x03');
  await rec.until(() => rec.closeEvent() !== undefined);
  assert.equal(rec.exchanges[0]?.outcome, 'answered');
  assert.equal(rec.closeEvent()?.closedBy, 'client');
});

test('keeps forwarding but stops reporting after a frame over maxMessageBytes', { timeout: 10_000 }, async (t) => {
  const { path, rec } = await startProxy(t, await startServer(t), { maxMessageBytes: 1000 });
  const c = await client(t, path);
  const long = 'y'.repeat(2000);
  assert.deepEqual(await c.call('Big', [long]), [long]);
  assert.deepEqual(await c.call('Small', []), []);
  assert.equal(rec.exchanges.length, 0);
  assert.ok(rec.events.some((e) => e.kind === 'error' && e.error.name === 'MessageTooLargeError'));
});

test('close() cuts open connections and removes the listen socket file', { timeout: 10_000 }, async (t) => {
  const rec = new Recorder();
  const path = tempSocketPath(t, 'px.sock');
  const proxy = await createProxy({ listen: path, upstream: await startServer(t), onConnection: rec.onConnection });
  const c = await client(t, path);
  assert.deepEqual(await c.call('Echo', ['a']), ['a']);
  assert.equal(proxy.stats.connections, 1);
  await proxy.close();
  assert.equal(existsSync(path), false);
  assert.equal((await c.recv()).kind, 'closed');
  assert.equal(rec.closeEvent()?.closedBy, 'proxy');
  assert.equal(proxy.stats.connections, 0);
});

test('rejects a proxy whose listen and upstream paths are the same', async () => {
  await assert.rejects(createProxy({ listen: '/tmp/x.sock', upstream: '/tmp/x.sock' }), RangeError);
});

const SAMPLE: ProxyExchange = {
  connectionId: 3,
  seq: 2,
  outcome: 'answered',
  startedAt: new Date(2024, 0, 2, 13, 4, 5, 67),
  durationMs: 1.23456,
  request: Buffer.from('{"method":"OpX","args":[1]}'),
  response: Buffer.alloc(5000),
  method: 'OpX',
  args: [12345678901234567890n],
  success: false,
  errorClass: 'OpPrereqError',
  errorMessage: 'Instance foo is down',
};

test('formats an exchange as one aligned text line', () => {
  const line = formatExchangeText(SAMPLE);
  assert.match(line, /^13:04:05\.067 {2}#3\.2 +OpX +1\.23 ms +27 B -> 4\.9 KiB +FAIL OpPrereqError: Instance foo is down$/);
  assert.ok(!line.includes('\x1b'), 'no colour unless asked');
  assert.match(formatExchangeText({ ...SAMPLE, success: true, errorClass: null }, true), /\x1b\[32mOK\x1b\[0m$/);
  assert.match(
    formatExchangeText({ ...SAMPLE, outcome: 'unanswered', response: null, success: null, errorMessage: 'gone' }),
    /NO ANSWER \(gone\)$/,
  );
});

test('formats an exchange as one JSON line with exact big integers', () => {
  const line = formatExchangeJson(SAMPLE);
  assert.ok(!line.includes('\n'));
  assert.ok(line.includes('"args":[12345678901234567890]'));
  const parsed = JSON.parse(line) as Record<string, unknown>;
  assert.equal(parsed['conn'], 3);
  assert.equal(parsed['seq'], 2);
  assert.equal(parsed['method'], 'OpX');
  assert.equal(parsed['durationMs'], 1.235);
  assert.equal(parsed['requestBytes'], 27);
  assert.equal(parsed['responseBytes'], 5000);
  assert.equal(parsed['success'], false);
  assert.equal(parsed['errorClass'], 'OpPrereqError');
  assert.equal(parsed['time'], SAMPLE.startedAt.toISOString());
});

test('the proxy command prints JSON lines and removes its socket on SIGTERM', { timeout: 15_000 }, async (t) => {
  const upstream = await startServer(t);
  const listen = tempSocketPath(t, 'cli.sock');
  const module = new URL('../src/cli/proxy.js', import.meta.url).href;
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const m = await import(${JSON.stringify(module)}); process.exitCode = await m.runProxy(process.argv.slice(1));`,
      '--',
      '--listen',
      listen,
      '--upstream',
      upstream,
      '--json',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  t.after(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  while (!stderr.includes('listening on')) {
    if (child.exitCode !== null) assert.fail(`proxy exited early: ${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const c = await client(t, listen);
  assert.deepEqual(await c.call('OpInstanceCreate', [{ osparams_secret: 's3cret' }]), [{ osparams_secret: 's3cret' }]);
  while (!stdout.includes('\n')) await new Promise((r) => setTimeout(r, 20));
  const line = JSON.parse(stdout.split('\n')[0] ?? '') as Record<string, unknown>;
  assert.equal(line['method'], 'OpInstanceCreate');
  assert.deepEqual(line['args'], [{ osparams_secret: '<redacted>' }]);
  assert.equal(line['success'], true);
  c.destroy();
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  assert.equal(existsSync(listen), false);
});
