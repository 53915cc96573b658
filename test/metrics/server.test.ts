import assert from 'node:assert/strict';
import * as net from 'node:net';
import test from 'node:test';
import { createMetricsRegistry, parseListenAddress, startMetricsServer } from '../../src/metrics/index.js';

test('parseListenAddress takes HOST:PORT, [IPV6]:PORT, and :PORT or PORT on loopback', () => {
  assert.deepEqual(parseListenAddress('127.0.0.1:9100'), { host: '127.0.0.1', port: 9100 });
  assert.deepEqual(parseListenAddress('localhost:0'), { host: 'localhost', port: 0 });
  assert.deepEqual(parseListenAddress('[::1]:9100'), { host: '::1', port: 9100 });
  assert.deepEqual(parseListenAddress(':9100'), { host: '127.0.0.1', port: 9100 });
  assert.deepEqual(parseListenAddress('0.0.0.0:9100'), { host: '0.0.0.0', port: 9100 });
  assert.deepEqual(parseListenAddress('[::]:9100'), { host: '::', port: 9100 });
  assert.deepEqual(parseListenAddress('9100'), { host: '127.0.0.1', port: 9100 });
  for (const bad of ['', 'host', 'host:', 'host:65536', '::1:9100', 'host:-1', 'host:9100x', '[::1]']) {
    assert.throws(() => parseListenAddress(bad), { name: 'RangeError', message: /HOST:PORT/ }, bad);
  }
});

test('startMetricsServer reports a busy port as the listen error', { timeout: 5000 }, async (t) => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.after(() => blocker.close());
  const port = (blocker.address() as net.AddressInfo).port;
  await assert.rejects(startMetricsServer({ listen: `127.0.0.1:${port}`, registry: createMetricsRegistry() }), { code: 'EADDRINUSE' });
  await assert.rejects(startMetricsServer({ listen: 'nope', registry: createMetricsRegistry() }), RangeError);
});
