import assert from 'node:assert/strict';
import test from 'node:test';
import { DemoLuxid } from '../../src/demo/luxid.js';
import { connectClient } from '../../src/dispatch/client.js';
import { createServer } from '../../src/dispatch/server.js';
import { createProxyMetrics, startMetricsServer } from '../../src/metrics/index.js';
import { createLuxiHandler } from '../../src/protocols/luxi/handler.js';
import type { ProxyExchange } from '../../src/proxy/exchange.js';
import { createProxy, type ProxyConnectionEvent } from '../../src/proxy/proxy.js';
import { tempSocketPath } from '../helpers/tmp.js';
import { parseExposition, sampleValue as value } from './exposition.js';

test('proxy exchanges and connections through a real proxy to the demo luxid show up in /metrics', { timeout: 10_000 }, async (t) => {
  const luxid = new DemoLuxid({ opDurationMs: 5, startDelayMs: 5 });
  const upstream = createServer(createLuxiHandler(luxid), {});
  const upstreamPath = tempSocketPath(t, 'up.sock');
  await upstream.listen(upstreamPath);
  t.after(async () => {
    await upstream.close();
    luxid.close();
  });

  const metrics = createProxyMetrics();
  // Wait for events, not for time: resolve once the proxy reported the close.
  let closed!: () => void;
  const connectionClosed = new Promise<void>((resolve) => (closed = resolve));
  const exchanges: ProxyExchange[] = [];
  const proxyPath = tempSocketPath(t, 'px.sock');
  const proxy = await createProxy({
    listen: proxyPath,
    upstream: upstreamPath,
    onExchange: (e) => {
      exchanges.push(e);
      metrics.onExchange(e);
    },
    onConnection: (e: ProxyConnectionEvent) => {
      metrics.onConnection(e);
      if (e.kind === 'close') closed();
    },
  });
  t.after(() => proxy.close());
  const endpoint = await startMetricsServer({ listen: '127.0.0.1:0', registry: metrics.registry });
  t.after(() => endpoint.close());

  const client = await connectClient(proxyPath, {});
  await client.call('QueryClusterInfo', []);
  await client.call('QueryConfigValues', [['cluster_name']]);
  await client.call('QueryClusterInfo', []);
  // luxid refuses synchronous queries with OpPrereqError.
  await assert.rejects(client.call('QueryNodes', [[], ['name'], true]), { name: 'OpPrereqError' });
  await client.close();
  await connectionClosed;

  const s = parseExposition(await (await fetch(endpoint.url)).text());
  assert.equal(value(s, 'ganeti_uds_proxy_exchanges_total', { method: 'QueryClusterInfo', outcome: 'answered', result: 'success' }), 2);
  assert.equal(value(s, 'ganeti_uds_proxy_exchanges_total', { method: 'QueryConfigValues', result: 'success' }), 1);
  assert.equal(value(s, 'ganeti_uds_proxy_exchanges_total', { method: 'QueryNodes', outcome: 'answered', result: 'failure' }), 1);
  assert.equal(value(s, 'ganeti_uds_proxy_exchange_errors_total', { method: 'QueryNodes', error_class: 'OpPrereqError' }), 1);
  assert.equal(value(s, 'ganeti_uds_proxy_exchange_duration_seconds_count', { method: 'QueryClusterInfo' }), 2);
  assert.equal(value(s, 'ganeti_uds_proxy_exchange_duration_seconds_bucket', { method: 'QueryClusterInfo', le: '+Inf' }), 2);
  // Bytes are the frames as forwarded, each with its 0x03.
  const sum = (method: string, side: 'request' | 'response') =>
    exchanges.filter((e) => e.method === method).reduce((n, e) => n + (e[side]?.length ?? 0) + 1, 0);
  assert.equal(value(s, 'ganeti_uds_proxy_request_bytes_total', { method: 'QueryClusterInfo' }), sum('QueryClusterInfo', 'request'));
  assert.equal(value(s, 'ganeti_uds_proxy_response_bytes_total', { method: 'QueryNodes' }), sum('QueryNodes', 'response'));
  assert.ok(sum('QueryClusterInfo', 'response') > 1000);
  assert.equal(value(s, 'ganeti_uds_proxy_connections_opened_total'), 1);
  assert.equal(value(s, 'ganeti_uds_proxy_connections_closed_total', { closed_by: 'client' }), 1);
  assert.equal(value(s, 'ganeti_uds_proxy_connections_open'), 0);
});

test('unanswered, unsolicited and malformed exchanges and connection errors have their own labels', { timeout: 5000 }, async () => {
  const metrics = createProxyMetrics({ maxLabelValues: 3 });
  const base: ProxyExchange = {
    connectionId: 1,
    seq: 1,
    outcome: 'answered',
    startedAt: new Date(0),
    durationMs: 2,
    request: Buffer.from('{"method":"Query","args":[]}'),
    response: Buffer.from('{"success":true,"result":1}'),
    method: 'Query',
    args: [],
    success: true,
    errorClass: null,
    errorMessage: null,
  };
  metrics.onConnection({ kind: 'open', connectionId: 1 });
  metrics.onExchange({ ...base, outcome: 'unanswered', response: null, success: null, durationMs: 900 });
  metrics.onExchange({ ...base, outcome: 'unsolicited', request: null, method: null, success: false, errorClass: 'GenericError' });
  metrics.onExchange({ ...base, request: Buffer.from('not json'), method: null, success: false, errorClass: 'RequestError' });
  for (const m of ['A', 'B', 'C', 'D']) metrics.onExchange({ ...base, method: m });
  metrics.onConnection({ kind: 'error', connectionId: 1, side: 'upstream', error: new Error('ECONNRESET') });
  metrics.onConnection({ kind: 'close', connectionId: 1, closedBy: 'upstream', error: null, exchanges: 7 });
  const s = parseExposition(await metrics.registry.metrics());
  assert.equal(value(s, 'ganeti_uds_proxy_exchanges_total', { method: 'Query', outcome: 'unanswered', result: 'none' }), 1);
  assert.equal(value(s, 'ganeti_uds_proxy_exchanges_total', { method: 'unknown', outcome: 'unsolicited', result: 'failure' }), 1);
  assert.equal(value(s, 'ganeti_uds_proxy_exchange_errors_total', { method: 'unknown', error_class: 'RequestError' }), 1);
  // The unanswered exchange's time (until the close) is not a latency.
  assert.equal(value(s, 'ganeti_uds_proxy_exchange_duration_seconds_count', { method: 'Query' }), undefined);
  // Query, unknown and A take the 3 method values; B, C, D are "other".
  assert.equal(value(s, 'ganeti_uds_proxy_exchanges_total', { method: 'A' }), 1);
  assert.equal(value(s, 'ganeti_uds_proxy_exchanges_total', { method: 'other' }), 3);
  assert.equal(value(s, 'ganeti_uds_proxy_connection_errors_total', { side: 'upstream' }), 1);
  assert.equal(value(s, 'ganeti_uds_proxy_connections_closed_total', { closed_by: 'upstream' }), 1);
  assert.equal(value(s, 'ganeti_uds_proxy_connections_open'), 0);
});
