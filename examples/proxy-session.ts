/**
 * A recording proxy session: createProxy sits between a LuxiClient and a running luxid
 * (or `ganeti-uds serve --demo`), forwards the bytes unchanged, and reports every
 * request/response pair, which this script prints as they complete.
 *
 * Run: node build/examples/examples/proxy-session.js [SOCKET]
 * SOCKET is the real daemon's socket; default $GANETI_UDS_SOCKET, then luxid's own path.
 * The proxy listens in a fresh temporary directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GanetiError, LuxiClient, createProxy, defaultQuerySocket, qlang, type ProxyExchange } from '../src/index.js';

const upstream = process.argv[2] ?? process.env['GANETI_UDS_SOCKET'] ?? defaultQuerySocket();
const tempDir = mkdtempSync(join(tmpdir(), 'proxy-example-'));
const listen = join(tempDir, 'proxy.sock');

const exchanges: ProxyExchange[] = [];
const proxy = await createProxy({
  listen,
  upstream,
  onExchange: (x) => {
    exchanges.push(x);
    const args = JSON.stringify(x.args, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? '';
    const answer = x.success === true ? `ok, ${x.response?.length ?? 0} bytes` : `${x.errorClass}: ${x.errorMessage}`;
    console.log(
      `conn ${x.connectionId} #${x.seq} ${x.method}(${args.length > 60 ? args.slice(0, 57) + '...' : args}) -> ${answer} [${x.outcome}, ${x.durationMs.toFixed(1)} ms]`,
    );
  },
  onConnection: (e) => console.log(`conn ${e.connectionId} ${e.kind}`),
});
console.log(`proxy ${listen} -> ${upstream}`);

try {
  const client = await LuxiClient.connect(listen, { connectTimeoutMs: 5000 });
  try {
    const [name] = await client.queryConfigValues(['cluster_name']);
    console.log(`client: cluster name ${String(name)}`);
    const result = await client.query('node', ['name'], qlang.regexp('name', '^node[12]\\.'));
    console.log(`client: ${result.data.length} nodes match ^node[12]`);
    try {
      await client.queryNodes([], ['name'], true);
    } catch (err) {
      if (!(err instanceof GanetiError)) throw err;
      console.log(`client: ${err.className}: ${err.message}`);
    }
  } finally {
    await client.close();
  }
} finally {
  // Closing waits for the connection's last reports.
  await proxy.close();
  rmSync(tempDir, { recursive: true, force: true });
}
console.log(`${exchanges.length} exchanges recorded`);
process.exitCode = exchanges.length === 3 && exchanges.every((x) => x.outcome === 'answered') ? 0 : 1;
