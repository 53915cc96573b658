import assert from 'node:assert/strict';
import test, { type TestContext } from 'node:test';
import { connectClient } from '../src/dispatch/client.js';
import { createServer } from '../src/dispatch/server.js';
import { ConnectionClosedError, ErrorCodes, NoMasterError, TimeoutError } from '../src/errors.js';
import { fullBacklogSocket } from './helpers/backlog.js';
import { tempSocketPath } from './helpers/tmp.js';

/** A server whose handler answers `slow` calls only after `delayMs`. */
async function slowServer(t: TestContext, delayMs: number): Promise<string> {
  const path = tempSocketPath(t);
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer({
    parse: (m, a) => [m, a],
    exec: ([m, a]: [string, unknown]) =>
      m === 'slow'
        ? new Promise((resolve) => {
            const timer = setTimeout(() => resolve(a), delayMs);
            timers.add(timer);
          })
        : a,
  });
  await server.listen(path);
  t.after(async () => {
    for (const timer of timers) clearTimeout(timer);
    await server.close(0);
  });
  return path;
}

test('a connect to a daemon whose backlog stays full retries, then times out naming the overload', { timeout: 15_000 }, async (t) => {
  const path = tempSocketPath(t);
  await fullBacklogSocket(t, path);
  // No `retry`: a full backlog is a burst, not an absent daemon, so it is retried anyway.
  await assert.rejects(connectClient(path, { connectTimeoutMs: 300 }), (err: unknown) => {
    assert.ok(err instanceof TimeoutError);
    assert.equal(err.code, ErrorCodes.timeout);
    assert.match(err.message, /^Connect timed out after 300 ms: .*last error: The daemon at .* is overloaded \(listen backlog full\)/);
    assert.ok(err.message.includes(path));
    return true;
  });
});

test('a retrying connect gives up after connectTimeoutMs while the backlog stays full', { timeout: 15_000 }, async (t) => {
  const path = tempSocketPath(t);
  await fullBacklogSocket(t, path);
  await assert.rejects(connectClient(path, { connectTimeoutMs: 300, retry: true, retryDelayMs: 50 }), (err: unknown) => {
    assert.ok(err instanceof TimeoutError);
    assert.equal(err.code, ErrorCodes.timeout);
    assert.match(err.message, /^Connect timed out after 300 ms: .*last error: The daemon at .* is overloaded/);
    return true;
  });
});

test('a retrying connect to a missing socket times out naming the last error', { timeout: 10_000 }, async (t) => {
  const path = tempSocketPath(t);
  await assert.rejects(connectClient(path, { connectTimeoutMs: 200, retry: true, retryDelayMs: 30 }), (err: unknown) => {
    assert.ok(err instanceof TimeoutError);
    assert.match(err.message, /last error: No socket at /);
    return true;
  });
});

test('a retrying connect succeeds once the daemon comes up', { timeout: 10_000 }, async (t) => {
  const path = tempSocketPath(t);
  const server = createServer({ parse: (_m, a) => a, exec: (a) => a });
  t.after(() => server.close(0));
  const connecting = connectClient(path, { connectTimeoutMs: 5000, retry: true, retryDelayMs: 20 });
  let listening: Promise<void> | undefined;
  setTimeout(() => (listening = server.listen(path)), 100);
  const c = await connecting;
  t.after(() => c.destroy());
  assert.deepEqual(await c.call('m', ['up']), ['up']);
  await listening;
});

test('a call without an answer within requestTimeoutMs fails with TimeoutError and drops the connection', {
  timeout: 10_000,
}, async (t) => {
  const path = await slowServer(t, 60_000);
  const c = await connectClient(path, { requestTimeoutMs: 100 });
  t.after(() => c.destroy());
  await assert.rejects(c.call('slow', []), (err: unknown) => {
    assert.ok(err instanceof TimeoutError);
    assert.equal(err.message, 'No answer to slow within 100 ms');
    return true;
  });
  await new Promise((r) => setImmediate(r));
  assert.equal(c.closed, true);
  await assert.rejects(c.call('fast', []), /Connection is closed/);
});

test('a per-call timeoutMs overrides the client default', { timeout: 10_000 }, async (t) => {
  const path = await slowServer(t, 50);
  const c = await connectClient(path, { requestTimeoutMs: 10 });
  t.after(() => c.destroy());
  assert.deepEqual(await c.call('slow', ['ok'], { timeoutMs: 5000 }), ['ok']);
  assert.deepEqual(await c.call('slow', ['no limit'], { timeoutMs: 0 }), ['no limit']);
});

test('aborting a call rejects with the reason and keeps the connection in step', { timeout: 10_000 }, async (t) => {
  const path = await slowServer(t, 80);
  const c = await connectClient(path, { requestTimeoutMs: 5000 });
  t.after(() => c.destroy());
  const controller = new AbortController();
  const aborted = c.call('slow', ['first'], { signal: controller.signal });
  setTimeout(() => controller.abort(new Error('user gave up')), 10);
  await assert.rejects(aborted, /user gave up/);
  // The late answer to 'first' is read and dropped; the next call gets its own answer.
  assert.deepEqual(await c.call('fast', ['second']), ['second']);
  assert.deepEqual(await c.call('slow', ['third']), ['third']);
  assert.equal(c.closed, false);
});

test('an already aborted signal rejects before anything is sent', { timeout: 10_000 }, async (t) => {
  const path = await slowServer(t, 10);
  const c = await connectClient(path);
  t.after(() => c.destroy());
  await assert.rejects(c.call('fast', [], { signal: AbortSignal.abort(new Error('early')) }), /early/);
  assert.deepEqual(await c.call('fast', [1]), [1]);
});

test('aborting a connect rejects with the reason', { timeout: 10_000 }, async (t) => {
  const path = tempSocketPath(t);
  const controller = new AbortController();
  const connecting = connectClient(path, { retry: true, retryDelayMs: 20, connectTimeoutMs: 5000, signal: controller.signal });
  setTimeout(() => controller.abort(new Error('cancelled')), 50);
  await assert.rejects(connecting, /cancelled/);
});

test('a connect without retry fails at once when nothing listens', { timeout: 10_000 }, async (t) => {
  const path = tempSocketPath(t);
  await assert.rejects(connectClient(path, { connectTimeoutMs: 5000 }), (err: unknown) => {
    assert.ok(err instanceof NoMasterError);
    assert.equal(err.code, ErrorCodes.noMaster);
    assert.ok(err.message.includes(path));
    return true;
  });
});

test('a timed-out call rejects the calls pipelined behind it', { timeout: 10_000 }, async (t) => {
  const path = await slowServer(t, 60_000);
  const c = await connectClient(path, { requestTimeoutMs: 100 });
  t.after(() => c.destroy());
  const first = c.call('slow', []);
  const second = c.call('fast', [], { timeoutMs: 5000 });
  await assert.rejects(first, TimeoutError);
  await assert.rejects(second, ConnectionClosedError);
});
