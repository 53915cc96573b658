/**
 * The REAL Ganeti 3.0 RAPI daemon (`ganeti-rapi`) on top of any luxid socket, for the interop
 * tests and the benchmark, plus a small HTTP(S) client that talks to it and to ours alike.
 *
 * `startRealRapi` lays out a Ganeti virtual-cluster root of its own (`<tmp>/<master>`:
 * ssconf files naming the master, the users file, `rapi.pem`, log and run directories owned by
 * gnt-rapi, and `var/run/ganeti/socket/ganeti-query` as a symlink to the luxid socket given),
 * then runs the daemon there as the gnt-rapi user with setpriv, over HTTPS (default) or plain
 * HTTP (`--no-ssl`). Each daemon has its own root, so several can run on one luxid (the pid
 * file lives in the root). Facts: ../shared/spec/real-ganeti-3.0.md, "The real Ganeti RAPI
 * daemon on top of a mock luxid".
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type Agent as HttpAgent, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type Agent as HttpsAgent } from 'node:https';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { parseExactJson } from '../../src/exact-json.js';
import { startRapiServer } from '../../src/rapi/server.js';
import { GANETI_PYTHONPATH, PYTHON, ganetiSkip, run, shortTempDir } from './peers.js';

export const RAPI_DAEMON = join(GANETI_PYTHONPATH, 'ganeti-rapi');
const INSTALL = 'run `sudo bash .ci/install-ganeti.sh`';

/** The users of every test daemon (Ganeti's users file: `name password options`). */
export const RAPI_WRITER = { user: 'admin', password: 's3cret' } as const;
export const RAPI_READER = { user: 'reader', password: 'r3ad' } as const;
export const RAPI_USERS_TEXT = `${RAPI_WRITER.user} ${RAPI_WRITER.password} write\n${RAPI_READER.user} ${RAPI_READER.password} read\n`;

/** Credentials for HTTP Basic auth. */
export interface RapiCredentials {
  user: string;
  password: string;
}

