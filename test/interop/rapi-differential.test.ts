// Differential test of the Remote API: the REAL Ganeti 3.0 `ganeti-rapi` (run as gnt-rapi
// with setpriv, see rapi-harness.ts) and ours (`startRapiServer`, in this process) on ONE
// `serve --demo` luxid, through its recording socket (virtual-cluster.ts). Every case of the
// tables below goes to both, one after the other, and must get the same status, Content-Type,
// WWW-Authenticate and JSON body (parsed, deep-equal, integers exact). Nothing is normalised
// unless a case says so, and then only what differs by nature between two requests:
//  - a write's answer is a job id: each side's job is looked up with luxi QueryJobs and the
//    two jobs must hold the same opcodes (the reason trail's timestamps and the "job=N" of
//    luxid's own reason entry aside) and end the same way;
//  - values a case created on each side (a filter uuid, a job it submitted) read as {name};
//  - the luxid socket path in a 502 message (each daemon has its own path to the demo);
//  - /2/features is a set (Python lists a frozenset, in an order that changes per process):
//    compared sorted; a HEAD answer by its status (the real daemon sends a body HTTP forbids).
// Writes run while a REJECT filter rule is installed on the demo: each job is stored with its
// opcodes and canceled before it runs, so the cluster stays the same for both daemons.
//
// The resource table is Ganeti's own (`ganeti.rapi.connector`, read by
// py/rapi_connector.py): a test checks that every method of every one of its 60 URL patterns
// is exercised below, and every method a pattern does not answer is a 501 case.
//
// Mismatches are listed in the failure message and, as JSON lines, in
// os.tmpdir()/rapi-differential-mismatches.jsonl. RAPI_DIFF_OURS=real compares the real
// daemon with a second real daemon instead (how the harness itself was checked: 0 mismatches).
// Skipped loudly when Ganeti, root, setpriv, openssl or the gnt-rapi user is missing.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { stringifyExactJson } from '../../src/exact-json.js';
import { repoRoot } from './peers.js';
import {
  RAPI_READER,
  RAPI_USERS_TEXT,
  RAPI_WRITER,
  makeSelfSignedCert,
  rapiRawRequest,
  rapiRequest,
  rapiSkip,
  realRapiResources,
  startOurRapi,
  startRealRapi,
  type RapiCredentials,
  type RapiResource,
  type RapiResponse,
  type RapiTarget,
} from './rapi-harness.js';
import { startVirtualCluster, type VirtualCluster } from './virtual-cluster.js';

const AGAINST_REAL = process.env['RAPI_DIFF_OURS'] === 'real';
const MISMATCH_FILE = join(tmpdir(), 'rapi-differential-mismatches.jsonl');

const skip = rapiSkip();

/** A third user whose password is stored as Ganeti's {HA1} digest: md5("user:realm:password"). */
const HA1_USER: RapiCredentials = { user: 'hauser', password: 'h4sh' };
const REALM = 'Ganeti Remote API';
const USERS_TEXT = `${RAPI_USERS_TEXT}${HA1_USER.user} {HA1}${createHash('md5')
  .update(`${HA1_USER.user}:${REALM}:${HA1_USER.password}`)
  .digest('hex')} write\n`;
const WRONG_PASSWORD: RapiCredentials = { user: RAPI_WRITER.user, password: 'wrong' };
const UNKNOWN_USER: RapiCredentials = { user: 'nobody', password: 'x' };

const REJECT_ALL: [null, number, unknown[], string, unknown[]] = [null, 0, [], 'REJECT', [['test:rapi-differential', 'reject', 0]]];
const PAUSE_ALL: [null, number, unknown[], string, unknown[]] = [null, 0, [], 'PAUSE', [['test:rapi-differential', 'pause', 0]]];
const FINAL = new Set(['success', 'error', 'canceled']);

type Side = 'real' | 'ours';
const SIDES: readonly Side[] = ['real', 'ours'];

/** One request of a table, sent to both daemons. */
interface Case {
  id: string;
  method: string;
  /** Path and query; `{name}` is replaced by the side's value of that variable. */
  path: string;
  /** Objects are sent as JSON, strings as given (with Content-Type application/json). */
  body?: unknown;
  /** Default: the write user; null: no Authorization header. */
  auth?: RapiCredentials | null;
  headers?: Record<string, string>;
  /** The answer is a job id: the two jobs' opcodes and outcomes are compared too. */
  submits?: boolean;
  /** Remember the answer (a string) as this side's value of the variable. */
  capture?: string;
  /** Compare the status only (HEAD: HTTP allows no body in the answer, the real daemon sends one). */
  statusOnly?: boolean;
  /** The answer is a set: its items are compared in sorted order (Python lists a frozenset; filter uuids are random). */
  unordered?: boolean;
  /**
   * The answer lists what both sides created: their variables are named after the side that
   * made them (`{filter@real}`, `{filter@ours}`) rather than `{filter}` for the side's own.
   */
  listing?: boolean;
  /** Client-side limit for the answer, ms. Default: 30000. */
  timeoutMs?: number;
  /** Send as raw bytes (rapiRawRequest): a non-ASCII path, or an answer Node's parser refuses. */
  raw?: boolean;
  /** With raw: the HTTP version of the request line (default 1.1), and no Host header. */
  httpVersion?: string;
  noHost?: boolean;
}

/** What one daemon answered, as compared. */
interface Seen {
  status: number;
  contentType: string | undefined;
  authenticate: string | undefined;
  body: unknown;
  job?: unknown;
}

interface Mismatch {
  id: string;
  request: string;
  diffs: string[];
  real: Seen;
  ours: Seen;
}

/** The demo's objects, read through luxi when the suite starts. */
interface Sample {
  master: string;
  nodes: string[];
  instances: string[];
  running: string[];
  stopped: string[];
  groups: string[];
  networks: string[];
  filters: string[];
}

