/**
 * Access control: the socket file mode is exact whatever the umask, and peer credentials
 * (native/peercred) reach handlers and drive allowUids/allowGids. Without the addon the
 * credentials are undefined and uid/gid rules refuse with a clear message.
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { Duplex } from 'node:stream';
import { test } from 'node:test';
import { echoHandler, type Handler } from '../../src/dispatch/handler.js';
import { createServer } from '../../src/dispatch/server.js';
import { peerCredentialsAvailable, type PeerCredentials } from '../../src/transport/peer-credentials.js';
import { RawPeer, startServer } from './raw.js';

const ADDON_MISSING = 'SKIPPED: native/peercred is not built (node-gyp rebuild -C native/peercred); peer credential checks are NOT covered';

for (const mode of [0o660, 0o600, 0o666]) {
  for (const umask of [0o000, 0o022, 0o077, 0o777]) {
    test(`creates the socket with mode 0${mode.toString(8)} exactly under umask 0${umask.toString(8).padStart(3, '0')} and restores the umask`, {
      timeout: 10_000,
    }, async (t) => {
      const previous = process.umask(umask);
      t.after(() => process.umask(previous));
      const { path } = await startServer(t, echoHandler, { mode });
      assert.equal(statSync(path).mode & 0o777, mode);
      assert.ok(statSync(path).isSocket());
      assert.equal(process.umask(umask), umask, 'listen puts the umask back');
    });
  }
}

test('uses mode 0660 by default, as luxid does', { timeout: 10_000 }, async (t) => {
  const previous = process.umask(0o002);
  t.after(() => process.umask(previous));
  const { path } = await startServer(t, echoHandler);
  assert.equal(statSync(path).mode & 0o777, 0o660);
});

const peerHandler: Handler<unknown, unknown> = {
  parse: (_method, args) => args,
  exec: (_args, context) => context.peer ?? null,
};

test('handlers see the peer uid, gid and pid of this process', { timeout: 10_000 }, async (t) => {
  if (!peerCredentialsAvailable()) {
    t.skip(ADDON_MISSING);
    return;
  }
  const { path } = await startServer(t, peerHandler);
  const peer = await RawPeer.open(t, path);
  await peer.write('{"method":"who","args":[]}\x03');
  const [answer] = await peer.answers(1);
  const expected: PeerCredentials = { pid: process.pid, uid: process.getuid?.() ?? -1, gid: process.getgid?.() ?? -1 };
  assert.deepEqual(answer, { success: true, result: expected });
});

test('allowUids without our uid refuses the connection; with it the connection is served', { timeout: 10_000 }, async (t) => {
  if (!peerCredentialsAvailable()) {
    t.skip(ADDON_MISSING);
    return;
  }
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const other = uid + 4242;
  const refused = await startServer(t, echoHandler, { allowUids: [other] });
  const a = await RawPeer.open(t, refused.path);
  const [refusal] = await a.answers(1);
  assert.deepEqual(refusal, { success: false, result: ['GenericError', [`Access denied for uid ${uid} gid ${gid}`]] });
  await a.closedByServer();
  assert.equal(refused.server.stats.connectionsRefused, 1);

  const allowed = await startServer(t, echoHandler, { allowUids: [other, uid] });
  const b = await RawPeer.open(t, allowed.path);
  await b.write('{"method":"echo","args":["in"]}\x03');
  assert.deepEqual(await b.answers(1), [{ success: true, result: ['in'] }]);

  const byGroup = await startServer(t, echoHandler, { allowUids: [other], allowGids: [gid] });
  const c = await RawPeer.open(t, byGroup.path);
  await c.write('{"method":"echo","args":["group"]}\x03');
  assert.deepEqual(await c.answers(1), [{ success: true, result: ['group'] }], 'a listed gid admits a peer whose uid is not listed');

  const wrongGroup = await startServer(t, echoHandler, { allowGids: [gid + 4242] });
  const d = await RawPeer.open(t, wrongGroup.path);
  const [groupRefusal] = await d.answers(1);
  assert.equal(groupRefusal?.success, false);
});

test('limits connections per uid when credentials are known', { timeout: 10_000 }, async (t) => {
  if (!peerCredentialsAvailable()) {
    t.skip(ADDON_MISSING);
    return;
  }
  const { path } = await startServer(t, echoHandler, { maxConnectionsPerUser: 2 });
  const held = [await RawPeer.open(t, path), await RawPeer.open(t, path)];
  for (const p of held) {
    await p.write('{"method":"echo","args":[]}\x03');
    await p.answers(1);
  }
  const third = await RawPeer.open(t, path);
  const [refusal] = await third.answers(1);
  assert.match(JSON.stringify(refusal?.result), /per-user limit.*--max-connections-per-user/);
});

/** Two connected in-memory Duplex ends, like a pipe pair: they carry no credentials. */
function duplexPair(): [Duplex, Duplex] {
  const make = (): Duplex & { other?: Duplex } =>
    new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        (this as Duplex & { other?: Duplex }).other?.push(chunk);
        cb();
      },
      final(cb) {
        (this as Duplex & { other?: Duplex }).other?.push(null);
        cb();
      },
    });
  const a = make();
  const b = make();
  a.other = b;
  b.other = a;
  return [a, b];
}

test('without peer credentials, allowUids refuses with a message saying why', { timeout: 10_000 }, async (t) => {
  // A stream that is not a socket has no credentials: the same path as a missing addon.
  const server = createServer(echoHandler, { allowUids: [0] });
  t.after(() => server.close(0));
  const [ours, theirs] = duplexPair();
  t.after(() => {
    ours.destroy();
    theirs.destroy();
  });
  const received: Buffer[] = [];
  ours.on('data', (c: Buffer) => received.push(c));
  server.serve(theirs);
  await new Promise<void>((resolve) => ours.once('end', resolve));
  const text = Buffer.concat(received).toString();
  assert.ok(text.endsWith('\x03'));
  assert.deepEqual(JSON.parse(text.slice(0, -1)), {
    success: false,
    result: [
      'GenericError',
      ['Access denied: peer credentials are unavailable (build native/peercred), so allowUids/allowGids cannot be checked'],
    ],
  });
});

test('without peer credentials and without uid rules, the handler sees peer undefined', { timeout: 10_000 }, async (t) => {
  const server = createServer(peerHandler);
  t.after(() => server.close(0));
  const [ours, theirs] = duplexPair();
  t.after(() => {
    ours.destroy();
    theirs.destroy();
  });
  const received: Buffer[] = [];
  ours.on('data', (c: Buffer) => received.push(c));
  server.serve(theirs);
  ours.write('{"method":"who","args":[]}\x03');
  await new Promise<void>((resolve) => {
    const check = (): void => {
      if (Buffer.concat(received).includes(0x03)) resolve();
      else setTimeout(check, 5);
    };
    check();
  });
  assert.equal(Buffer.concat(received).toString(), '{"success":true,"result":null}\x03');
});