/** Uid and gid of a local user, or undefined when there is none. */
export function userIds(user: string): { uid: number; gid: number } | undefined {
  const uid = spawnSync('id', ['-u', user], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', user], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

let skipReported = false;

/**
 * `false` when the real ganeti-rapi can run here, else why not (also written to stderr once,
 * so a skipped run is visible in CI logs). Needs the Ganeti packages, root (setpriv to
 * gnt-rapi), openssl and, for Ganeti's Python RAPI client, python3-pycurl.
 */
export function rapiSkip(): string | false {
  const base = ganetiSkip();
  if (base) return base;
  const why = (need: string): string => {
    const msg = `ganeti-rapi interop SKIPPED: ${need}`;
    if (!skipReported) process.stderr.write(`\n*** ${msg} ***\n\n`);
    skipReported = true;
    return msg;
  };
  if (!existsSync(RAPI_DAEMON)) return why(`${RAPI_DAEMON} missing (package ganeti-3.0): ${INSTALL}`);
  if (process.getuid?.() !== 0) return why('must run as root (ganeti-rapi is started as the gnt-rapi user with setpriv)');
  if (spawnSync('setpriv', ['--version']).status !== 0) return why('setpriv missing: `apt-get install util-linux`');
  if (spawnSync('openssl', ['version']).status !== 0) return why(`openssl missing: ${INSTALL} (or \`apt-get install openssl\`)`);
  if (userIds('gnt-rapi') === undefined) return why(`user gnt-rapi missing: ${INSTALL}`);
  const curl = spawnSync(PYTHON, ['-c', 'import pycurl'], { env: { PYTHONPATH: GANETI_PYTHONPATH } });
  if (curl.status !== 0)
    return why(`python3-pycurl missing (the RAPI client needs it): ${INSTALL} (or \`apt-get install python3-pycurl\`)`);
  return false;
}

/** A self-signed certificate: `pem` holds key + certificate (Ganeti's rapi.pem), `cert` the certificate alone (a CA file). */
export interface SelfSignedCert {
  pem: string;
  cert: string;
}

/** Makes a 2048-bit RSA key and a self-signed certificate for `commonName` in `dir`. */
export async function makeSelfSignedCert(dir: string, commonName: string): Promise<SelfSignedCert> {
  const key = join(dir, 'rapi-key.pem');
  const cert = join(dir, 'rapi-cert.pem');
  const ssl = await run(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${commonName}`,
      '-addext',
      `subjectAltName=DNS:${commonName},DNS:localhost,IP:127.0.0.1`,
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { timeoutMs: 30_000, cwd: dir },
  );
  if (ssl.code !== 0) throw new Error(`openssl req failed (${ssl.code}): ${ssl.stderr}`);
  const pem = join(dir, 'rapi.pem');
  writeFileSync(pem, readFileSync(key, 'utf8') + readFileSync(cert, 'utf8'), { mode: 0o600 });
  return { pem, cert };
}

/** A free TCP port on 127.0.0.1 (free when asked; the daemon binds it moments later). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Resolves once 127.0.0.1:port accepts a connection; rejects when the child exits or after `ms`. */
function waitListening(port: number, child: ChildProcess, ms: number, output: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onClose = (code: number | null): void => finish(new Error(`ganeti-rapi exited ${code} before listening:\n${output()}`));
    const timer = setTimeout(() => finish(new Error(`ganeti-rapi did not listen on ${port} within ${ms} ms:\n${output()}`)), ms);
    child.on('close', onClose);
    // The daemon prints nothing when it is ready: try its port until it accepts.
    const attempt = (): void => {
      if (done) return;
      const sock = createConnection({ host: '127.0.0.1', port });
      sock.once('connect', () => {
        sock.destroy();
        finish();
      });
      sock.once('error', () => {
        sock.destroy();
        setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/** Where a RAPI server listens, and how to reach it. */
export interface RapiTarget {
  host: string;
  port: number;
  /** HTTPS when true. */
  ssl: boolean;
  /** PEM certificate to trust (HTTPS); the host name is not checked. */
  ca?: string;
}

/** A running real ganeti-rapi. */
export interface RealRapi extends RapiTarget {
  /** `https://127.0.0.1:PORT` (or http). */
  url: string;
  /** The daemon's virtual-cluster root (GANETI_ROOTDIR). */
  root: string;
  /** The daemon's pid (setpriv execs into it). */
  pid: number;
  /** The certificate file (HTTPS), for clients that take a CA file path. */
  caFile?: string;
  /** Its stdout/stderr and rapi-daemon.log, for messages. */
  log(): string;
  /** Stops the daemon's process group (it forks per connection) and removes the root. Idempotent. */
  stop(): Promise<void>;
}

export interface RealRapiOptions {
  /** The luxid socket the daemon talks to; gnt-rapi must be able to reach it (traversable dirs, mode 0666 or group gnt-daemons). */
  luxiSocket: string;
  /** The cluster's master node: the root's last component and GANETI_HOSTNAME (CheckMaster). */
  hostname: string;
  clusterName: string;
  /** HTTPS with a self-signed certificate for `hostname` (default), or plain HTTP (`--no-ssl`). */
  ssl?: boolean;
  /** The users file's text. Default: RAPI_USERS_TEXT. */
  usersText?: string;
  /** Default: a free port. */
  port?: number;
  /** Milliseconds to wait for the port. Default: 20000. */
  startTimeoutMs?: number;
}

/** Starts the real ganeti-rapi in a root of its own on `luxiSocket` (~0.8 s). */
export async function startRealRapi(options: RealRapiOptions): Promise<RealRapi> {
  const ids = userIds('gnt-rapi');
  if (ids === undefined) throw new Error('user gnt-rapi missing: ' + INSTALL);
  const ssl = options.ssl ?? true;
  const top = shortTempDir('rapi-');
  // Every parent traversable by gnt-rapi (mkdtemp makes 0700).
  chmodSync(top, 0o755);
  const root = join(top, options.hostname);
  for (const d of ['var/run/ganeti/socket', 'var/lib/ganeti/rapi', 'var/log/ganeti', 'etc/ganeti'])
    mkdirSync(join(root, d), { recursive: true, mode: 0o755 });
  const lib = join(root, 'var/lib/ganeti');
  writeFileSync(join(lib, 'ssconf_master_node'), `${options.hostname}\n`);
  writeFileSync(join(lib, 'ssconf_cluster_name'), `${options.clusterName}\n`);
  symlinkSync(options.luxiSocket, join(root, 'var/run/ganeti/socket/ganeti-query'));
  writeFileSync(join(lib, 'rapi/users'), options.usersText ?? RAPI_USERS_TEXT);
  chmodSync(join(lib, 'rapi/users'), 0o644);
  let ca: string | undefined;
  if (ssl) {
    const cert = await makeSelfSignedCert(top, options.hostname);
    const pem = join(lib, 'rapi.pem');
    writeFileSync(pem, readFileSync(cert.pem, 'utf8'), { mode: 0o400 });
    chownSync(pem, ids.uid, ids.gid);
    ca = cert.cert;
  }
  for (const dir of ['var/log/ganeti', 'var/run/ganeti']) chownSync(join(root, dir), ids.uid, ids.gid);

  const port = options.port ?? (await freePort());
  const args = ['--reuid=gnt-rapi', '--regid=gnt-rapi', '--init-groups', PYTHON, RAPI_DAEMON, '-f', '--syslog=no'];
  if (!ssl) args.push('--no-ssl');
  args.push('-b', '127.0.0.1', '-p', String(port));
  const child = spawn('setpriv', args, {
    env: {
      PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
      LANG: 'C.UTF-8',
      PYTHONPATH: GANETI_PYTHONPATH,
      GANETI_ROOTDIR: root,
      GANETI_HOSTNAME: options.hostname,
    },
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const log = (): string => {
    const file = join(root, 'var/log/ganeti/rapi-daemon.log');
    return `${out}\n${existsSync(file) ? readFileSync(file, 'utf8') : '(no rapi-daemon.log)'}`;
  };
  const signalGroup = (signal: NodeJS.Signals): void => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // gone
    }
  };
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        signalGroup('SIGTERM');
        const timer = setTimeout(() => signalGroup('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      // Children forked per connection may outlive the parent by a moment.
      signalGroup('SIGKILL');
      rmSync(top, { recursive: true, force: true });
    })());
  try {
    await waitListening(port, child, options.startTimeoutMs ?? 20_000, log);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    host: '127.0.0.1',
    port,
    ssl,
    ...(ca !== undefined ? { ca: readFileSync(ca, 'utf8'), caFile: ca } : {}),
    url: `${ssl ? 'https' : 'http'}://127.0.0.1:${port}`,
    root,
    pid: child.pid ?? 0,
    log,
    stop,
  };
}

/** One HTTP request to a RAPI server. */
export interface RapiRequest {
  method: string;
  /** Path and query, e.g. `/2/instances?bulk=1`. */
  path: string;
  /** A body: objects are sent as JSON, strings as given. */
  body?: unknown;
  /** Basic auth; none when absent. */
  auth?: RapiCredentials;
  /** Extra headers (they override the defaults: Content-Type application/json when there is a body). */
  headers?: Record<string, string>;
  /** Default: a fresh connection per request. */
  agent?: HttpAgent | HttpsAgent;
  /** Default: 30000. */
  timeoutMs?: number;
}

/** What a RAPI server answered. */
export interface RapiResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON (integers beyond 2^53 as bigint); undefined when it is not JSON. */
  json: unknown;
}

/** Sends one request and reads the whole answer. Rejects only on a transport failure. */
export function rapiRequest(target: RapiTarget, req: RapiRequest): Promise<RapiResponse> {
  const body = req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(body));
  }
  if (req.auth !== undefined) headers['Authorization'] = `Basic ${Buffer.from(`${req.auth.user}:${req.auth.password}`).toString('base64')}`;
  Object.assign(headers, req.headers ?? {});
  const common = {
    host: target.host,
    port: target.port,
    method: req.method,
    path: req.path,
    headers,
    agent: req.agent ?? false,
    timeout: req.timeoutMs ?? 30_000,
  };
  return new Promise((resolve, reject) => {
    const onResponse = (res: IncomingMessage): void => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = parseExactJson(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    };
    const r = target.ssl
      ? httpsRequest({ ...common, ...(target.ca !== undefined ? { ca: target.ca } : {}), checkServerIdentity: () => undefined }, onResponse)
      : httpRequest(common, onResponse);
    r.on('timeout', () => r.destroy(new Error(`${req.method} ${req.path}: no answer within ${common.timeout} ms`)));
    r.on('error', reject);
    r.end(body);
  });
}

