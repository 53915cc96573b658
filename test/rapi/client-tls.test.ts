import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import test, { type TestContext } from 'node:test';
import { RapiClient } from '../../src/rapi/client.js';
import { RapiCertificateError, RapiErrorCodes } from '../../src/rapi/client-errors.js';

// A test CA and a server certificate it signed for cluster.example.com only (as Ganeti's
// rapi.pem names the cluster), valid 2000-2100. Made with `openssl ca` for these tests.
const TEST_CA = [
  '-----BEGIN CERTIFICATE-----',
  'MIIBbjCCARSgAwIBAgICEAAwCgYIKoZIzj0EAwIwHTEbMBkGA1UEAwwSZ2FuZXRp',
  'LXVkcyB0ZXN0IENBMCAXDTAwMDEwMTAwMDAwMFoYDzIxMDAwMTAxMDAwMDAwWjAd',
  'MRswGQYDVQQDDBJnYW5ldGktdWRzIHRlc3QgQ0EwWTATBgcqhkjOPQIBBggqhkjO',
  'PQMBBwNCAATYzYiLZDPk0XWaL9WlcDHhSpZKWVdzHJZUcJWtkmRZYByzAr+BOEZo',
  'Nt3nrlqf2M8x+cDMxtDQnz+cbuzdf7iIo0IwQDAPBgNVHRMBAf8EBTADAQH/MA4G',
  'A1UdDwEB/wQEAwIBBjAdBgNVHQ4EFgQUymH97jfWM/78jgyqUdel0wLgyJAwCgYI',
  'KoZIzj0EAwIDSAAwRQIhAMrbKHSOVIhhh5gC5t6zCJmKMQPSxkFJyaQhR3K09Uq3',
  'AiBkxTQIOourwy9f3+23aok1PTjy+4ISHgH0Xs/M3HYt7w==',
  '-----END CERTIFICATE-----',
].join('\n');
const SERVER_CERT = [
  '-----BEGIN CERTIFICATE-----',
  'MIIBsTCCAVegAwIBAgICEAEwCgYIKoZIzj0EAwIwHTEbMBkGA1UEAwwSZ2FuZXRp',
  'LXVkcyB0ZXN0IENBMCAXDTAwMDEwMTAwMDAwMFoYDzIxMDAwMTAxMDAwMDAwWjAe',
  'MRwwGgYDVQQDDBNjbHVzdGVyLmV4YW1wbGUuY29tMFkwEwYHKoZIzj0CAQYIKoZI',
  'zj0DAQcDQgAE4SLSELFbMgiqq77kMJHYvVjxeN5z/CajVuHWn5i0K0HYSHwd3c83',
  '/aUsxrRl8Xov9yTsIHNyl6ywvAR5SFr8haOBgzCBgDAJBgNVHRMEAjAAMB4GA1Ud',
  'EQQXMBWCE2NsdXN0ZXIuZXhhbXBsZS5jb20wEwYDVR0lBAwwCgYIKwYBBQUHAwEw',
  'HwYDVR0jBBgwFoAUymH97jfWM/78jgyqUdel0wLgyJAwHQYDVR0OBBYEFKTZd4pr',
  'igOAGbPbwrM2DssXW8HcMAoGCCqGSM49BAMCA0gAMEUCIQCPEryOPilb9Eym/5yW',
  '1Ra833JIbMAaNaGG0v8RTut3yQIgBrKh5Kv4LwOg9wbfCb7J+kYYvgv3l9LqBzGI',
  'hwGqq98=',
  '-----END CERTIFICATE-----',
].join('\n');
const SERVER_KEY = [
  '-----BEGIN PRIVATE KEY-----',
  'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgIxBZNNK8v9kvCkIo',
  '516xmPQdiiLH9D08LQza5Kmhv62hRANCAAThItIQsVsyCKqrvuQwkdi9WPF43nP8',
  'JqNW4dafmLQrQdhIfB3dzzf9pSzGtGXxei/3JOwgc3KXrLC8BHlIWvyF',
  '-----END PRIVATE KEY-----',
].join('\n');

