import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import test, { type TestContext } from 'node:test';
import { createServer } from '../src/dispatch/server.js';
import { DEFAULT_SOCKET_MODE } from '../src/defaults.js';
import { tempSocketPath } from './helpers/tmp.js';

const echo = { parse: (_m: unknown, a: unknown) => a, exec: (a: unknown) => a };

async function modeOf(t: TestContext, options: { mode?: number }, umask?: number): Promise<number> {
  const path = tempSocketPath(t);
  const server = createServer(echo, options);
  t.after(() => server.close(0));
  const previous = umask === undefined ? undefined : process.umask(umask);
  try {
    await server.listen(path);
  } finally {
    if (previous !== undefined) process.umask(previous);
  }
  return fs.lstatSync(path).mode & 0o7777;
}

test('creates the socket 0660 by default, as luxid does', { timeout: 10_000 }, async (t) => {
  assert.equal(DEFAULT_SOCKET_MODE, 0o660);
  assert.equal(await modeOf(t, {}), 0o660);
});

test('creates the socket 0600 when asked, as WConfd does', { timeout: 10_000 }, async (t) => {
  assert.equal(await modeOf(t, { mode: 0o600 }), 0o600);
});

for (const umask of [0o000, 0o077, 0o022]) {
  test(`sets the mode exactly under process umask 0${umask.toString(8)}`, { timeout: 10_000 }, async (t) => {
    assert.equal(await modeOf(t, {}, umask), 0o660);
    assert.equal(await modeOf(t, { mode: 0o600 }, umask), 0o600);
    assert.equal(await modeOf(t, { mode: 0o666 }, umask), 0o666);
  });
}

test('restores the process umask after listening', { timeout: 10_000 }, async (t) => {
  const previous = process.umask(0o027);
  try {
    await modeOf(t, { mode: 0o600 });
    assert.equal(process.umask(), 0o027);
  } finally {
    process.umask(previous);
  }
});

test('refuses a mode outside 0o000-0o777', () => {
  assert.throws(() => createServer(echo, { mode: 0o4755 }), { name: 'RangeError', message: /mode must be a file mode/ });
  assert.throws(() => createServer(echo, { mode: -1 }), RangeError);
});