/** One URL pattern of the real daemon's resource table (test/interop/py/rapi_connector.py). */
export interface RapiResource {
  /** The literal path, or the regular expression (`^/2/nodes/([\w\._-]+)/tags$`). */
  pattern: string;
  literal: boolean;
  /** The rlib2 class (`R_2_nodes_name_tags`). */
  handler: string;
  /** Each HTTP method the resource answers, with the access rights it needs ([] = anybody). */
  methods: Partial<Record<'GET' | 'PUT' | 'POST' | 'DELETE', string[]>>;
}

/** The real ganeti-rapi's resource table, read from Ganeti's own `ganeti.rapi.connector`. */
export async function realRapiResources(repo: string): Promise<RapiResource[]> {
  const r = await run(PYTHON, [join(repo, 'test/interop/py/rapi_connector.py')], {
    env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', PYTHONPATH: GANETI_PYTHONPATH },
    timeoutMs: 30_000,
  });
  if (r.code !== 0) throw new Error(`rapi_connector.py exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as RapiResource[];
}

// ---------------------------------------------------------------------------------------
// Ours: `startRapiServer` of src/rapi/server.ts in this process, or the CLI's `rapi`.

/** A running `ganeti-uds rapi` server. */
export interface OurRapi extends RapiTarget {
  url: string;
  /** The server process (the CLI's), when it runs in one of its own. */
  pid?: number;
  stop(): Promise<void>;
}

export interface OurRapiOptions {
  luxiSocket: string;
  /** A users file in Ganeti's format; none: every request is anonymous. */
  usersFile?: string;
  /** Path of a key + certificate PEM file for HTTPS; plain HTTP without. */
  pem?: string;
  /** The PEM certificate clients should trust (for `ca`). */
  caCert?: string;
}

/** Starts ours on 127.0.0.1 and a free port. */
export async function startOurRapi(options: OurRapiOptions): Promise<OurRapi> {
  const server = await startRapiServer({
    luxiSocket: options.luxiSocket,
    host: '127.0.0.1',
    port: 0,
    ...(options.usersFile !== undefined ? { users: options.usersFile } : {}),
    ...(options.pem !== undefined ? { tls: { pem: readFileSync(options.pem) } } : {}),
  });
  const ssl = options.pem !== undefined;
  const { host, port } = server.address;
  return {
    host,
    port,
    ssl,
    ...(options.caCert !== undefined ? { ca: readFileSync(options.caCert, 'utf8') } : {}),
    url: `${ssl ? 'https' : 'http'}://${host}:${port}`,
    stop: () => server.close(),
  };
}

