/**
 * Limits and their defaults: maxMessageBytes (cut off while streaming, memory bounded),
 * maxConnections (the N+1th gets an answer naming the limit), idle timeout, send timeout
 * and slow-reader backpressure, and trickling clients that must not slow others down.
 * Memory is measured on a server in a child process; bounds are generous on purpose.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_MAX_CONNECTIONS, DEFAULT_SEND_TIMEOUT_MS } from '../../src/defaults.js';
import { DEFAULT_MAX_DEPTH } from '../../src/codec.js';
import { echoHandler } from '../../src/dispatch/handler.js';
import { createServer } from '../../src/dispatch/server.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../../src/framing.js';
import { FAILED_TO_PARSE, RawPeer, mib, normalRequest, startChildServer, startServer } from './raw.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('the server defaults are the documented ones', () => {
  const server = createServer(echoHandler);
  assert.equal(server.options.maxMessageBytes, DEFAULT_MAX_MESSAGE_BYTES);
  assert.equal(DEFAULT_MAX_MESSAGE_BYTES, 64 * 1024 * 1024);
  assert.equal(server.options.maxDepth, DEFAULT_MAX_DEPTH);
  assert.equal(server.options.maxConnections, DEFAULT_MAX_CONNECTIONS);
  assert.equal(server.options.idleTimeoutMs, DEFAULT_IDLE_TIMEOUT_MS);
  assert.equal(server.options.sendTimeoutMs, DEFAULT_SEND_TIMEOUT_MS);
  assert.equal(server.options.idleTimeoutMs, 180_000, "luxid's recvTmo");
});

test('accepts a message of exactly maxMessageBytes and refuses one byte more', { timeout: 10_000 }, async (t) => {
  const limit = 1000;
  const { path } = await startServer(t, echoHandler, { maxMessageBytes: limit });
  const request = (size: number): string => {
    const head = '{"method":"echo","args":["';
    const tail = '"]}';
    return head + 'a'.repeat(size - head.length - tail.length) + tail;
  };
  const fits = await RawPeer.open(t, path);
  await fits.write(request(limit) + '\x03');
  const [answer] = await fits.answers(1);
  assert.equal(answer?.success, true);
  const over = await RawPeer.open(t, path);
  await over.write(request(limit + 1) + '\x03');
  const [refusal] = await over.answers(1);
  assert.equal(refusal?.success, false);
  assert.match(String(refusal?.result), /^Failed to parse request: Message exceeds the limit of 1000 bytes.*--max-message-bytes/);
  await over.closedByServer();
});

test('cuts off a frame streamed without a terminator at maxMessageBytes, with memory bounded', { timeout: 60_000 }, async (t) => {
  const limit = 4 * 1048576;
  const server = await startChildServer(t, 'echo', { maxMessageBytes: limit });
  const before = await server.report();
  const peer = await RawPeer.open(t, server.path);
  const chunk = Buffer.alloc(65536, 0x61);
  let sent = 0;
  // Up to 16x the limit; stop early once the server has answered and closed.
  while (sent < 16 * limit && !peer.closed && !peer.socket.destroyed) {
    await peer.write(chunk);
    sent += chunk.length;
  }
  await peer.until(() => peer.frames.length >= 1 || peer.closed, 'the refusal');
  const after = await server.report();
  const answer = JSON.parse(peer.frames[0]?.toString() ?? 'null') as { success: boolean; result: string } | null;
  assert.equal(answer?.success, false);
  assert.match(answer?.result ?? '', new RegExp(`^${FAILED_TO_PARSE}Message exceeds the limit of ${limit} bytes`));
  await peer.closedByServer(10_000);
  const growth = after.rss - before.rss;
  t.diagnostic(`streamed ${mib(sent)} without a terminator at a ${mib(limit)} limit; server RSS grew ${mib(growth)}`);
  assert.ok(growth < 8 * limit + 32 * 1048576, `server RSS grew by ${mib(growth)}`);
  assert.deepEqual(await normalRequest(t, server.path), { success: true, result: ['still serving'] });
});

test('after refusing an oversize frame it discards at most lingerBytes more, so a peer that keeps streaming cannot hold the connection', {
  timeout: 10_000,
}, async (t) => {
  const lingerBytes = 64 * 1024;
  const { path, server } = await startServer(t, echoHandler, { maxMessageBytes: 1000, lingerBytes });
  const peer = await RawPeer.open(t, path);
  const chunk = Buffer.alloc(4096, 0x61);
  await peer.write(chunk);
  const [answer] = await peer.answers(1);
  assert.match(String(answer?.result), /^Failed to parse request: Message exceeds the limit of 1000 bytes/);
  let writes = 1;
  // Keep streaming after the refusal, as a hostile client would, until the socket breaks.
  while (!peer.socket.destroyed && writes < 2000) {
    await peer.write(chunk);
    writes++;
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.ok(peer.socket.destroyed, `still writable after ${writes} writes`);
  assert.match(String(peer.error?.message), /EPIPE|ECONNRESET/);
  await peer.until(() => server.stats.connections === 0, 'the server to drop the connection');
  // What it read: the frame, the budget, and what was in flight when it gave up.
  assert.ok(server.stats.bytesIn < lingerBytes + 64 * 4096, `server read ${server.stats.bytesIn} bytes`);
});

test('after refusing an oversize frame it reads and discards the rest of it, so the peer reads the error after writing it all', {
  timeout: 10_000,
}, async (t) => {
  const { path } = await startServer(t, echoHandler, { maxMessageBytes: 1000 });
  const peer = await RawPeer.open(t, path);
  // A whole request of 256 KiB, written to the end before anything is read, as Python's sendall does.
  await peer.write(`{"method":"echo","args":["${'a'.repeat(256 * 1024)}"]}\x03`);
  const [answer] = await peer.answers(1);
  assert.match(String(answer?.result), /^Failed to parse request: Message exceeds the limit of 1000 bytes/);
  await peer.closedByServer();
  assert.equal(peer.error, undefined, `the peer's writes failed: ${String(peer.error?.message)}`);
});

test('answers the connection past maxConnections with an error naming the limit and the flag, then closes it', {
  timeout: 10_000,
}, async (t) => {
  const { path, server } = await startServer(t, echoHandler, { maxConnections: 3 });
  const held: RawPeer[] = [];
  for (let i = 0; i < 3; i++) {
    const peer = await RawPeer.open(t, path);
    await peer.write(`{"method":"echo","args":[${i}]}\x03`);
    assert.deepEqual(await peer.answers(1), [{ success: true, result: [i] }]);
    held.push(peer);
  }
  const extra = await RawPeer.open(t, path);
  const [refusal] = await extra.answers(1);
  assert.equal(refusal?.success, false);
  assert.deepEqual(refusal?.result, [
    'GenericError',
    ['Server busy: the limit of 3 connections is reached; try again later (--max-connections raises it)'],
  ]);
  await extra.closedByServer();
  assert.equal(server.stats.connectionsRefused, 1);
  held[0]?.socket.destroy();
  await held[0]?.closedByServer();
  await sleep(50);
  assert.deepEqual(await normalRequest(t, path), { success: true, result: ['still serving'] });
});

test('closes idle connections after idleTimeoutMs but not busy ones', { timeout: 10_000 }, async (t) => {
  const { path } = await startServer(t, echoHandler, { idleTimeoutMs: 200 });
  const silent = await RawPeer.open(t, path);
  const partial = await RawPeer.open(t, path);
  await partial.write('{"method":"echo","ar');
  const busy = await RawPeer.open(t, path);
  const started = Date.now();
  for (let i = 0; i < 8; i++) {
    await busy.write(`{"method":"echo","args":[${i}]}\x03`);
    await busy.answers(i + 1);
    await sleep(80);
  }
  assert.equal(busy.closed, false, 'a connection with a request every 80 ms stays open');
  await silent.closedByServer();
  await partial.closedByServer();
  assert.equal(silent.frames.length + partial.frames.length, 0, 'idle connections are closed without an answer');
  t.diagnostic(`busy client ran ${Date.now() - started} ms past a 200 ms idle timeout`);
});

test('a client that pipelines requests for large answers and never reads keeps server memory bounded', { timeout: 60_000 }, async (t) => {
  const answerBytes = 1048576;
  const requests = 256;
  const server = await startChildServer(t, 'big', { sendTimeoutMs: 0 });
  const before = await server.report();
  const peer = await RawPeer.open(t, server.path);
  peer.socket.pause(); // never read
  let batch = '';
  for (let i = 0; i < requests; i++) batch += `{"method":"big","args":[${answerBytes}]}\x03`;
  peer.socket.write(batch);
  await sleep(1500);
  const during = await server.report();
  const growth = during.rss - before.rss;
  t.diagnostic(
    `${requests} pipelined requests for ${mib(answerBytes)} answers (${mib(requests * answerBytes)} in all), unread: server RSS grew ${mib(growth)}, answered ${during.stats['requests']}`,
  );
  assert.ok(
    during.stats['requests'] !== undefined && during.stats['requests'] < requests,
    'the server stops answering while the reader does not read',
  );
  assert.ok(growth < 64 * 1048576, `server RSS grew by ${mib(growth)}`);
  // Reading everything now gets every answer, in order and complete.
  peer.socket.resume();
  await peer.until(() => peer.frames.length >= requests, 'all answers', 40_000);
  for (const frame of peer.frames) assert.equal(frame.length, answerBytes + '{"success":true,"result":""}'.length);
});

test('closes a connection whose reader does not accept answers within sendTimeoutMs', { timeout: 20_000 }, async (t) => {
  const server = await startChildServer(t, 'big', { sendTimeoutMs: 300 });
  const peer = await RawPeer.open(t, server.path);
  peer.socket.pause();
  let batch = '';
  for (let i = 0; i < 64; i++) batch += `{"method":"big","args":[1048576]}\x03`;
  peer.socket.write(batch);
  await sleep(1000);
  peer.socket.resume();
  await peer.closedByServer(10_000);
  assert.ok(peer.frames.length < 64, `${peer.frames.length} answers arrived before the cut`);
  assert.deepEqual(await normalRequest(t, server.path), { success: true, result: ['still serving'] });
});

test('clients trickling a byte at a time do not stop a normal client from getting answers', { timeout: 30_000 }, async (t) => {
  const { path } = await startServer(t, echoHandler);
  const tricklers: RawPeer[] = [];
  for (let i = 0; i < 50; i++) tricklers.push(await RawPeer.open(t, path));
  let running = true;
  const trickle = (async () => {
    await Promise.all(tricklers.map((p) => p.write('{"method":"echo","args":["')));
    while (running) {
      await Promise.all(tricklers.map((p) => p.write('a')));
      await sleep(20);
    }
  })();
  t.after(() => {
    running = false;
  });
  const normal = await RawPeer.open(t, path);
  const latencies: number[] = [];
  for (let i = 0; i < 20; i++) {
    const started = process.hrtime.bigint();
    await normal.write(`{"method":"echo","args":[${i}]}\x03`);
    const answers = await normal.answers(i + 1);
    latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
    assert.deepEqual(answers[i], { success: true, result: [i] });
    await sleep(10);
  }
  running = false;
  await trickle;
  assert.ok(
    tricklers.every((p) => !p.closed && p.frames.length === 0),
    'trickling clients are neither answered nor cut',
  );
  latencies.sort((a, b) => a - b);
  t.diagnostic(`50 trickling clients: normal client median ${latencies[10]?.toFixed(2)} ms, max ${latencies[19]?.toFixed(2)} ms`);
});

test('holds many idle connections with a small memory cost each', { timeout: 60_000 }, async (t) => {
  const n = 400;
  const server = await startChildServer(t, 'echo');
  const before = await server.report();
  const peers: RawPeer[] = [];
  for (let i = 0; i < n; i++) {
    const peer = await RawPeer.open(t, server.path);
    await peer.write(`{"method":"echo","args":[${i}]}\x03`);
    // Wait for the answer before the next connect: on a loaded machine the listen backlog
    // could otherwise fill up (EAGAIN) before the server gets to accept.
    await peer.answers(1);
    peers.push(peer);
  }
  const after = await server.report();
  assert.equal(after.stats['connections'], n);
  const perConnection = (after.rss - before.rss) / n;
  t.diagnostic(`${n} connections held; server RSS ${mib(after.rss)}, about ${(perConnection / 1024).toFixed(1)} KiB per connection`);
  assert.ok(perConnection < 256 * 1024, `${(perConnection / 1024).toFixed(1)} KiB per connection`);
  for (const p of peers) p.socket.destroy();
});
