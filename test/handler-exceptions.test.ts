import assert from 'node:assert/strict';
import test, { type TestContext } from 'node:test';
import { connectClient, type Client } from '../src/dispatch/client.js';
import type { Handler } from '../src/dispatch/handler.js';
import { createServer } from '../src/dispatch/server.js';
import { GanetiError, GenericError, JobLost, OpPrereqError } from '../src/errors.js';
import { tempSocketPath } from './helpers/tmp.js';

const handler: Handler<unknown, unknown> = {
  parse: (method, args) => ({ method, args }),
  async exec(input) {
    const { method, args } = input as { method: string; args: unknown[] };
    switch (method) {
      case 'throwSync':
        throw new TypeError('sync boom');
      case 'rejectAsync':
        await new Promise((r) => setTimeout(r, 5));
        throw new RangeError('async boom');
      case 'throwString':
        throw 'a bare string';
      case 'prereq':
        throw new OpPrereqError('fake failure', 'wrong_input');
      case 'jobLost':
        await new Promise((r) => setTimeout(r, 5));
        throw new JobLost('Job 17 not found');
      case 'custom':
        throw new GanetiError('FutureError', [1, 'x']);
      default:
        return args;
    }
  },
};

const syncHandler: Handler<unknown, unknown> = {
  parse: (method) => method,
  exec(method) {
    if (method === 'throw') throw new Error('sync handler threw');
    return 'fine';
  },
};

async function setup(t: TestContext, h: Handler<unknown, unknown>): Promise<string> {
  const path = tempSocketPath(t);
  const server = createServer(h);
  await server.listen(path);
  t.after(() => server.close(0));
  return path;
}

async function open(t: TestContext, path: string): Promise<Client> {
  const c = await connectClient(path, { requestTimeoutMs: 5000 });
  t.after(() => c.destroy());
  return c;
}

test('a non-Ganeti throw becomes GenericError and the connection serves the next request', { timeout: 10_000 }, async (t) => {
  const c = await open(t, await setup(t, handler));
  await assert.rejects(c.call('throwSync', []), (err: unknown) => {
    assert.ok(err instanceof GenericError);
    assert.deepEqual(err.toWire(), ['GenericError', ['TypeError: sync boom']]);
    return true;
  });
  await assert.rejects(c.call('rejectAsync', []), { name: 'GenericError', message: 'RangeError: async boom' });
  await assert.rejects(c.call('throwString', []), { name: 'GenericError', message: 'a bare string' });
  assert.deepEqual(await c.call('echo', ['still here']), ['still here']);
  assert.equal(c.closed, false);
});

test('a thrown GanetiError arrives as the same class with the exact args', { timeout: 10_000 }, async (t) => {
  const c = await open(t, await setup(t, handler));
  await assert.rejects(c.call('prereq', []), (err: unknown) => {
    assert.ok(err instanceof OpPrereqError);
    assert.deepEqual(err.args, ['fake failure', 'wrong_input']);
    return true;
  });
  await assert.rejects(c.call('jobLost', []), (err: unknown) => err instanceof JobLost && err.message === 'Job 17 not found');
  await assert.rejects(c.call('custom', []), (err: unknown) => {
    assert.ok(err instanceof GanetiError);
    assert.deepEqual(err.toWire(), ['FutureError', [1, 'x']]);
    return true;
  });
  assert.deepEqual(await c.call('echo', [1]), [1]);
});

test('a synchronous handler that throws keeps the connection open', { timeout: 10_000 }, async (t) => {
  const c = await open(t, await setup(t, syncHandler));
  await assert.rejects(c.call('throw', []), { name: 'GenericError', message: 'Error: sync handler threw' });
  assert.equal(await c.call('ok', []), 'fine');
});

test('a failing request on one connection leaves other connections unaffected', { timeout: 10_000 }, async (t) => {
  const path = await setup(t, handler);
  const a = await open(t, path);
  const b = await open(t, path);
  const results = await Promise.allSettled([
    a.call('throwSync', []),
    b.call('echo', ['b1']),
    a.call('nope', ['a2']),
    b.call('rejectAsync', []),
  ]);
  assert.equal(results[0].status, 'rejected');
  assert.deepEqual(results[1], { status: 'fulfilled', value: ['b1'] });
  assert.deepEqual(results[2], { status: 'fulfilled', value: ['a2'] });
  assert.equal(results[3].status, 'rejected');
  assert.deepEqual(await b.call('echo', ['b3']), ['b3']);
});

test('a parse throw closes only its own connection', { timeout: 10_000 }, async (t) => {
  const path = await setup(t, {
    parse(method) {
      if (method === 'bad') throw new Error('no such method');
      return method;
    },
    exec: (m) => m,
  });
  const a = await open(t, path);
  const b = await open(t, path);
  await assert.rejects(a.call('bad', []), { name: 'RequestError', message: 'Failed to parse request: no such method' });
  assert.deepEqual(await a.recv(), { kind: 'closed' });
  assert.equal(await b.call('good', []), 'good');
});