/**
 * Sends one request as raw bytes (request line with the path as given, UTF-8 and all;
 * `Connection: close`), and reads until the server closes. For what Node's HTTP client will
 * not send or not parse: non-ASCII paths, answers with a body where HTTP allows none (HEAD).
 */
export function rapiRawRequest(
  target: RapiTarget,
  req: Omit<RapiRequest, 'agent'> & { httpVersion?: string; noHost?: boolean },
): Promise<RapiResponse> {
  const body = req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
  const lines = [`${req.method} ${req.path} HTTP/${req.httpVersion ?? '1.1'}`];
  if (req.noHost !== true) lines.push(`Host: ${target.host}:${target.port}`);
  lines.push('Accept: application/json', 'Connection: close');
  if (body !== undefined) lines.push('Content-Type: application/json');
  lines.push(`Content-Length: ${body === undefined ? 0 : Buffer.byteLength(body)}`);
  if (req.auth !== undefined) lines.push(`Authorization: Basic ${Buffer.from(`${req.auth.user}:${req.auth.password}`).toString('base64')}`);
  for (const [k, v] of Object.entries(req.headers ?? {})) lines.push(`${k}: ${v}`);
  const bytes = Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8'), Buffer.from(body ?? '', 'utf8')]);
  const timeoutMs = req.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const socket = target.ssl
      ? tlsConnect({
          host: target.host,
          port: target.port,
          ...(target.ca !== undefined ? { ca: target.ca } : {}),
          checkServerIdentity: () => undefined,
        })
      : createConnection({ host: target.host, port: target.port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(new Error(`${req.method} ${req.path}: no answer within ${timeoutMs} ms`)), timeoutMs);
    socket.once(target.ssl ? 'secureConnect' : 'connect', () => socket.write(bytes));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks);
      const split = all.indexOf('\r\n\r\n');
      const head = (split < 0 ? all : all.subarray(0, split)).toString('utf8');
      const raw = split < 0 ? Buffer.alloc(0) : all.subarray(split + 4);
      const [statusLine = '', ...headerLines] = head.split('\r\n');
      const headers: IncomingHttpHeaders = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const text = (headers['transfer-encoding'] === 'chunked' ? unchunk(raw) : raw).toString('utf8');
      let json: unknown;
      try {
        json = parseExactJson(text);
      } catch {
        json = undefined;
      }
      resolve({ status: Number(statusLine.split(' ')[1] ?? 0), headers, text, json });
    });
  });
}

