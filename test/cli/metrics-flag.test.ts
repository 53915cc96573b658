/**
 * `--metrics HOST:PORT` on `rapi` and `proxy`: the built CLI serves Prometheus text at
 * /metrics, counting the requests it served.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { get } from 'node:http';
import test, { type TestContext } from 'node:test';
import { connectClient } from '../../src/dispatch/client.js';
import { tempSocketPath } from '../helpers/tmp.js';
import { cliPath, repoRoot, startDemo } from './cli-helpers.js';

/** Spawns the CLI and resolves with the URLs its output names once `count` of them appeared. */
async function spawnUntilUrls(t: TestContext, args: string[], count: number): Promise<{ child: ChildProcess; urls: string[] }> {
  const child = spawn(process.execPath, [cliPath(), ...args], { cwd: repoRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await closed;
  });
  let text = '';
  const urls = await new Promise<string[]>((resolve, reject) => {
    const look = (chunk: Buffer): void => {
      text += chunk.toString('utf8');
      const found = text.match(/https?:\/\/[\d.:]+\/\S*/g) ?? [];
      if (found.length >= count) resolve(found);
    };
    child.stdout?.on('data', look);
    child.stderr?.on('data', look);
    child.on('close', (code) => reject(new Error(`${args[0]} exited ${code}: ${text}`)));
  });
  return { child, urls };
}

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

test('rapi --metrics counts the RAPI requests it served, by resource and code', { timeout: 30_000 }, async (t) => {
  const demo = await startDemo(t);
  const { urls } = await spawnUntilUrls(
    t,
    ['rapi', '--luxi', demo.socket, '--no-ssl', '--listen', '127.0.0.1:0', '--metrics', '127.0.0.1:0', '--log-level', 'warn'],
    2,
  );
  const metricsUrl = urls.find((u) => u.endsWith('/metrics')) as string;
  const rapiUrl = (urls.find((u) => !u.endsWith('/metrics')) as string).replace(/\/$/, '');
  assert.equal((await httpGet(`${rapiUrl}/2/info`)).status, 200);
  assert.equal((await httpGet(`${rapiUrl}/2/instances/nosuch.example.com`)).status, 404);
  const scrape = await httpGet(metricsUrl);
  assert.equal(scrape.status, 200);
  assert.match(scrape.body, /ganeti_uds_rapi_requests_total\{method="GET",resource="\/2\/info",code="200"\} 1/);
  assert.match(scrape.body, /ganeti_uds_rapi_requests_total\{method="GET",resource="\/2\/instances\/\[instance_name\]",code="404"\} 1/);
  assert.equal((await httpGet(metricsUrl.replace('/metrics', '/other'))).status, 404);
});

test('proxy --metrics counts the exchanges it forwarded, by Luxi method', { timeout: 30_000 }, async (t) => {
  const demo = await startDemo(t);
  const listen = tempSocketPath(t, 'proxy.sock');
  const { urls } = await spawnUntilUrls(
    t,
    ['proxy', '--listen', listen, '--upstream', demo.socket, '--json', '--metrics', '127.0.0.1:0'],
    1,
  );
  const client = await connectClient(listen);
  t.after(() => client.destroy());
  await client.call('QueryClusterInfo', []);
  await client.call('QueryClusterInfo', []);
  await client.close();
  const scrape = await httpGet(urls[0] as string);
  assert.match(scrape.body, /ganeti_uds_proxy_exchanges_total\{method="QueryClusterInfo",outcome="answered",result="success"\} 2/);
});
