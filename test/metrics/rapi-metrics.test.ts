import assert from 'node:assert/strict';
import test, { type TestContext } from 'node:test';
import { createMetricsRegistry, createRapiMetrics, startMetricsServer, type MetricsServer } from '../../src/metrics/index.js';
import type { Registry } from 'prom-client';
import { parseExposition, sampleValue as value, type Sample } from './exposition.js';

async function serve(t: TestContext, registry: Registry): Promise<MetricsServer> {
  const server = await startMetricsServer({ listen: '127.0.0.1:0', registry });
  t.after(() => server.close());
  return server;
}

async function scrape(server: MetricsServer): Promise<Sample[]> {
  const res = await fetch(server.url);
  assert.equal(res.status, 200);
  return parseExposition(await res.text());
}

test('RAPI requests are counted by method, resource and status, with latency buckets and bytes', { timeout: 5000 }, async (t) => {
  const metrics = createRapiMetrics();
  const server = await serve(t, metrics.registry);
  const list = '/2/instances';
  const startup = '/2/instances/[instance_name]/startup';
  metrics.onRequest({ method: 'GET', resource: list, status: 200, durationMs: 0.3, bytesIn: 0, bytesOut: 500 });
  metrics.onRequest({ method: 'GET', resource: list, status: 200, durationMs: 1.2, bytesIn: 0, bytesOut: 700 });
  metrics.onRequest({ method: 'PUT', resource: startup, status: 200, durationMs: 20, bytesIn: 0, bytesOut: 2 });
  metrics.onRequest({ method: 'PUT', resource: startup, status: 401, durationMs: 0.1, bytesIn: 0, bytesOut: 90 });
  metrics.onRequest({ method: 'POST', resource: '/2/instances', status: 400, durationMs: 12_000, bytesIn: 321, bytesOut: 150 });
  metrics.onRequest({ method: 'PROPFIND', resource: 'unknown', status: 404, durationMs: 0.2, bytesIn: -1, bytesOut: Number.NaN });
  const s = await scrape(server);

  assert.equal(value(s, 'ganeti_uds_rapi_requests_total', { method: 'GET', resource: list, code: '200' }), 2);
  assert.equal(value(s, 'ganeti_uds_rapi_requests_total', { method: 'PUT', resource: startup, code: '200' }), 1);
  assert.equal(value(s, 'ganeti_uds_rapi_requests_total', { method: 'PUT', resource: startup, code: '401' }), 1);
  assert.equal(value(s, 'ganeti_uds_rapi_requests_total', { method: 'other', resource: 'unknown', code: '404' }), 1);
  assert.equal(value(s, 'ganeti_uds_rapi_request_errors_total', { method: 'PUT', resource: startup, code: '401' }), 1);
  assert.equal(value(s, 'ganeti_uds_rapi_request_errors_total', { method: 'POST', code: '400' }), 1);
  assert.equal(value(s, 'ganeti_uds_rapi_request_errors_total', { method: 'GET' }), undefined, 'no errors for GET');

  const h = 'ganeti_uds_rapi_request_duration_seconds';
  const getList = { method: 'GET', resource: list };
  assert.equal(value(s, `${h}_bucket`, { ...getList, le: '0.0005' }), 1);
  assert.equal(value(s, `${h}_bucket`, { ...getList, le: '0.001' }), 1);
  assert.equal(value(s, `${h}_bucket`, { ...getList, le: '0.0025' }), 2);
  assert.equal(value(s, `${h}_bucket`, { ...getList, le: '+Inf' }), 2);
  assert.equal(value(s, `${h}_count`, getList), 2);
  assert.ok(Math.abs((value(s, `${h}_sum`, getList) ?? 0) - 0.0015) < 1e-12);
  // 12 s is beyond the last bucket (10 s): only +Inf holds it.
  assert.equal(value(s, `${h}_bucket`, { method: 'POST', le: '10' }), 0);
  assert.equal(value(s, `${h}_bucket`, { method: 'POST', le: '+Inf' }), 1);
  assert.deepEqual(
    s.filter((x) => x.name === `${h}_bucket` && x.labels['method'] === 'GET').map((x) => x.labels['le']),
    ['0.0005', '0.001', '0.0025', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'],
  );

  assert.equal(value(s, 'ganeti_uds_rapi_response_bytes_total', getList), 1200);
  assert.equal(value(s, 'ganeti_uds_rapi_request_bytes_total', { method: 'POST' }), 321);
  // Garbled byte counts add nothing instead of throwing.
  assert.equal(value(s, 'ganeti_uds_rapi_request_bytes_total', { method: 'other' }), 0);
  assert.equal(value(s, 'ganeti_uds_rapi_response_bytes_total', { method: 'other' }), 0);
});

test('resources beyond maxLabelValues are counted as "other"', { timeout: 5000 }, async (t) => {
  const metrics = createRapiMetrics({ maxLabelValues: 2, prefix: 'x_' });
  const server = await serve(t, metrics.registry);
  for (const resource of ['/2/info', '/2/os', '/2/nodes', '/2/jobs', '/2/info']) {
    metrics.onRequest({ method: 'GET', resource, status: 200, durationMs: 1, bytesIn: 0, bytesOut: 1 });
  }
  const s = await scrape(server);
  assert.equal(value(s, 'x_rapi_requests_total', { resource: '/2/info' }), 2);
  assert.equal(value(s, 'x_rapi_requests_total', { resource: '/2/os' }), 1);
  assert.equal(value(s, 'x_rapi_requests_total', { resource: 'other' }), 2);
  assert.equal(value(s, 'ganeti_uds_rapi_requests_total'), undefined);
});

test('the endpoint answers GET /metrics in the registry content type, 404 elsewhere, 405 for writes', { timeout: 5000 }, async (t) => {
  const registry = createMetricsRegistry({ processMetrics: true, defaultLabels: { cluster: 'test' } });
  const metrics = createRapiMetrics({ registry });
  metrics.onRequest({ method: 'GET', resource: '/2/info', status: 200, durationMs: 1, bytesIn: 0, bytesOut: 10 });
  const server = await serve(t, registry);
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  const res = await fetch(server.url);
  assert.equal(res.headers.get('content-type'), registry.contentType);
  const s = parseExposition(await res.text());
  assert.equal(value(s, 'ganeti_uds_rapi_requests_total', { cluster: 'test', resource: '/2/info' }), 1);
  assert.ok((value(s, 'ganeti_uds_process_resident_memory_bytes', { cluster: 'test' }) ?? 0) > 0, 'process metrics are there');
  const base = server.url.replace(/\/metrics$/, '');
  assert.equal((await fetch(`${base}/`)).status, 404);
  assert.equal((await fetch(`${base}/metrics/x`)).status, 404);
  assert.equal((await fetch(`${server.url}?name[]=x`)).status, 200);
  const post = await fetch(server.url, { method: 'POST', body: 'x' });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get('allow'), 'GET, HEAD');
  const head = await fetch(server.url, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), '');
  await server.close();
  await assert.rejects(fetch(server.url));
});

test('two metric sets of the same kind in one registry are refused by name', () => {
  const registry = createMetricsRegistry();
  createRapiMetrics({ registry });
  assert.throws(() => createRapiMetrics({ registry }), /already been registered/);
  assert.throws(() => createRapiMetrics({ buckets: [1, 0.5] }), { name: 'RangeError', message: /increasing/ });
  assert.throws(() => createRapiMetrics({ prefix: 'bad-prefix' }), { name: 'RangeError', message: /prefix/ });
  assert.throws(() => createRapiMetrics({ maxLabelValues: -1 }), { name: 'RangeError' });
});