function show(value: unknown, max = 240): string {
  const text = stringifyExactJson(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max)}...` : text;
}

/** Where two values differ, as `$.path: real X, ours Y` lines (at most `max`). */
function diffValues(a: unknown, b: unknown, at = '$', out: string[] = [], max = 10): string[] {
  if (out.length >= max || isDeepStrictEqual(a, b)) return out;
  const bothObjects = a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b);
  if (!bothObjects) {
    out.push(`${at}: real ${show(a)}, ours ${show(b)}`);
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) out.push(`${at}: ${a.length} items in real, ${b.length} in ours`);
    for (let i = 0; i < Math.min(a.length, b.length); i++) diffValues(a[i], b[i], `${at}[${i}]`, out, max);
    return out;
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  for (const key of new Set([...Object.keys(ra), ...Object.keys(rb)])) {
    if (out.length >= max) break;
    if (!(key in rb)) out.push(`${at}.${key}: only in real (${show(ra[key], 120)})`);
    else if (!(key in ra)) out.push(`${at}.${key}: only in ours (${show(rb[key], 120)})`);
    else diffValues(ra[key], rb[key], `${at}.${key}`, out, max);
  }
  return out;
}

function fill(text: string, vars: Record<string, string>): string {
  return text.replace(/\{([a-z]+)\}/g, (whole, name: string) => vars[name] ?? whole);
}

function fillBody(body: unknown, vars: Record<string, string>): unknown {
  if (typeof body === 'string') return fill(body, vars);
  if (Array.isArray(body)) return body.map((b) => fillBody(b, vars));
  if (body !== null && typeof body === 'object') return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, fillBody(v, vars)]));
  return body;
}

/** A reason-trail entry: [source, text, timestamp]. */
function isReasonEntry(value: unknown): value is [string, string, number | bigint] {
  return (
    Array.isArray(value) &&
    value.length === 3 &&
    typeof value[0] === 'string' &&
    typeof value[1] === 'string' &&
    (typeof value[2] === 'number' || typeof value[2] === 'bigint')
  );
}

/**
 * Replaces what differs by nature between the two sides: this side's variables (their value
 * becomes `{name}`; a numeric `job` also as an `id` and inside texts), luxid socket paths,
 * and, when `times`, reason-trail timestamps and job timestamps.
 */
function normalise(value: unknown, vars: Record<string, string>, sockets: readonly string[], times: boolean, key = ''): unknown {
  if (typeof value === 'string') {
    let s = value;
    for (const path of sockets) s = s.split(path).join('<luxi socket>');
    for (const [name, v] of Object.entries(vars)) {
      if (v === '') continue;
      s = /^\d+$/.test(v) ? s.replace(new RegExp(`\\b${v}\\b`, 'g'), `{${name}}`) : s.split(v).join(`{${name}}`);
    }
    return s;
  }
  if (typeof value === 'number' || typeof value === 'bigint') {
    if (times && /_ts$/.test(key)) return '<ts>';
    if (key === 'id' || key === '')
      for (const [name, v] of Object.entries(vars)) if (/^\d+$/.test(v) && String(value) === v) return `{${name}}`;
    return value;
  }
  if (Array.isArray(value)) {
    if (times && isReasonEntry(value))
      return [value[0], String(normalise(value[1], vars, sockets, times)).replace(/job=\d+/, 'job=<id>'), '<ts>'];
    if (times && /_ts$/.test(key)) return '<ts>';
    return value.map((v) => normalise(v, vars, sockets, times));
  }
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalise(v, vars, sockets, times, k)]));
  return value;
}

/** A job as the demo stores it, normalised: status, opcodes (reason timestamps aside), op statuses, results. */
function normaliseJob(row: unknown[]): unknown {
  return normalise(row, {}, [], true);
}

describe('ganeti-rapi and ganeti-uds rapi answer alike on one demo luxid', { skip, timeout: 240_000 }, () => {
  let vc: VirtualCluster | undefined;
  let work = '';
  const peers: Array<{ stop(): Promise<void> }> = [];
  let plain: Record<Side, RapiTarget>;
  let tls: Record<Side, RapiTarget>;
  let sockets: string[] = [];
  /** The real daemons' virtual-cluster roots. */
  const realRoots: string[] = [];
  let sample: Sample;
  let resources: RapiResource[] = [];
  /** Each table's cases, for the coverage check. */
  const tables: Case[][] = [];
  const vars: Record<Side, Record<string, string>> = { real: {}, ours: {} };
  const allMismatches: Mismatch[] = [];
  /** The real daemon's status for each case id (the writes must reach luxid, not all be refused alike). */
  const realStatus = new Map<string, number>();
  const cluster = (): VirtualCluster => vc ?? assert.fail('the virtual cluster did not start');
  /**
   * The variables an answer of `side` is normalised with: its own as `{name}`; for a listing
   * (which shows what both daemons created) each side's as `{name@side}`.
   */
  const sideVars = (side: Side, listing: boolean): Record<string, string> => {
    if (!listing) return vars[side];
    const named = (s: Side): Array<[string, string]> => Object.entries(vars[s]).map(([k, v]) => [`${k}@${s}`, v]);
    return Object.fromEntries([...named('real'), ...named('ours')]);
  };

  /** Waits until every job of the demo is finished, so job reads see the same state twice. */
  const settleJobs = async (): Promise<void> => {
    const rows = await cluster().luxi.queryJobs(null, ['id', 'status']);
    for (const [id, status] of rows as Array<[number, string]>) if (!FINAL.has(status)) await cluster().luxi.waitForJob(id);
  };

  const jobView = async (id: number): Promise<unknown> => {
    await cluster().luxi.waitForJob(id);
    const [row] = await cluster().luxi.queryJobs([id], ['status', 'ops', 'opstatus', 'opresult']);
    return normaliseJob(row ?? []);
  };

  const seen = (res: RapiResponse, side: Side, c: Case, times: boolean): Seen => {
    let body = normalise(res.json !== undefined ? res.json : res.text, sideVars(side, c.listing === true), sockets, times);
    if (c.unordered && Array.isArray(body)) body = [...body].sort((a, b) => (show(a, 1e9) < show(b, 1e9) ? -1 : 1));
    return {
      status: res.status,
      contentType: res.headers['content-type']?.split(';')[0]?.trim().toLowerCase(),
      authenticate: typeof res.headers['www-authenticate'] === 'string' ? res.headers['www-authenticate'] : undefined,
      body: c.statusOnly ? null : body,
    };
  };

  /** Sends `c` to both daemons of `pair`; resolves with the mismatch, if any. */
  const runCase = async (pair: Record<Side, RapiTarget>, c: Case): Promise<Mismatch | undefined> => {
    const got: Partial<Record<Side, Seen>> = {};
    const jobs: Partial<Record<Side, number>> = {};
    const perSide = /\{[a-z]+\}/.test(c.path + show(c.body ?? null, 100_000)) || c.capture !== undefined;
    for (const side of SIDES) {
      const auth = c.auth === null ? undefined : (c.auth ?? RAPI_WRITER);
      const res = await (c.raw ? rapiRawRequest : rapiRequest)(pair[side], {
        method: c.method,
        path: fill(c.path, vars[side]),
        ...(c.body !== undefined ? { body: fillBody(c.body, vars[side]) } : {}),
        ...(auth !== undefined ? { auth } : {}),
        ...(c.headers !== undefined ? { headers: c.headers } : {}),
        ...(c.timeoutMs !== undefined ? { timeoutMs: c.timeoutMs } : {}),
        ...(c.httpVersion !== undefined ? { httpVersion: c.httpVersion } : {}),
        ...(c.noHost === true ? { noHost: true } : {}),
      });
      const value = res.json;
      let result: Seen;
      if (c.submits && res.status === 200 && (typeof value === 'number' || typeof value === 'bigint')) {
        jobs[side] = Number(value);
        result = { ...seen(res, side, c, perSide), body: '<job id>' };
      } else {
        if (c.capture !== undefined && res.status === 200 && typeof value === 'string') vars[side][c.capture] = value;
        result = seen(res, side, c, perSide);
      }
      got[side] = result;
    }
    for (const side of SIDES) {
      const id = jobs[side];
      const s = got[side];
      if (id !== undefined && s !== undefined) s.job = await jobView(id);
    }
    const real = got.real as Seen;
    const ours = got.ours as Seen;
    realStatus.set(c.id, real.status);
    if (isDeepStrictEqual(real, ours)) return undefined;
    const mismatch: Mismatch = {
      id: c.id,
      request: `${c.method} ${c.path}${c.body !== undefined ? ` ${show(c.body, 160)}` : ''}${c.auth === null ? ' (no auth)' : c.auth ? ` (as ${c.auth.user})` : ''}`,
      diffs: diffValues(real, ours),
      real,
      ours,
    };
    allMismatches.push(mismatch);
    return mismatch;
  };

  /** Runs a table on `pair`; fails listing every mismatch. */
  const runTable = async (title: string, cases: Case[], pair: Record<Side, RapiTarget> = plain): Promise<void> => {
    tables.push(cases);
    const ids = new Set<string>();
    for (const c of cases) {
      assert.ok(!ids.has(c.id), `case id ${c.id} is used twice in ${title}`);
      ids.add(c.id);
    }
    const mismatches: Mismatch[] = [];
    for (const c of cases) {
      const m = await runCase(pair, c);
      if (m !== undefined) mismatches.push(m);
    }
    const lines = mismatches.map((m) => `- ${m.id}: ${m.request}\n    ${m.diffs.join('\n    ')}`);
    assert.equal(
      mismatches.length,
      0,
      `${title}: ${mismatches.length} of ${cases.length} cases differ (all in ${MISMATCH_FILE}):\n${lines.join('\n')}`,
    );
  };

  const pick = (names: string[], wanted: string): string => (names.includes(wanted) ? wanted : (names[0] ?? wanted));
  const url = (name: string): string => encodeURIComponent(name);

  before(async () => {
    resources = await realRapiResources(repoRoot());
    vc = await startVirtualCluster();
    const luxi = vc.luxi;
    work = mkdtempSync(join(tmpdir(), 'rapidiff-'));
    const usersFile = join(work, 'users');
    writeFileSync(usersFile, USERS_TEXT);
    const cert = await makeSelfSignedCert(work, vc.hostname);
    const real = async (ssl: boolean) => {
      const daemon = await startRealRapi({
        luxiSocket: cluster().socket,
        hostname: cluster().hostname,
        clusterName: cluster().clusterName,
        ssl,
        usersText: USERS_TEXT,
      });
      realRoots.push(daemon.root);
      return daemon;
    };
    const realPlain = await real(false);
    peers.push(realPlain);
    const realTls = await real(true);
    peers.push(realTls);
    sockets = [join(realPlain.root, 'var/run/ganeti/socket/ganeti-query'), join(realTls.root, 'var/run/ganeti/socket/ganeti-query')];
    let oursPlain: RapiTarget;
    let oursTls: RapiTarget;
    if (AGAINST_REAL) {
      const a = await real(false);
      peers.push(a);
      const b = await real(true);
      peers.push(b);
      sockets.push(join(a.root, 'var/run/ganeti/socket/ganeti-query'), join(b.root, 'var/run/ganeti/socket/ganeti-query'));
      oursPlain = a;
      oursTls = b;
    } else {
      const a = await startOurRapi({ luxiSocket: vc.socket, usersFile });
      peers.push(a);
      const b = await startOurRapi({ luxiSocket: vc.socket, usersFile, pem: cert.pem, caCert: cert.cert });
      peers.push(b);
      oursPlain = a;
      oursTls = b;
    }
    sockets.push(vc.socket, vc.demo.socket);
    plain = { real: realPlain, ours: oursPlain };
    tls = { real: realTls, ours: oursTls };

    const names = async (call: Promise<unknown[][]>): Promise<string[]> => (await call).map((r) => String(r[0]));
    const states = (await luxi.queryInstances([], ['name', 'oper_state'])) as Array<[string, boolean]>;
    sample = {
      master: vc.hostname,
      nodes: await names(luxi.queryNodes([], ['name'])),
      instances: states.map(([n]) => n),
      running: states.filter(([, up]) => up).map(([n]) => n),
      stopped: states.filter(([, up]) => !up).map(([n]) => n),
      groups: await names(luxi.queryGroups([], ['name'])),
      networks: await names(luxi.queryNetworks([], ['name'])),
      filters: await names(luxi.queryFilters(null, ['uuid'])),
    };
  });

  after(async () => {
    for (const p of peers.reverse()) await p.stop().catch(() => {});
    await vc?.stop();
    if (work !== '') rmSync(work, { recursive: true, force: true });
    writeFileSync(MISMATCH_FILE, allMismatches.map((m) => `${stringifyExactJson(m)}\n`).join(''));
    const cases = tables.reduce((n, t) => n + t.length, 0);
    process.stdout.write(
      `rapi differential: ${cases} cases, ${allMismatches.length} mismatches${allMismatches.length > 0 ? ` (${MISMATCH_FILE})` : ''}\n`,
    );
  });

  // -------------------------------------------------------------------------------------
  // (a) Reads.

  test('GET of every read resource, for every object of the demo, with and without bulk=1, equal JSON', async () => {
    const s = sample;
    const cases: Case[] = [];
    const get = (id: string, path: string, extra: Partial<Case> = {}): void => void cases.push({ id, method: 'GET', path, ...extra });
    for (const p of ['/', '/2', '/version', '/2/info', '/2/tags']) get(`get ${p}`, p);
    get('get /2/features', '/2/features', { unordered: true });
    get('get /2/info (anonymous)', '/2/info', { auth: null });
    get('get /2/info (as reader)', '/2/info', { auth: RAPI_READER });
    get('get /2/info (as {HA1} user)', '/2/info', { auth: HA1_USER });
    for (const r of ['nodes', 'instances', 'groups', 'networks', 'filters']) {
      get(`list ${r}`, `/2/${r}`);
      get(`list ${r} bulk`, `/2/${r}?bulk=1`);
      get(`list ${r} bulk=0`, `/2/${r}?bulk=0`);
      get(`list ${r} bulk, fields= (ignored)`, `/2/${r}?bulk=1&fields=name`);
    }
    get('list instances bulk, repeated bulk (first wins)', '/2/instances?bulk=1&bulk=0');
    get('list instances bulk, lock=0', '/2/instances?bulk=1&lock=0');
    get('info with a reason (ignored by reads)', '/2/info?reason=just%20looking');
    get('info with a JSON body', '/2/info', { body: {} });
    for (const n of s.nodes) {
      get(`node ${n}`, `/2/nodes/${url(n)}`);
      get(`node ${n} role`, `/2/nodes/${url(n)}/role`);
      get(`node ${n} tags`, `/2/nodes/${url(n)}/tags`);
    }
    for (const i of s.instances) {
      get(`instance ${i}`, `/2/instances/${url(i)}`);
      get(`instance ${i} tags`, `/2/instances/${url(i)}/tags`);
      get(`instance ${i} console`, `/2/instances/${url(i)}/console`);
    }
    for (const g of s.groups) {
      get(`group ${g}`, `/2/groups/${url(g)}`);
      get(`group ${g} tags`, `/2/groups/${url(g)}/tags`);
    }
    for (const n of s.networks) {
      get(`network ${n}`, `/2/networks/${url(n)}`);
      get(`network ${n} tags`, `/2/networks/${url(n)}/tags`);
    }
    for (const u of s.filters) get(`filter ${u}`, `/2/filters/${u}`);
    await runTable('reads', cases);
  });

  test('GET /2/query/<resource> with fields= (every field of the resource) and /2/query/<resource>/fields, PUT /2/query with a filter', async () => {
    const s = sample;
    const cases: Case[] = [];
    const resourcesOfQuery = ['node', 'instance', 'group', 'network', 'filter', 'export', 'lock', 'cluster', 'os', 'extstorage', 'nosuch'];
    for (const r of resourcesOfQuery) {
      let fields = ['name'];
      try {
        const defs = (await cluster().luxi.call('QueryFields', [r, null] as never)) as { fields: Array<{ name: string }> };
        fields = defs.fields.map((f) => f.name);
      } catch {
        // not a luxi query resource: both daemons are asked for "name"
      }
      cases.push({ id: `query ${r} fields`, method: 'GET', path: `/2/query/${r}/fields` });
      cases.push({ id: `query ${r} fields=name,uuid`, method: 'GET', path: `/2/query/${r}/fields?fields=name,uuid` });
      cases.push({ id: `query ${r} all fields`, method: 'GET', path: `/2/query/${r}?fields=${fields.join(',')}` });
      cases.push({ id: `query ${r} fields with spaces`, method: 'GET', path: `/2/query/${r}?fields=name,%20uuid` });
      cases.push({ id: `query ${r} as reader`, method: 'GET', path: `/2/query/${r}?fields=name`, auth: RAPI_READER });
      cases.push({ id: `query ${r} PUT fields`, method: 'PUT', path: `/2/query/${r}`, body: { fields } });
    }
    const firstOf: Record<string, string | undefined> = {
      node: s.nodes[1],
      instance: s.instances[0],
      group: s.groups[0],
      network: s.networks[0],
    };
    for (const [r, name] of Object.entries(firstOf)) {
      cases.push({
        id: `query ${r} PUT qfilter`,
        method: 'PUT',
        path: `/2/query/${r}`,
        body: { fields: ['name', 'uuid'], qfilter: ['=', 'name', name] },
      });
      cases.push({
        id: `query ${r} PUT legacy filter`,
        method: 'PUT',
        path: `/2/query/${r}`,
        body: { fields: ['name'], filter: ['=~', 'name', '^[a-z]'] },
      });
      cases.push({ id: `query ${r} PUT fields from the query string`, method: 'PUT', path: `/2/query/${r}?fields=name`, body: {} });
    }
    await runTable('query resources', cases);
  });

  test('GETs that submit a job (os, instance info, node storage): same answer, same opcodes, same job outcome', async () => {
    const s = sample;
    const cases: Case[] = [{ id: 'os list', method: 'GET', path: '/2/os' }];
    for (const i of s.instances) {
      cases.push({ id: `instance ${i} info`, method: 'GET', path: `/2/instances/${url(i)}/info`, submits: true });
      cases.push({ id: `instance ${i} info static`, method: 'GET', path: `/2/instances/${url(i)}/info?static=1`, submits: true });
    }
    for (const n of s.nodes) {
      cases.push({
        id: `node ${n} storage lvm-vg`,
        method: 'GET',
        path: `/2/nodes/${url(n)}/storage?storage_type=lvm-vg&output_fields=name,size,used,free,allocatable`,
        submits: true,
      });
      cases.push({ id: `node ${n} storage, no type`, method: 'GET', path: `/2/nodes/${url(n)}/storage?output_fields=name`, submits: true });
    }
    await runTable('job-submitting reads', cases);
  });

  test('job resources: the list (bulk or not), each job, and /wait on a finished job', async () => {
    await settleJobs();
    const ids = ((await cluster().luxi.queryJobs(null, ['id'])) as Array<[number]>).map(([id]) => id);
    // The first jobs (the demo's own), the last ones (submitted above), not all of them.
    const some = [...new Set([...ids.slice(0, 6), ...ids.slice(-4)])];
    const cases: Case[] = [
      { id: 'jobs', method: 'GET', path: '/2/jobs' },
      { id: 'jobs bulk', method: 'GET', path: '/2/jobs?bulk=1' },
    ];
    for (const id of some) {
      cases.push({ id: `job ${id}`, method: 'GET', path: `/2/jobs/${id}` });
      cases.push({
        id: `job ${id} wait`,
        method: 'GET',
        path: `/2/jobs/${id}/wait`,
        body: { fields: ['status', 'opstatus', 'id'], previous_job_info: null, previous_log_serial: null },
      });
    }
    const last = some[some.length - 1] ?? 1;
    cases.push({
      id: 'job wait, log serial given',
      method: 'GET',
      path: `/2/jobs/${last}/wait`,
      body: { fields: ['status'], previous_log_serial: 0 },
    });
    cases.push({
      id: 'query job all fields',
      method: 'GET',
      path: `/2/query/job?fields=id,status,ops,opresult,opstatus,summary,received_ts,start_ts,end_ts,priority`,
    });
    await runTable('jobs', cases);
  });

  test('over HTTPS: reads, auth and refusals agree', async () => {
    const s = sample;
    const i = pick(s.instances, 'web1.example.com');
    await runTable(
      'HTTPS',
      [
        { id: 'tls info', method: 'GET', path: '/2/info' },
        { id: 'tls instances bulk', method: 'GET', path: '/2/instances?bulk=1' },
        { id: 'tls node', method: 'GET', path: `/2/nodes/${url(s.nodes[0] ?? '')}` },
        { id: 'tls write without auth', method: 'PUT', path: `/2/instances/${url(i)}/shutdown`, auth: null },
        { id: 'tls write as reader', method: 'PUT', path: `/2/instances/${url(i)}/shutdown`, auth: RAPI_READER },
        { id: 'tls wrong password', method: 'GET', path: '/2/info', auth: WRONG_PASSWORD },
        { id: 'tls bad JSON', method: 'PUT', path: `/2/instances/${url(i)}/modify`, body: '{"beparams": ' },
        { id: 'tls unknown resource', method: 'GET', path: '/2/nosuch' },
      ],
      tls,
    );
  });

  // -------------------------------------------------------------------------------------
  // (b) Writes: the same opcodes reach the demo.

  test('every write resource with its documented body: same answer, same opcodes stored (REJECT filter on)', async () => {
    const s = sample;
    const i = pick(s.instances, 'web1.example.com');
    const stopped = pick(s.stopped, 'build1.example.com');
    const n = pick(s.nodes, 'node2.example.com');
    const n3 = pick(s.nodes, 'node3.example.com');
    const g = pick(s.groups, 'default');
    const net = s.networks[0] ?? 'net1';
    const I = `/2/instances/${url(i)}`;
    const N = `/2/nodes/${url(n)}`;
    const G = `/2/groups/${url(g)}`;
    const NET = `/2/networks/${url(net)}`;
    const createBody = {
      __version__: 1,
      mode: 'create',
      name: 'new1.example.com',
      disk_template: 'plain',
      disks: [{ size: 1024 }],
      nics: [{}],
      os: 'debootstrap+default',
      pnode: n,
      name_check: false,
      ip_check: false,
      beparams: { maxmem: 512, minmem: 512 },
    };
    const w = (id: string, method: string, path: string, body?: unknown, extra: Partial<Case> = {}): Case => ({
      id,
      method,
      path,
      ...(body !== undefined ? { body } : {}),
      submits: true,
      ...extra,
    });
    const cases: Case[] = [
      // Cluster.
      w('redistribute-config', 'PUT', '/2/redistribute-config'),
      w('cluster modify', 'PUT', '/2/modify', { candidate_pool_size: 4, maintain_node_health: true }),
      w('cluster modify with reason', 'PUT', '/2/modify?reason=maintenance%20window', { uid_pool: [] }),
      w('cluster modify, forbidden parameter', 'PUT', '/2/modify', { compression_tools: ['gzip'] }),
      w('cluster tags add', 'PUT', '/2/tags?tag=rapi:a&tag=rapi:b&dry-run=1'),
      w('cluster tags delete', 'DELETE', '/2/tags?tag=rapi:a'),
      // Nodes.
      w('node powercycle', 'POST', `${N}/powercycle?force=1`),
      // The body is a JSON string (a string body is sent as given: quote it).
      w('node role drained', 'PUT', `${N}/role?force=1&auto-promote=1`, '"drained"'),
      w('node role regular', 'PUT', `${N}/role`, '"regular"'),
      w('node role master-candidate', 'PUT', `${N}/role`, '"master-candidate"'),
      w('node role offline', 'PUT', `${N}/role?force=1`, '"offline"'),
      w('node evacuate', 'POST', `${N}/evacuate?dry-run=1`, { mode: 'secondary-only', iallocator: 'hail' }),
      w('node evacuate to a node', 'POST', `${N}/evacuate`, { mode: 'secondary-only', remote_node: n3, early_release: true }),
      w('node migrate', 'POST', `${N}/migrate`, { mode: 'live', iallocator: 'hail' }),
      w('node migrate legacy live=0', 'POST', `${N}/migrate?live=0`),
      w('node migrate legacy mode=', 'POST', `${N}/migrate?mode=non-live`),
      w('node migrate no body', 'POST', `${N}/migrate`),
      w('node modify', 'POST', `${N}/modify`, { drained: false, auto_promote: true, dry_run: true }),
      w('node modify ndparams', 'POST', `${N}/modify`, { ndparams: { spindle_count: 2 } }),
      w('node storage modify', 'PUT', `${N}/storage/modify?storage_type=lvm-vg&name=xenvg&allocatable=0`),
      w('node storage modify, no change', 'PUT', `${N}/storage/modify?storage_type=lvm-vg&name=xenvg`),
      w('node storage repair', 'PUT', `${N}/storage/repair?storage_type=lvm-vg&name=xenvg`),
      w('node tags add', 'PUT', `${N}/tags?tag=rapi:n`),
      w('node tags delete', 'DELETE', `${N}/tags?tag=rapi:n&dry-run=1`),
      // Instances.
      w('instance create', 'POST', '/2/instances?dry-run=1', createBody),
      w('instance create, new parameter names', 'POST', '/2/instances', {
        ...Object.fromEntries(Object.entries(createBody).filter(([k]) => k !== 'name' && k !== 'os')),
        instance_name: 'new2.example.com',
        os_type: 'debootstrap+default',
        hvparams: { usb_devices: 'host:1 host:2' },
      }),
      w('instance create with depends', 'POST', '/2/instances', { ...createBody, name: 'new3.example.com', depends: [[1, ['success']]] }),
      w('instance delete', 'DELETE', `${I}?dry-run=1`),
      w('instance delete with body', 'DELETE', I, { shutdown_timeout: 60 }),
      w('instance reboot', 'POST', `${I}/reboot?type=soft&ignore_secondaries=1&dry-run=1`),
      w('instance reboot defaults', 'POST', `${I}/reboot`),
      w('instance startup', 'PUT', `/2/instances/${url(stopped)}/startup?force=1&no_remember=1&dry-run=1`),
      w('instance shutdown', 'PUT', `${I}/shutdown?dry-run=1&no_remember=1`, { timeout: 30 }),
      w('instance shutdown with reason', 'PUT', `${I}/shutdown?reason=because`),
      w('instance reinstall', 'POST', `${I}/reinstall`, { os: 'debootstrap+default', start: false, osparams: {} }),
      w('instance reinstall legacy query', 'POST', `${I}/reinstall?os=debootstrap%2Bdefault&nostartup=1`),
      w('instance reinstall no parameters', 'POST', `${I}/reinstall`),
      w('instance replace-disks', 'POST', `${I}/replace-disks`, { mode: 'replace_auto' }),
      w('instance replace-disks list of disks', 'POST', `${I}/replace-disks`, { mode: 'replace_on_secondary', disks: [0] }),
      w('instance replace-disks disks as text', 'POST', `${I}/replace-disks`, { mode: 'replace_on_primary', disks: '0' }),
      w('instance replace-disks legacy query', 'POST', `${I}/replace-disks?mode=replace_new_secondary&remote_node=${url(n3)}`),
      w('instance activate-disks', 'PUT', `${I}/activate-disks?ignore_size=1`),
      w('instance deactivate-disks', 'PUT', `${I}/deactivate-disks?force=1`),
      w('instance recreate-disks', 'POST', `${I}/recreate-disks`, { disks: [[0, {}]] }),
      w('instance recreate-disks no body', 'POST', `${I}/recreate-disks`),
      w('instance prepare-export', 'PUT', `${I}/prepare-export?mode=local`),
      w('instance export', 'PUT', `${I}/export`, { destination: n3, mode: 'local', shutdown: false }),
      w('instance migrate', 'PUT', `${I}/migrate`, { mode: 'live', cleanup: false }),
      w('instance failover', 'PUT', `${I}/failover`, { ignore_consistency: false }),
      w('instance rename', 'PUT', `${I}/rename`, { new_name: 'web9.example.com', ip_check: false, name_check: false }),
      w('instance modify', 'PUT', `${I}/modify`, { beparams: { maxmem: 2048, minmem: 1024 } }),
      w('instance modify custom_ names', 'PUT', `${I}/modify`, { custom_beparams: { vcpus: 2 }, custom_hvparams: { acpi: false } }),
      w('instance modify usb_devices', 'PUT', `${I}/modify`, { hvparams: { usb_devices: 'host:1 host:2' } }),
      w('instance modify with depends', 'PUT', `${I}/modify`, { beparams: { vcpus: 1 }, depends: [[1, ['success', 'error']]] }),
      w('instance disk grow', 'POST', `${I}/disk/0/grow`, { amount: 1024, wait_for_sync: false }),
      w('instance tags add', 'PUT', `${I}/tags?tag=rapi:i&tag=rapi:j`),
      w('instance tags delete', 'DELETE', `${I}/tags?tag=rapi:i`),
      w('instances multi-alloc', 'POST', '/2/instances-multi-alloc?dry-run=1', {
        iallocator: 'hail',
        instances: [
          {
            mode: 'create',
            name: 'multi1.example.com',
            disk_template: 'plain',
            disks: [{ size: 1024 }],
            nics: [],
            os: 'debootstrap+default',
            name_check: false,
            ip_check: false,
          },
        ],
      }),
      // Groups.
      w('group add', 'POST', '/2/groups?dry-run=1', { name: 'rapigroup', alloc_policy: 'preferred' }),
      w('group add, new parameter name', 'POST', '/2/groups', { group_name: 'rapigroup2' }),
      w('group delete', 'DELETE', `${G}?dry-run=1`),
      w('group modify', 'PUT', `${G}/modify`, { alloc_policy: 'last_resort' }),
      w('group modify custom_ names', 'PUT', `${G}/modify`, { custom_ndparams: { spindle_count: 2 } }),
      w('group rename', 'PUT', `${G}/rename?dry-run=1`, { new_name: 'renamed' }),
      w('group assign-nodes', 'PUT', `${G}/assign-nodes?dry-run=1&force=1`, { nodes: [n] }),
      w('group tags add', 'PUT', `${G}/tags?tag=rapi:g`),
      w('group tags delete', 'DELETE', `${G}/tags?tag=rapi:g`),
      // Networks.
      w('network add', 'POST', '/2/networks?dry-run=1', { name: 'net9', network: '10.9.0.0/24', gateway: '10.9.0.1' }),
      w('network add, new parameter name', 'POST', '/2/networks', { network_name: 'net10', network: '10.10.0.0/24' }),
      // As GanetiRapiClient.CreateNetwork sends it without tags: every key, null where not given.
      w('network add, nulls as the Python client sends them', 'POST', '/2/networks', {
        network_name: 'net11',
        gateway: null,
        network: '10.11.0.0/24',
        gateway6: null,
        network6: null,
        mac_prefix: null,
        add_reserved_ips: null,
        tags: null,
      }),
      w('network delete', 'DELETE', `${NET}?dry-run=1`),
      w('network connect', 'PUT', `${NET}/connect?dry-run=1`, { group_name: g, network_mode: 'bridged', network_link: 'br9' }),
      w('network disconnect', 'PUT', `${NET}/disconnect?dry-run=1`, { group_name: g }),
      w('network modify', 'PUT', `${NET}/modify`, { add_reserved_ips: ['192.0.2.10'] }),
      w('network tags add', 'PUT', `${NET}/tags?tag=rapi:net`),
      w('network tags delete', 'DELETE', `${NET}/tags?tag=rapi:net`),
      // Query strings: UTF-8 escapes, '+' for a space, no value, a repeated flag (the first counts).
      w('tags, UTF-8 escapes in the query', 'PUT', '/2/tags?tag=caf%C3%A9&tag=na%C3%AFve'),
      w('tags, plus for a space', 'PUT', '/2/tags?tag=a+b'),
      w('tags, none given', 'PUT', '/2/tags'),
      w('tags, empty value', 'PUT', '/2/tags?tag='),
      w('shutdown, dry-run repeated', 'PUT', `${I}/shutdown?dry-run=1&dry-run=0`),
      w(
        'shutdown, JSON body with charset',
        'PUT',
        `${I}/shutdown`,
        { timeout: 5 },
        { headers: { 'Content-Type': 'application/json; charset=utf-8' } },
      ),
      w('shutdown, Content-Type in capitals', 'PUT', `${I}/shutdown`, { timeout: 5 }, { headers: { 'Content-Type': 'Application/JSON' } }),
    ];
    const filter = await cluster().luxi.replaceFilter(...REJECT_ALL);
    try {
      await runTable('writes', cases);
    } finally {
      await cluster().luxi.deleteFilter(filter);
    }
    // Each write made a job on the real daemon, but for the refusals meant as such.
    const refused = cases.filter((c) => realStatus.get(c.id) !== 200).map((c) => `${c.id}: ${realStatus.get(c.id)}`);
    assert.deepEqual(refused, [
      'cluster modify, forbidden parameter: 403',
      'network add, nulls as the Python client sends them: 400',
      // ganeti-rapi compares the whole Content-Type with application/json: a charset is 415.
      'shutdown, JSON body with charset: 415',
    ]);
  });

  test('filter rules: POST, GET, PUT and DELETE /2/filters/<uuid> through each daemon leave the same rules', async () => {
    const rule = {
      priority: 50,
      predicates: [['opcode', ['=', 'OP_ID', 'OP_TEST_DELAY']]],
      action: 'CONTINUE',
      reason: [['test:rapi', 'diff', 0]],
    };
    await runTable('filters', [
      { id: 'filter add', method: 'POST', path: '/2/filters', body: rule, capture: 'filter' },
      { id: 'filter add with defaults', method: 'POST', path: '/2/filters', body: {}, capture: 'other' },
      { id: 'filter read', method: 'GET', path: '/2/filters/{filter}' },
      { id: 'filter list bulk', method: 'GET', path: '/2/filters?bulk=1', listing: true },
      { id: 'filter list', method: 'GET', path: '/2/filters', listing: true },
      { id: 'filter replace', method: 'PUT', path: '/2/filters/{filter}', body: { ...rule, action: 'PAUSE', priority: 60 } },
      { id: 'filter read after replace', method: 'GET', path: '/2/filters/{filter}' },
      { id: 'filter delete', method: 'DELETE', path: '/2/filters/{filter}' },
      { id: 'filter delete the other', method: 'DELETE', path: '/2/filters/{other}' },
      { id: 'filter read after delete', method: 'GET', path: '/2/filters/{filter}' },
      { id: 'filter delete again', method: 'DELETE', path: '/2/filters/{filter}' },
    ]);
  });

  test('DELETE /2/jobs/<id> cancels a queued job alike; a finished or unknown job is answered alike', async () => {
    const luxi = cluster().luxi;
    const pause = await luxi.replaceFilter(...PAUSE_ALL);
    try {
      for (const side of SIDES)
        vars[side]['job'] = String(await luxi.submitJob([{ OP_ID: 'OP_TEST_DELAY', duration: 0, on_master: false, on_nodes: [] }]));
      await runTable('job cancel', [
        { id: 'queued job', method: 'GET', path: '/2/jobs/{job}' },
        {
          id: 'queued job wait',
          method: 'GET',
          path: '/2/jobs/{job}/wait',
          body: { fields: ['status'], previous_job_info: null, previous_log_serial: null },
        },
        { id: 'cancel', method: 'DELETE', path: '/2/jobs/{job}' },
        { id: 'canceled job', method: 'GET', path: '/2/jobs/{job}' },
        { id: 'cancel again', method: 'DELETE', path: '/2/jobs/{job}' },
        { id: 'cancel unknown', method: 'DELETE', path: '/2/jobs/987654' },
        { id: 'cancel as reader', method: 'DELETE', path: '/2/jobs/{job}', auth: RAPI_READER },
      ]);
    } finally {
      await luxi.deleteFilter(pause);
      for (const side of SIDES) delete vars[side]['job'];
    }
  });

  // -------------------------------------------------------------------------------------
  // (c) Errors.

  test('errors: unknown resources, bad bodies and parameters, authentication, unsupported methods', async () => {
    const s = sample;
    const i = pick(s.instances, 'web1.example.com');
    const stopped = pick(s.stopped, 'build1.example.com');
    const n = pick(s.nodes, 'node2.example.com');
    const I = `/2/instances/${url(i)}`;
    const N = `/2/nodes/${url(n)}`;
    const e = (id: string, method: string, path: string, extra: Partial<Case> = {}): Case => ({ id, method, path, ...extra });
    const cases: Case[] = [
      // 404
      e('unknown top resource', 'GET', '/nosuch'),
      e('unknown /2 resource', 'GET', '/2/nosuch'),
      e('unknown version', 'GET', '/3/info'),
      e('trailing slash', 'GET', '/2/instances/'),
      e('double slash', 'GET', '//2/info'),
      e('unknown instance', 'GET', '/2/instances/nosuch.example.com'),
      e('unknown node', 'GET', '/2/nodes/nosuch.example.com'),
      e('unknown group', 'GET', '/2/groups/nosuch'),
      e('unknown network', 'GET', '/2/networks/nosuch'),
      e('unknown filter', 'GET', '/2/filters/00000000-0000-0000-0000-000000000000'),
      e('unknown job', 'GET', '/2/jobs/987654'),
      e('job id not a number', 'GET', '/2/jobs/abc'),
      e('name outside the pattern', 'GET', '/2/instances/bad%20name'),
      e('non-ASCII name, encoded', 'GET', `/2/instances/${url('café.example.com')}`),
      e('unknown instance tags', 'GET', '/2/instances/nosuch.example.com/tags'),
      e('unknown node role', 'GET', '/2/nodes/nosuch.example.com/role'),
      e('unknown instance info', 'GET', '/2/instances/nosuch.example.com/info', { submits: true }),
      e('unknown instance console', 'GET', '/2/instances/nosuch.example.com/console'),
      e('unknown job wait', 'GET', '/2/jobs/987654/wait', { body: { fields: ['status'] } }),
      // 503: a console of a stopped instance
      e('console of a stopped instance', 'GET', `/2/instances/${url(stopped)}/console`),
      // 400: parameters
      e('bulk not a number', 'GET', '/2/instances?bulk=yes'),
      e('lock=1 (luxid refuses locking queries)', 'GET', '/2/instances?bulk=1&lock=1'),
      e('lock=1 on one instance', 'GET', `${I}?lock=1`),
      e('query without fields', 'GET', '/2/query/instance'),
      e('query with an unknown field', 'GET', '/2/query/instance?fields=name,nosuch'),
      e('query PUT body not a dict', 'PUT', '/2/query/instance', { body: ['name'] }),
      e('query PUT bad filter', 'PUT', '/2/query/instance', { body: { fields: ['name'], qfilter: ['??', 'name'] } }),
      e('storage without output_fields', 'GET', `${N}/storage`),
      e('node role body not a string', 'PUT', `${N}/role`, { body: 123 }),
      e('node role unknown', 'PUT', `${N}/role`, { body: '"boss"' }),
      e('node role auto-promote not a number', 'PUT', `${N}/role?auto-promote=x`, { body: '"regular"' }),
      e('node migrate live and mode', 'POST', `${N}/migrate?live=1&mode=live`),
      e('storage modify without name', 'PUT', `${N}/storage/modify?storage_type=lvm-vg`),
      e('storage repair without name', 'PUT', `${N}/storage/repair?storage_type=lvm-vg`),
      e('create without __version__', 'POST', '/2/instances', { body: { name: 'x.example.com' } }),
      e('create version 2', 'POST', '/2/instances', { body: { __version__: 2 } }),
      e('create body a list', 'POST', '/2/instances', { body: [1] }),
      e('create with both name and instance_name', 'POST', '/2/instances', {
        body: { __version__: 1, name: 'a.example.com', instance_name: 'b.example.com' },
      }),
      e('create missing parameters', 'POST', '/2/instances', { body: { __version__: 1, mode: 'create' } }),
      e('modify unknown parameter', 'PUT', `${I}/modify`, { body: { bogus: 1 } }),
      e('modify wrong type', 'PUT', `${I}/modify`, { body: { beparams: 'big' } }),
      e('modify overwriting a static parameter', 'PUT', `${I}/modify`, { body: { instance_name: 'other.example.com' } }),
      e('modify body a string', 'PUT', `${I}/modify`, { body: '"text"' }),
      e('modify bad JSON', 'PUT', `${I}/modify`, { body: '{"beparams": ' }),
      e('modify body not JSON at all', 'PUT', `${I}/modify`, { body: 'beparams=1' }),
      e('modify with Content-Type text/plain', 'PUT', `${I}/modify`, { body: '{}', headers: { 'Content-Type': 'text/plain' } }),
      e('reinstall body and query', 'POST', `${I}/reinstall?os=x`, { body: { os: 'debootstrap+default' } }),
      e('reinstall start not a bool', 'POST', `${I}/reinstall`, { body: { start: 'yes' } }),
      e('replace-disks bad disk index', 'POST', `${I}/replace-disks`, { body: { mode: 'replace_auto', disks: 'a,b' } }),
      e('multi-alloc without instances', 'POST', '/2/instances-multi-alloc', { body: {} }),
      e('filter POST unknown parameter', 'POST', '/2/filters', { body: { bogus: 1 } }),
      e('filter POST priority not an int', 'POST', '/2/filters', { body: { priority: 'high' } }),
      e('filter POST body a list', 'POST', '/2/filters', { body: [] }),
      e('job wait without a body', 'GET', '/2/jobs/1/wait'),
      e('job wait without fields', 'GET', '/2/jobs/1/wait', { body: {} }),
      e('job wait fields not a list', 'GET', '/2/jobs/1/wait', { body: { fields: 'status' } }),
      e('job wait previous_job_info not a list', 'GET', '/2/jobs/1/wait', { body: { fields: ['status'], previous_job_info: 'x' } }),
      e('job wait previous_log_serial not a number', 'GET', '/2/jobs/1/wait', { body: { fields: ['status'], previous_log_serial: 'x' } }),
      e('tags on the cluster with a body', 'PUT', '/2/tags?tag=a', { body: { tags: ['b'] }, submits: true }),
      // 401 and 403
      e('write without auth', 'PUT', `${I}/shutdown`, { auth: null }),
      e('write with a wrong password', 'PUT', `${I}/shutdown`, { auth: WRONG_PASSWORD }),
      e('write as an unknown user', 'PUT', `${I}/shutdown`, { auth: UNKNOWN_USER }),
      e('write as reader', 'PUT', `${I}/shutdown`, { auth: RAPI_READER }),
      e('read with a wrong password', 'GET', '/2/info', { auth: WRONG_PASSWORD }),
      e('read as an unknown user', 'GET', '/2/info', { auth: UNKNOWN_USER }),
      e('{HA1} user, wrong password', 'GET', '/2/info', { auth: { user: HA1_USER.user, password: 'nope' } }),
      e('Authorization not Basic', 'GET', '/2/info', { auth: null, headers: { Authorization: 'Bearer abc' } }),
      e('Authorization Basic, not base64', 'GET', '/2/info', { auth: null, headers: { Authorization: 'Basic !!!' } }),
      e('Authorization Basic, no colon', 'GET', '/2/info', {
        auth: null,
        headers: { Authorization: `Basic ${Buffer.from('admin').toString('base64')}` },
      }),
      e('job wait as reader', 'GET', '/2/jobs/1/wait', { auth: RAPI_READER, body: { fields: ['status'] } }),
      e('job wait without auth', 'GET', '/2/jobs/1/wait', { auth: null, body: { fields: ['status'] } }),
      e('storage as reader', 'GET', `${N}/storage?output_fields=name`, { auth: RAPI_READER }),
      e('console without auth', 'GET', `${I}/console`, { auth: null }),
      e('console as reader', 'GET', `${I}/console`, { auth: RAPI_READER }),
      e('query without auth', 'GET', '/2/query/node?fields=name', { auth: null }),
      e('query PUT as reader', 'PUT', '/2/query/node', { auth: RAPI_READER, body: { fields: ['name'] } }),
      e('filter POST as reader', 'POST', '/2/filters', { auth: RAPI_READER, body: {} }),
      e('unknown resource without auth', 'GET', '/2/nosuch', { auth: null }),
      e('unsupported method without auth', 'POST', '/2/info', { auth: null }),
      // Methods nobody answers.
      e('PATCH', 'PATCH', '/2/info'),
      e('OPTIONS', 'OPTIONS', '/2/instances'),
      e('HEAD', 'HEAD', '/2/info', { statusOnly: true, raw: true }),
      // Not compared: raw UTF-8 in the request line. ganeti-rapi answers 200 (Python's \w
      // matches é); Node's HTTP parser refuses the bytes with 400 before any handler runs, and
      // its lenient mode would also relax the header checks. A documented difference (README).
      e('HTTP/1.1 request, raw', 'GET', '/2/info', { raw: true }),
      e('HTTP/1.0 request without Host', 'GET', '/2/info', { raw: true, httpVersion: '1.0', noHost: true }),
      e('HTTP/1.1 request without Host', 'GET', '/2/info', { raw: true, noHost: true }),
      e('percent-escaped dot in a name', 'GET', '/2/instances/web1%2Eexample.com'),
      e('GET with a body not JSON', 'GET', '/2/info', { body: 'x', headers: { 'Content-Type': 'text/plain' } }),
      e('GET with bad JSON', 'GET', '/2/info', { body: '{' }),
      e('password with a colon', 'GET', '/2/info', { auth: { user: RAPI_WRITER.user, password: `${RAPI_WRITER.password}:x` } }),
      e('user name with a colon', 'PUT', `${I}/shutdown`, { auth: { user: 'ad:min', password: RAPI_WRITER.password } }),
    ];
    // Every method a resource of connector.py does not answer: 501.
    for (const r of resources) {
      const path = examplePath(r, s);
      for (const method of ['GET', 'PUT', 'POST', 'DELETE'] as const)
        if (r.methods[method] === undefined) cases.push(e(`${method} ${r.handler} (unsupported)`, method, path));
    }
    const filter = await cluster().luxi.replaceFilter(...REJECT_ALL);
    try {
      await runTable('errors', cases);
    } finally {
      await cluster().luxi.deleteFilter(filter);
    }
  });

  test('503 while the job queue is drained (SetDrainFlag true through luxi)', async () => {
    const s = sample;
    const I = `/2/instances/${url(pick(s.instances, 'web1.example.com'))}`;
    await cluster().luxi.setDrainFlag(true);
    try {
      await runTable('drained queue', [
        { id: 'drained: shutdown', method: 'PUT', path: `${I}/shutdown?dry-run=1`, submits: true },
        { id: 'drained: tags', method: 'PUT', path: '/2/tags?tag=x', submits: true },
        { id: 'drained: os list', method: 'GET', path: '/2/os' },
        { id: 'drained: instance info', method: 'GET', path: `${I}/info`, submits: true },
        { id: 'drained: reinstall', method: 'POST', path: `${I}/reinstall`, body: { os: 'debootstrap+default' }, submits: true },
        { id: 'drained: reads still work', method: 'GET', path: '/2/info' },
        { id: 'drained: filters still work', method: 'GET', path: '/2/filters?bulk=1' },
      ]);
    } finally {
      await cluster().luxi.setDrainFlag(false);
    }
  });

  test('the tables exercise every method of every resource of connector.py', () => {
    const sent = tables.flat().map((c) => ({ method: c.method, path: c.path.split('?')[0] ?? '' }));
    const missing: string[] = [];
    for (const r of resources) {
      const re = r.literal ? undefined : new RegExp(r.pattern);
      for (const method of Object.keys(r.methods)) {
        const hit = sent.some((c) => c.method === method && (re ? re.test(c.path.replace(/\{[a-z]+\}/g, '1')) : c.path === r.pattern));
        if (!hit) missing.push(`${method} ${r.pattern} (${r.handler})`);
      }
    }
    assert.equal(resources.length, 60, `connector.py has ${resources.length} URL patterns; this test was written for Ganeti 3.0.2's 60`);
    assert.deepEqual(missing, [], `resources no case exercises:\n${missing.join('\n')}`);
  });

  // Last: these stop the demo. On the master node, Python's luxi transport retries a missing
  // socket for its whole connect timeout (30 s) and the real daemon then answers 504; on any
  // other node it gives up at once with NoMasterError, which the daemon answers 502. The fast
  // case moves the master away in each real daemon's ssconf; RAPI_DIFF_SLOW=1 also runs the
  // 30-second case.
  test('504 after the connect timeout when luxid is down on the master (RAPI_DIFF_SLOW=1)', {
    skip: process.env['RAPI_DIFF_SLOW'] !== '1',
  }, async () => {
    const s = sample;
    const I = `/2/instances/${url(pick(s.instances, 'web1.example.com'))}`;
    await cluster().stop();
    const cases: Case[] = [
      { id: 'down on the master: info', method: 'GET', path: '/2/info', timeoutMs: 90_000 },
      { id: 'down on the master: shutdown', method: 'PUT', path: `${I}/shutdown`, timeoutMs: 90_000 },
    ];
    tables.push(cases);
    // Both cases at once on both pairs: one connect timeout in all.
    const found = await Promise.all([
      ...cases.map((c) => runCase(plain, c)),
      ...cases.map((c) => runCase(tls, { ...c, id: `${c.id} (https)` })),
    ]);
    const mismatches = found.filter((m): m is Mismatch => m !== undefined);
    assert.deepEqual(
      mismatches.map((m) => `${m.id}: ${m.diffs.join('; ')}`),
      [],
    );
  });

  test('502 when luxid is down and this node is not the master', async () => {
    const s = sample;
    const I = `/2/instances/${url(pick(s.instances, 'web1.example.com'))}`;
    await cluster().stop();
    for (const root of realRoots) writeFileSync(join(root, 'var/lib/ganeti/ssconf_master_node'), 'elsewhere.example.com\n');
    await runTable('luxid down', [
      { id: 'down: info', method: 'GET', path: '/2/info' },
      { id: 'down: instances', method: 'GET', path: '/2/instances?bulk=1' },
      { id: 'down: one instance', method: 'GET', path: I },
      { id: 'down: os list', method: 'GET', path: '/2/os' },
      { id: 'down: shutdown', method: 'PUT', path: `${I}/shutdown` },
      { id: 'down: job', method: 'GET', path: '/2/jobs/1' },
      { id: 'down: query', method: 'GET', path: '/2/query/node?fields=name' },
      { id: 'down: filter add', method: 'POST', path: '/2/filters', body: {} },
      { id: 'down: static resource', method: 'GET', path: '/version' },
      { id: 'down: unknown resource', method: 'GET', path: '/2/nosuch' },
    ]);
  });
});

/** A concrete path for a resource pattern, with names from the demo. */
function examplePath(r: RapiResource, s: Sample): string {
  if (r.literal) return r.pattern;
  const family = /^R_2_(nodes|instances|groups|networks|filters|jobs|query)/.exec(r.handler)?.[1];
  const name: Record<string, string> = {
    nodes: s.nodes[0] ?? 'node1',
    instances: s.instances[0] ?? 'inst1',
    groups: s.groups[0] ?? 'default',
    networks: s.networks[0] ?? 'net1',
    filters: s.filters[0] ?? '00000000-0000-0000-0000-000000000000',
    jobs: '1',
    query: 'instance',
  };
  let first = true;
  return r.pattern.replace(/^\^|\$$/g, '').replace(/\((\\d\+|\[\\w\\\._-\]\+)\)/g, (_m, inner: string) => {
    const value = first ? (name[family ?? ''] ?? 'x') : inner === '\\d+' ? '0' : 'x';
    first = false;
    return encodeURIComponent(value);
  });
}
