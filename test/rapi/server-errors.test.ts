// The RAPI server's refusals, each with ganeti-rapi's status and body: authentication
// (plain and {HA1} users, read-only users, --require-authentication), bad requests, the
// luxid gone (502) or drained (503), limits against hostile clients, HTTPS, and the CLI.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RapiUsers, parseUsersFile, verifyPassword } from '../../src/rapi/users.js';
import { startRapiServer, type RapiRequestEvent } from '../../src/rapi/server.js';
import { tempDir } from '../helpers/tmp.js';
import { READER, WRITER, httpCall, startRapiFixture } from './helpers.js';

type Rec = Record<string, unknown>;

/** Sends raw bytes and collects what comes back until the server closes the connection. */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let got = '';
    sock.setEncoding('utf8');
    sock.on('data', (c: string) => (got += c));
    sock.on('close', () => resolve(got));
    sock.on('error', reject);
    sock.write(bytes);
  });
}

describe('RAPI authentication', { timeout: 30_000 }, () => {
  test('a write without credentials is 401 with the Basic realm; wrong password too', async (t) => {
    const fx = await startRapiFixture(t);
    const none = await fx.call('PUT', '/2/instances/web1.example.com/shutdown');
    assert.equal(none.status, 401);
    assert.equal(none.headers['www-authenticate'], 'Basic realm="Ganeti Remote API"');
    assert.equal(none.text, '{"code": 401, "message": "Unauthorized", "explain": "No permission -- see authorization schemes"}\n');
    const wrong = await fx.call('PUT', '/2/instances/web1.example.com/shutdown', { auth: { user: 'admin', password: 'nope' } });
    assert.equal(wrong.status, 401);
    // Credentials are checked even where none are needed, as ganeti-rapi does.
    assert.equal((await fx.call('GET', '/2/info', { auth: { user: 'ghost', password: 'x' } })).status, 401);
    assert.equal((await fx.call('GET', '/2/info', { auth: 'Basic' })).status, 400);
  });

  test('a read-only user ({HA1} password) reads queries but gets 403 on writes; a user without options too', async (t) => {
    const fx = await startRapiFixture(t);
    assert.equal((await fx.call('GET', '/2/query/instance?fields=name', { auth: READER })).status, 200);
    const refused = await fx.call('PUT', '/2/instances/web1.example.com/shutdown', { auth: READER });
    assert.equal(refused.status, 403);
    assert.deepEqual(refused.json, { code: 403, message: 'Forbidden', explain: 'Request forbidden -- authorization will not help' });
    assert.equal((await fx.call('GET', '/2/query/instance?fields=name', { auth: { user: 'nobody', password: 'n0ne' } })).status, 403);
    assert.equal(((await fx.call('GET', '/2/instances/web1.example.com')).json as Rec)['admin_state'], 'up');
  });

  test('requireAuthForReads: anonymous reads are 401, any known user reads', async (t) => {
    const fx = await startRapiFixture(t, { requireAuthForReads: true });
    assert.equal((await fx.call('GET', '/2/info')).status, 401);
    assert.equal((await fx.call('GET', '/2/info', { auth: { user: 'nobody', password: 'n0ne' } })).status, 200);
  });

  test('the users file: format, plain, {CLEARTEXT} and {HA1} passwords, and re-reading on change', (t) => {
    const users = parseUsersFile('# comment\n\nadmin s3cret write\nreader {HA1}915a02ac85f524ca18f68ea225e7633f read, extra\nlonely\n');
    assert.deepEqual(users.get('reader')?.options, ['read', 'extra']);
    assert.equal(users.has('lonely'), false);
    assert.equal(verifyPassword('admin', 's3cret', 's3cret'), true);
    assert.equal(verifyPassword('admin', 's3cret', '{cleartext}s3cret'), true);
    assert.equal(verifyPassword('reader', 'r3ad', '{HA1}915a02ac85f524ca18f68ea225e7633f'), true);
    assert.equal(verifyPassword('reader', 'wrong', '{HA1}915a02ac85f524ca18f68ea225e7633f'), false);
    assert.equal(verifyPassword('x', 'y', '{SHA}y'), false);
    const dir = tempDir(t);
    const file = join(dir, 'users');
    writeFileSync(file, 'admin one write\n');
    const problems: string[] = [];
    const t0 = Date.now();
    const source = new RapiUsers(file, (m) => problems.push(m));
    assert.equal(source.get('admin', t0)?.password, 'one');
    writeFileSync(file, 'admin two-longer write\n');
    // Checked again once RECHECK_MS has passed since the last look (clock given, not waited for).
    assert.equal(source.get('admin', t0 + RapiUsers.RECHECK_MS + 1)?.password, 'two-longer');
    const missing = new RapiUsers(join(dir, 'absent'), (m) => problems.push(m));
    assert.equal(missing.get('admin'), undefined);
    assert.match(problems.join('\n'), /No users file at .*absent/);
  });
});

