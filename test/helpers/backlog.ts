/**
 * A listening socket that never accepts: a child process binds it with backlog 1 and then
 * blocks its event loop, so the kernel queues two connections and refuses more (EAGAIN).
 */
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import type { TestContext } from 'node:test';

const CHILD = `
const net = require('node:net');
const server = net.createServer();
server.listen({ path: process.argv[1], backlog: 1 }, () => {
  process.stdout.write('ready\\n');
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 30000);
  process.exit(0);
});`;

/** Starts the child and fills its backlog; resolves once a further connect gets EAGAIN. */
export async function fullBacklogSocket(t: TestContext, path: string): Promise<void> {
  const child = spawn(process.execPath, ['-e', CHILD, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => child.kill('SIGKILL'));
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`backlog child exited with ${String(code)}`)));
  });
  const held: net.Socket[] = [];
  t.after(() => {
    for (const s of held) s.destroy();
  });
  for (let i = 0; i < 8; i++) {
    const code = await new Promise<string | undefined>((resolve) => {
      const s = net.createConnection({ path });
      s.once('connect', () => {
        held.push(s);
        resolve(undefined);
      });
      s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code));
    });
    if (code === 'EAGAIN') return;
    if (code !== undefined) throw new Error(`unexpected ${code} while filling the backlog`);
  }
  throw new Error('the backlog never filled');
}