/** Decodes an HTTP/1.1 chunked body (sizes in hex, each chunk followed by CRLF). */
function unchunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = Number.parseInt(body.subarray(at, eol).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(body.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/**
 * Starts ours through the CLI: `node CLI rapi --luxi SOCKET --listen 127.0.0.1:0 (--cert PEM |
 * --no-ssl) [--users FILE]`, with `cli` = `cliPath()` (GANETI_UDS_CLI, else dist/cli.js);
 * resolves once it prints where it listens.
 */
export async function startOurRapiCli(options: OurRapiOptions & { cli: string; timeoutMs?: number }): Promise<OurRapi> {
  const args = [options.cli, 'rapi', '--luxi', options.luxiSocket, '--listen', '127.0.0.1:0', '--log-level', 'warn'];
  args.push(...(options.pem !== undefined ? ['--cert', options.pem] : ['--no-ssl']));
  if (options.usersFile !== undefined) args.push('--users', options.usersFile);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    })());
  const ms = options.timeoutMs ?? 15_000;
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`ganeti-uds rapi did not listen within ${ms} ms:\n${out}`)), ms);
      const check = (): void => {
        const m = /listening on (https?:\/\/[^/\s]+)/.exec(out);
        if (m?.[1] === undefined) return;
        clearTimeout(timer);
        resolve(m[1]);
      };
      child.stdout?.on('data', check);
      child.on('close', (code) => {
        clearTimeout(timer);
        reject(new Error(`ganeti-uds rapi exited ${code} before listening:\n${out}`));
      });
    });
    const parsed = new URL(url);
    const ssl = parsed.protocol === 'https:';
    return {
      host: parsed.hostname,
      port: Number(parsed.port),
      ssl,
      ...(options.caCert !== undefined ? { ca: readFileSync(options.caCert, 'utf8') } : {}),
      url,
      ...(child.pid !== undefined ? { pid: child.pid } : {}),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
