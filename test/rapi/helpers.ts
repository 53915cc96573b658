/**
 * RAPI server tests' helpers: the demo luxid on a temporary socket with our RAPI server in
 * front of it (in this process, port 0), and a small HTTP(S) client that sends any method
 * with any body (GET with a body too, as the wait-for-change resource needs).
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { TestContext } from 'node:test';
import { createServer } from '../../src/dispatch/server.js';
import { DemoLuxid } from '../../src/demo/luxid.js';
import { LuxiClient } from '../../src/protocols/luxi/client.js';
import { createLuxiHandler } from '../../src/protocols/luxi/handler.js';
import { startRapiServer, type RapiServer, type RapiServerOptions } from '../../src/rapi/server.js';
import type { RapiUser } from '../../src/rapi/users.js';
import { tempSocketPath } from '../helpers/tmp.js';

/** The users of every test server: a writer, a reader with an {HA1} password, a user without rights. */
export const TEST_USERS: RapiUser[] = [
  { name: 'admin', password: 's3cret', options: ['write'] },
  // md5("reader:Ganeti Remote API:r3ad"), in capitals: Ganeti compares case-insensitively
  { name: 'reader', password: '{HA1}915A02AC85F524CA18F68EA225E7633F', options: ['read'] },
  { name: 'nobody', password: 'n0ne', options: [] },
];

export const WRITER = { user: 'admin', password: 's3cret' };
export const READER = { user: 'reader', password: 'r3ad' };

export interface RapiFixture {
  rapi: RapiServer;
  luxi: LuxiClient;
  socket: string;
  demo: DemoLuxid;
  /** Sends a request to the RAPI server. */
  call(method: string, path: string, options?: CallOptions): Promise<HttpAnswer>;
}

export interface CallOptions {
  /** A JSON value (serialised), or raw text/bytes sent as they are. */
  body?: unknown;
  raw?: string | Buffer;
  contentType?: string;
  auth?: { user: string; password: string } | string;
  headers?: Record<string, string>;
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  json: unknown;
}

/** One HTTP(S) request; resolves with the whole answer. */
export function httpCall(
  base: { host: string; port: number; tls?: boolean; ca?: string },
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<HttpAnswer> {
  const headers: Record<string, string | number> = { ...options.headers };
  let payload: Buffer | undefined;
  if (options.raw !== undefined) payload = Buffer.from(options.raw);
  else if (options.body !== undefined) payload = Buffer.from(JSON.stringify(options.body));
  if (payload !== undefined) {
    headers['content-type'] = options.contentType ?? 'application/json';
    headers['content-length'] = payload.length;
  }
  if (typeof options.auth === 'string') headers['authorization'] = options.auth;
  else if (options.auth)
    headers['authorization'] = `Basic ${Buffer.from(`${options.auth.user}:${options.auth.password}`).toString('base64')}`;
  const send = base.tls ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      {
        host: base.host,
        port: base.port,
        method,
        path,
        headers,
        ...(base.tls ? { ca: base.ca, checkServerIdentity: () => undefined } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** The demo luxid (fast jobs) on a temp socket, and a RAPI server over it; all closed after the test. */
export async function startRapiFixture(t: TestContext, options: Partial<RapiServerOptions> = {}): Promise<RapiFixture> {
  const socket = tempSocketPath(t, 'q.sock');
  const demo = new DemoLuxid({ opDurationMs: 5, startDelayMs: 1 });
  const luxid = createServer(createLuxiHandler(demo), {});
  await luxid.listen(socket);
  const rapi = await startRapiServer({ luxiSocket: socket, port: 0, users: TEST_USERS, ...options });
  const luxi = await LuxiClient.connect(socket);
  t.after(async () => {
    luxi.destroy();
    await rapi.close();
    await luxid.close();
    demo.close();
  });
  const base = { ...rapi.address, tls: rapi.tls };
  return { rapi, luxi, socket, demo, call: (method, path, o) => httpCall(base, method, path, o) };
}

/** Waits for a job through `/2/jobs/ID/wait` (long polls), then answers `/2/jobs/ID`. */
export async function waitJob(fx: RapiFixture, jobId: unknown): Promise<Record<string, unknown>> {
  let prev: unknown = null;
  for (let i = 0; i < 100; i++) {
    const w = await fx.call('GET', `/2/jobs/${String(jobId)}/wait`, {
      body: { fields: ['status'], previous_job_info: prev },
      auth: WRITER,
    });
    if (w.status !== 200) throw new Error(`wait answered ${w.status}: ${w.text}`);
    const change = w.json as { job_info: unknown[] } | null;
    if (change === null) continue;
    prev = change.job_info;
    if (['success', 'error', 'canceled'].includes(String(change.job_info[0]))) break;
  }
  const job = await fx.call('GET', `/2/jobs/${String(jobId)}`);
  return job.json as Record<string, unknown>;
}
