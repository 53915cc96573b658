/**
 * The RAPI metrics wired to this project's RAPI server (its `onRequest` hook) on the demo
 * luxid, driven by the RAPI client, and scraped over HTTP.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { createRapiMetrics, startMetricsServer, type RapiRequestEvent } from '../../src/metrics/index.js';
import { RapiClient } from '../../src/rapi/client.js';
import { startRapiFixture } from '../rapi/helpers.js';
import { parseExposition, sampleValue as value } from './exposition.js';

test('requests to the RAPI server are counted by resource pattern and status', { timeout: 20_000 }, async (t) => {
  const metrics = createRapiMetrics();
  const events: RapiRequestEvent[] = [];
  let wanted = 0;
  let reached: (() => void) | undefined;
  const fx = await startRapiFixture(t, {
    onRequest: (e) => {
      events.push(e);
      metrics.onRequest(e);
      if (events.length >= wanted) reached?.();
    },
  });
  /** Resolves once the server has reported `n` requests (it reports after each answer). */
  const reported = (n: number) =>
    new Promise<void>((resolve) => {
      wanted = n;
      reached = resolve;
      if (events.length >= n) resolve();
    });
  const endpoint = await startMetricsServer({ listen: '127.0.0.1:0', registry: metrics.registry });
  t.after(() => endpoint.close());
  const rapi = new RapiClient({ url: `http://${fx.rapi.address.host}:${fx.rapi.address.port}`, username: 'admin', password: 's3cret' });
  t.after(() => rapi.destroy());

  await rapi.getInstances({ bulk: true });
  await rapi.getInstances();
  await rapi.getInstance('web1.example.com');
  await rapi.getInstance('db1.example.com');
  await assert.rejects(rapi.getInstance('nosuch.example.com'), { status: 404 });
  await assert.rejects(rapi.request('GET', '/2/nothing-here'), { status: 404 });
  await rapi.waitForJob(await rapi.addClusterTags(['metrics:test']));
  // 7 requests above, then at least one /wait and the GET of the job.
  await reported(9);

  const s = parseExposition(await (await fetch(endpoint.url)).text());
  assert.equal(value(s, 'ganeti_uds_rapi_requests_total', { method: 'GET', resource: '/2/instances', code: '200' }), 2);
  const one = events.find((e) => e.resource !== '/2/instances' && e.resource.startsWith('/2/instances/'))?.resource;
  assert.ok(one !== undefined && !one.includes('web1'), `a pattern, not a name: ${one}`);
  assert.equal(value(s, 'ganeti_uds_rapi_requests_total', { method: 'GET', resource: one, code: '200' }), 2);
  assert.equal(value(s, 'ganeti_uds_rapi_request_errors_total', { method: 'GET', resource: one, code: '404' }), 1);
  assert.equal(value(s, 'ganeti_uds_rapi_requests_total', { method: 'PUT', resource: '/2/tags', code: '200' }), 1);
  // A path no route matches is counted under the server's marker, not under the path.
  assert.equal(value(s, 'ganeti_uds_rapi_requests_total', { method: 'GET', resource: '(unmatched)', code: '404' }), 1);
  const bulk = events.find((e) => e.resource === '/2/instances' && e.bytesOut > 1000);
  assert.ok(bulk, 'the bulk list reports its answer size');
  assert.equal(value(s, 'ganeti_uds_rapi_request_duration_seconds_count', { method: 'GET', resource: '/2/instances' }), 2);
  assert.equal(
    value(s, 'ganeti_uds_rapi_response_bytes_total', { method: 'GET', resource: '/2/instances' }),
    events.filter((e) => e.method === 'GET' && e.resource === '/2/instances').reduce((n, e) => n + e.bytesOut, 0),
  );
});