/** An HTTPS server answering `"ok"`, counting TLS connections and HTTP requests. */
async function tlsRapi(t: TestContext, closeEach = false) {
  const stats = { connections: 0, requests: 0, authorization: [] as Array<string | undefined> };
  const server = https.createServer({ cert: SERVER_CERT, key: SERVER_KEY }, (req, res) => {
    stats.requests++;
    stats.authorization.push(req.headers.authorization);
    req.resume();
    req.on('end', () => {
      // ganeti-rapi closes the connection after each answer.
      res.writeHead(200, { 'content-type': 'application/json', ...(closeEach ? { connection: 'close' } : {}) });
      res.end('"ok"');
    });
  });
  server.on('secureConnection', () => stats.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { stats, url: `https://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function client(t: TestContext, options: ConstructorParameters<typeof RapiClient>[0]): RapiClient {
  const c = new RapiClient(options);
  t.after(() => c.destroy());
  return c;
}

const FINGERPRINT = new X509Certificate(SERVER_CERT).fingerprint256; // "AB:CD:..."

test('HTTPS with a CA: the chain and, unless told otherwise, the host name are checked', { timeout: 5000 }, async (t) => {
  const server = await tlsRapi(t);
  const byIp = client(t, { url: server.url, ca: TEST_CA });
  await assert.rejects(byIp.getVersion(), (err: unknown) => {
    assert.ok(err instanceof RapiCertificateError);
    assert.equal(err.code, RapiErrorCodes.certificate);
    assert.equal(err.requestSent, false);
    assert.match(err.message, /refused: Hostname\/IP does not match certificate's altnames/);
    return true;
  });
  const noHostCheck = client(t, { url: server.url, ca: TEST_CA, verifyHostname: false, username: 'admin', password: 's3cret' });
  assert.equal((await noHostCheck.getVersion()) as unknown, 'ok');
  assert.deepEqual(server.stats.authorization, [`Basic ${Buffer.from('admin:s3cret').toString('base64')}`]);
});

test('HTTPS without a CA refuses the self-signed chain unless rejectUnauthorized is false', { timeout: 5000 }, async (t) => {
  const server = await tlsRapi(t);
  await assert.rejects(client(t, { url: server.url }).getVersion(), { code: RapiErrorCodes.certificate, message: /unable to verify/i });
  assert.equal(server.stats.requests, 0);
  assert.equal((await client(t, { url: server.url, rejectUnauthorized: false }).getVersion()) as unknown, 'ok');
});

test('a pinned certificate is accepted by fingerprint alone, once per kept-alive connection', { timeout: 5000 }, async (t) => {
  const server = await tlsRapi(t);
  // Any spelling of the fingerprint: colons or not, any case.
  for (const pin of [FINGERPRINT, FINGERPRINT.replace(/:/g, '').toLowerCase()]) {
    const rapi = client(t, { url: server.url, pinnedCertSha256: pin });
    assert.equal((await rapi.getVersion()) as unknown, 'ok');
    assert.equal((await rapi.getInfo()) as unknown, 'ok');
  }
  assert.equal(server.stats.requests, 4);
  assert.equal(server.stats.connections, 2, 'one TLS connection per client, reused');
  // With a CA as well, both must hold.
  const both = client(t, { url: server.url, pinnedCertSha256: [`${'00'.repeat(32)}`, FINGERPRINT], ca: TEST_CA, verifyHostname: false });
  assert.equal((await both.getVersion()) as unknown, 'ok');
});

test('a pinned client checks every new connection, also when the server closes after each answer', { timeout: 5000 }, async (t) => {
  const server = await tlsRapi(t, true);
  const rapi = client(t, { url: server.url, pinnedCertSha256: FINGERPRINT });
  // A resumed TLS session shows no certificate, so the pinning agent never resumes one.
  for (let i = 0; i < 3; i++) assert.equal((await rapi.getVersion()) as unknown, 'ok');
  assert.equal(server.stats.connections, 3);
});

test('a certificate that matches no pin is refused before any request byte is sent', { timeout: 5000 }, async (t) => {
  const server = await tlsRapi(t);
  const rapi = client(t, { url: server.url, pinnedCertSha256: 'AA'.repeat(32), username: 'admin', password: 's3cret' });
  await assert.rejects(rapi.startupInstance('web1'), (err: unknown) => {
    assert.ok(err instanceof RapiCertificateError);
    assert.equal(err.code, RapiErrorCodes.certificate);
    assert.equal(err.requestSent, false);
    assert.equal(
      err.message,
      `PUT /2/instances/web1/startup: ${server.url} refused: the server's certificate SHA-256 ${FINGERPRINT} matches no pinned fingerprint`,
    );
    return true;
  });
  assert.equal(server.stats.requests, 0, 'the credentials never reached the server');
});
