import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { dirname, join } from 'node:path';
import test from 'node:test';
import { ErrorCodes, NoMasterError, PermissionError, ProtocolError } from '../src/errors.js';
import { MAX_SOCKET_PATH_BYTES, checkSocketPath, connectError, connectSocket } from '../src/transport/connect.js';
import { tempDir, tempSocketPath } from './helpers/tmp.js';

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code} happened`), { code });
}

test('refuses a socket path longer than sun_path holds with a RangeError', () => {
  assert.equal(MAX_SOCKET_PATH_BYTES, 107);
  const ok = '/' + 'a'.repeat(106);
  assert.doesNotThrow(() => checkSocketPath(ok));
  assert.throws(() => checkSocketPath(ok + 'b'), { name: 'RangeError', message: /108 bytes, longer than the 107 bytes/ });
  assert.throws(() => checkSocketPath('/' + 'é'.repeat(54)), RangeError, 'bytes are counted, not characters');
  assert.throws(() => checkSocketPath(''), TypeError);
});

test('connectSocket rejects a too-long path before touching the file system', async () => {
  await assert.rejects(connectSocket('/tmp/' + 'x'.repeat(200)), RangeError);
});

test('maps connect errnos to errors that name the path and the fix', () => {
  const cases: Array<[string, new (...a: never[]) => ProtocolError, string, RegExp]> = [
    ['ENOENT', NoMasterError, ErrorCodes.noMaster, /No socket at \/p: is the daemon running/],
    ['ECONNREFUSED', NoMasterError, ErrorCodes.noMaster, /Connection refused at \/p/],
    ['EACCES', PermissionError, ErrorCodes.permission, /Permission denied connecting to \/p/],
    ['EPERM', PermissionError, ErrorCodes.permission, /Permission denied/],
    ['EAGAIN', ProtocolError, ErrorCodes.connect, /overloaded/],
    ['ENOTSOCK', ProtocolError, ErrorCodes.connect, /\/p is not a socket/],
    ['EWHATEVER', ProtocolError, ErrorCodes.connect, /Cannot connect to \/p: EWHATEVER happened/],
  ];
  for (const [code, cls, errCode, message] of cases) {
    const cause = errno(code);
    const err = connectError('/p', cause);
    assert.ok(err instanceof cls, code);
    assert.equal(err.code, errCode);
    assert.match(err.message, message);
    assert.equal(err.cause, cause);
  }
});

test('connecting to a stale socket file gives NoMasterError naming the path', { timeout: 10_000 }, async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'stale.sock');
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(path, r));
  const copy = join(dir, 'kept.sock');
  fs.linkSync(path, copy); // a second name survives the server's own unlink
  await new Promise<void>((r) => server.close(() => r()));
  await assert.rejects(connectSocket(copy, { connectTimeoutMs: 1000 }), (err: unknown) => {
    assert.ok(err instanceof NoMasterError);
    assert.match(err.message, /Connection refused at .*kept\.sock/);
    return true;
  });
});

test('connecting to a regular file says it is not a socket', { timeout: 10_000 }, async (t) => {
  const path = join(tempDir(t), 'plain');
  fs.writeFileSync(path, 'x');
  await assert.rejects(connectSocket(path, { connectTimeoutMs: 1000 }), (err: unknown) => {
    assert.ok(err instanceof ProtocolError);
    assert.ok(err.message.includes(path), err.message);
    return true;
  });
});

test('connecting without permission gives PermissionError', { timeout: 10_000 }, async (t) => {
  const path = tempSocketPath(t);
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(path, r));
  t.after(() => server.close());
  if (process.getuid?.() !== 0) {
    fs.chmodSync(path, 0o000);
    await assert.rejects(connectSocket(path), PermissionError);
    return;
  }
  // Root bypasses file modes: connect from a child running as nobody instead.
  fs.chmodSync(dirname(path), 0o755);
  fs.chmodSync(path, 0o600);
  const connectModule = new URL('../src/transport/connect.js', import.meta.url).href;
  const script = `import { connectSocket } from ${JSON.stringify(connectModule)};
    connectSocket(${JSON.stringify(path)}).then(() => console.log('connected'), (e) => console.log(e.name + ' ' + e.code));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    uid: 65534,
    gid: 65534,
    encoding: 'utf8',
    timeout: 8000,
  });
  assert.equal(child.stdout.trim(), 'PermissionError UDS_ERR_PERMISSION', child.stderr);
});

test('validates connect options', async () => {
  await assert.rejects(connectSocket('/tmp/x.sock', { connectTimeoutMs: -1 }), { name: 'RangeError', message: /connectTimeoutMs/ });
  await assert.rejects(connectSocket('/tmp/x.sock', { retryDelayMs: 1.5 }), { name: 'RangeError', message: /retryDelayMs/ });
});