describe('RAPI errors', { timeout: 30_000 }, () => {
  test('unknown resource 404, unsupported method 501 naming method and path, bad query value 400', async (t) => {
    const fx = await startRapiFixture(t);
    assert.equal((await fx.call('GET', '/2/nosuch')).status, 404);
    assert.equal((await fx.call('GET', '/2/instances/')).status, 404);
    const patch = await fx.call('PATCH', '/2/info?x=1');
    assert.equal(patch.status, 501);
    assert.equal(
      patch.text,
      '{"code": 501, "message": "Method PATCH is unsupported for path /2/info?x=1", "explain": "Server does not support this operation"}\n',
    );
    assert.equal((await fx.call('DELETE', '/2/info', { auth: WRITER })).status, 501);
    const bulk = await fx.call('GET', '/2/instances?bulk=yes');
    assert.equal(bulk.status, 400);
    assert.equal((bulk.json as Rec)['message'], 'Invalid value for the &#x27;bulk&#x27; parameter');
  });

  test('malformed JSON is 400, a non-JSON content type 415', async (t) => {
    const fx = await startRapiFixture(t);
    const bad = await fx.call('PUT', '/2/instances/web1.example.com/shutdown', { raw: '{bad', auth: WRITER });
    assert.equal(bad.status, 400);
    assert.equal(
      bad.text,
      '{"code": 400, "message": "Unable to parse JSON data", "explain": "Bad request syntax or unsupported method"}\n',
    );
    const text = await fx.call('PUT', '/2/instances/web1.example.com/shutdown', { raw: '{}', contentType: 'text/plain', auth: WRITER });
    assert.equal(text.status, 415);
    assert.equal((text.json as Rec)['message'], 'Unsupported Media Type');
  });

  test('a luxid that is not there is 502, as NoMasterError in ganeti-rapi', async (t) => {
    const dir = tempDir(t);
    const socket = join(dir, 'nothing.sock');
    const rapi = await startRapiServer({ luxiSocket: socket, port: 0, users: [{ name: 'admin', password: 's3cret', options: ['write'] }] });
    t.after(() => rapi.close());
    const info = await httpCall(rapi.address, 'GET', '/2/info');
    assert.equal(info.status, 502);
    assert.deepEqual(info.json, {
      code: 502,
      message: `Can&#x27;t connect to master daemon: ${socket}`,
      explain: 'Invalid responses from another server/proxy',
    });
    const write = await httpCall(rapi.address, 'PUT', '/2/instances/web1/shutdown', { auth: WRITER });
    assert.equal(write.status, 502);
    assert.equal((write.json as Rec)['message'], `Can&#x27;t connect to master daemon: ${socket}`);
  });

  test('a drained queue refuses writes as ganeti-rapi does on luxid: 500 "Queue drained"; reads go on', async (t) => {
    const fx = await startRapiFixture(t);
    await fx.luxi.setDrainFlag(true);
    // luxid (and the demo) refuse with GenericError "Queue drained", not the
    // JobQueueDrainError that ganeti-rapi maps to 503: the real daemon answers 500 here.
    const refused = await fx.call('PUT', '/2/instances/web1.example.com/shutdown', { auth: WRITER });
    assert.equal(refused.status, 500);
    assert.deepEqual(refused.json, { code: 500, message: 'Queue drained', explain: 'Server got itself in trouble' });
    assert.equal((await fx.call('GET', '/2/info')).status, 200);
  });

  test('a body over maxBodyBytes is 413 and the connection closes; at the limit it is read', async (t) => {
    const fx = await startRapiFixture(t, { maxBodyBytes: 64 });
    const big = await fx.call('PUT', '/2/modify', { raw: `{"x": "${'a'.repeat(100)}"}`, auth: WRITER });
    assert.equal(big.status, 413);
    assert.equal(big.headers['connection'], 'close');
    assert.deepEqual(big.json, { code: 413, message: 'Request Entity Too Large', explain: 'Entity is too large' });
    const exact = `{"candidate_pool_size": 1${' '.repeat(64 - 26)}}`;
    assert.equal(Buffer.byteLength(exact), 64);
    assert.equal((await fx.call('PUT', '/2/modify', { raw: exact, auth: WRITER })).status, 200);
  });

  test('HTTP/1.1 without Host is 400; a garbage request line is 400; the server survives both', async (t) => {
    const fx = await startRapiFixture(t);
    const noHost = await rawExchange(fx.rapi.address.port, 'GET /2/info HTTP/1.1\r\nConnection: close\r\n\r\n');
    assert.match(noHost, /^HTTP\/1\.1 400 /);
    assert.ok(noHost.includes('"message": "Missing Host header"'), noHost);
    const garbage = await rawExchange(fx.rapi.address.port, 'HELLO\x00THERE\r\n\r\n');
    assert.match(garbage, /^HTTP\/1\.1 400 /);
    assert.equal((await fx.call('GET', '/version')).text, '2\n');
  });

  test('a client that never finishes its headers is cut off after headersTimeoutMs', async (t) => {
    const fx = await startRapiFixture(t, { headersTimeoutMs: 200 });
    const answer = await rawExchange(fx.rapi.address.port, 'GET /2/info HTTP/1.1\r\nHost: x\r\n');
    assert.match(answer, /^HTTP\/1\.1 408 /);
  });

  test('onRequest reports method, URL pattern, status and byte counts', async (t) => {
    const events: RapiRequestEvent[] = [];
    const fx = await startRapiFixture(t, { onRequest: (e) => events.push(e) });
    const answer = await fx.call('GET', '/2/instances/web1.example.com');
    await fx.call('GET', '/2/nosuch');
    await fx.call('PUT', '/2/modify', { body: {}, auth: WRITER });
    assert.deepEqual(
      events.map((e) => [e.method, e.resource, e.status]),
      [
        ['GET', '/2/instances/[instance_name]', 200],
        ['GET', '(unmatched)', 404],
        ['PUT', '/2/modify', 200],
      ],
    );
    assert.equal(events[0]?.bytesOut, Buffer.byteLength(answer.text));
    assert.equal(events[2]?.bytesIn, 2);
    assert.ok(events.every((e) => e.durationMs >= 0));
  });
});

