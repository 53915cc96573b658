// `ganeti-uds proxy` between the REAL Python ganeti.luxi client and `serve --demo`: the
// client must get exactly what it gets without the proxy, and the proxy must report one
// exchange per call with the right method and outcome.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeJson } from '../../src/codec.js';
import { cliPath, ganetiSkip, runDriver, shortTempDir, startDemoCli, type DemoServer, type DriverCall } from './peers.js';

const skip = ganetiSkip();

const script: DriverCall[] = [
  { method: 'QueryClusterInfo', args: [] },
  { method: 'QueryNodes', args: [[], ['name', 'mfree', 'offline'], false] },
  { method: 'QueryNodes', args: [[], ['name'], true] },
  { method: 'QueryInstances', args: [['café.example.com'], ['name', 'pnode', 'tags'], false] },
  { method: 'Query', args: ['group', ['name', 'uuid'], null] },
  { method: 'QueryJobs', args: [[1795633315754584001n], ['id', 'status']] },
];

interface Report {
  conn: number;
  seq: number;
  method: string | null;
  success: boolean | null;
  errorClass: string | null;
  outcome: string;
}

describe('ganeti-uds proxy between the real Python luxi client and serve --demo', { skip, timeout: 60_000 }, () => {
  let demo: DemoServer | undefined;
  let proxy: ChildProcess | undefined;
  let proxySocket = '';
  let stdout = '';
  let dir = '';

  before(async () => {
    demo = await startDemoCli();
    dir = shortTempDir('proxy-');
    proxySocket = join(dir, 'proxy.sock');
    proxy = spawn(process.execPath, [cliPath(), 'proxy', '--listen', proxySocket, '--upstream', demo.socket, '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proxy.stdout?.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    for (let i = 0; i < 100 && !existsSync(proxySocket); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(existsSync(proxySocket), 'the proxy did not start listening');
  });

  after(async () => {
    if (proxy && proxy.exitCode === null) {
      const exited = new Promise((r) => proxy?.once('close', r));
      proxy.kill('SIGTERM');
      await exited;
    }
    await demo?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the client gets the same answers through the proxy, and each call is reported', { timeout: 45_000 }, async () => {
    const direct = await runDriver(demo?.socket ?? '', script);
    const proxied = await runDriver(proxySocket, script);
    assert.deepEqual(proxied, direct);
    assert.equal(proxied[2]?.ok, false);
    assert.equal(proxied[2]?.ok === false ? proxied[2].error_class : '', 'OpPrereqError');

    for (let i = 0; i < 100 && stdout.trim().split('\n').length < script.length; i++) await new Promise((r) => setTimeout(r, 50));
    const reports = stdout
      .trim()
      .split('\n')
      .map((line) => decodeJson(line) as Report);
    assert.deepEqual(
      reports.map((r) => r.method),
      script.map((c) => c.method),
    );
    assert.deepEqual(
      reports.map((r) => r.success),
      proxied.map((line) => line.ok),
    );
    assert.equal(reports[2]?.errorClass, 'OpPrereqError');
    assert.ok(reports.every((r) => r.conn === reports[0]?.conn && r.outcome === 'answered'));
    assert.deepEqual(
      reports.map((r) => r.seq),
      script.map((_c, i) => i + 1),
    );
  });
});