describe('RAPI over HTTPS', { timeout: 60_000 }, () => {
  const openssl = spawnSync('openssl', ['version']).status === 0;
  if (!openssl) process.stderr.write('\n*** RAPI HTTPS test SKIPPED: openssl missing (`apt-get install openssl`) ***\n\n');
  test('serves with a self-signed key+certificate PEM', {
    skip: openssl ? false : 'openssl missing: apt-get install openssl',
  }, async (t) => {
    const dir = tempDir(t);
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    const made = spawnSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', key, '-out', cert],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(made.status, 0, made.stderr);
    const pem = readFileSync(key, 'utf8') + readFileSync(cert, 'utf8');
    const fx = await startRapiFixture(t, { tls: { pem } });
    assert.equal(fx.rapi.tls, true);
    const base = { ...fx.rapi.address, tls: true, ca: readFileSync(cert, 'utf8') };
    const info = await httpCall(base, 'GET', '/2/info');
    assert.equal((info.json as Rec)['name'], 'cluster.example.com');
    assert.equal((await httpCall(base, 'PUT', '/2/instances/web1.example.com/shutdown', { auth: READER })).status, 403);
  });
});

describe('ganeti-uds rapi (CLI)', { timeout: 30_000 }, () => {
  const cli = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
  test('needs --cert or --no-ssl and says so; --help states the defaults', () => {
    const r = spawnSync(process.execPath, [cli, 'rapi', '--luxi', '/tmp/x.sock'], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--cert PEM .* or --no-ssl/);
    const help = spawnSync(process.execPath, [cli, 'rapi', '--help'], { encoding: 'utf8' });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /default 127\.0\.0\.1:5080/);
  });

  test('serve --demo --rapi 0 serves RAPI on the demo in one process and stops on SIGINT', async (t) => {
    const dir = tempDir(t);
    const child = spawn(process.execPath, [cli, 'serve', '--demo', '--socket', join(dir, 'q.sock'), '--rapi', '0'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    t.after(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (c: string) => {
        out += c;
        const m = /RAPI listening on (http:\/\/[^\s]+)\//.exec(out);
        if (m?.[1]) resolve(m[1]);
      });
      child.on('close', (code) => reject(new Error(`serve exited ${code} before RAPI listened: ${out}`)));
    });
    const port = Number(new URL(url).port);
    const info = await httpCall({ host: '127.0.0.1', port }, 'GET', '/2/info');
    assert.equal((info.json as Rec)['name'], 'cluster.example.com');
    child.kill('SIGINT');
    assert.equal(await exited, 0);
  });
});
