/**
 * The published package, as a consumer gets it (STYLE.md §10): `npm pack` of a fresh build,
 * the tarball's file list, then a consumer project that installs the tarball and both runs
 * and type-checks code importing every subpath export. This catches what no unit test
 * does: an "exports"/"types" entry naming a file that is not built or not packed, a missing
 * "files" entry, declarations that do not compile for a consumer, a leaked test or source file.
 *
 * Nothing is written to the repository: the package is staged (sources copied, dist/ built)
 * in a temporary directory, so tests that run dist/cli.js meanwhile are not disturbed.
 */
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

/** The repository root: the first directory above this file whose package.json is ganeti-uds. */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'ganeti-uds') return dir;
    const up = dirname(dir);
    if (up === dir) return resolve('.');
    dir = up;
  }
}

const ROOT = findRoot();
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const NPM_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
  npm_config_loglevel: 'error',
};

/** Subpath export -> the entry file it must resolve to (without extension). */
const ENTRIES: Readonly<Record<string, string>> = {
  '.': 'dist/index',
  './luxi': 'dist/luxi',
  './rpc': 'dist/rpc',
  './demo': 'dist/demo-entry',
  './rapi': 'dist/rapi',
  './metrics': 'dist/metrics/index',
};

function run(command: string, args: readonly string[], cwd: string, timeout = 90_000): SpawnSyncReturns<string> {
  // npm is a .cmd on Windows; this package is POSIX-only (Unix sockets), so plain spawn is fine.
  return spawnSync(command, args, { cwd, encoding: 'utf8', env: NPM_ENV, timeout, maxBuffer: 64 * 1024 * 1024 });
}

function check(r: SpawnSyncReturns<string>, what: string): string {
  if (r.error) throw new Error(`${what}: ${r.error.message}`);
  assert.equal(r.status, 0, `${what} exited ${r.status ?? r.signal}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

let work = '';
let stage = '';
let tarball = '';
let packedFiles: string[] = [];

before(() => {
  work = mkdtempSync(join(tmpdir(), 'uds-pack-'));
  stage = join(work, 'stage');
  mkdirSync(stage);
  // Stage the package as the repository has it (minus installs and outputs), with src/,
  // test/ and bench/ present so that the "files" whitelist is really exercised.
  const skip = new Set(['node_modules', '.git', 'dist', 'build', 'docs', 'run']);
  for (const name of [
    'package.json',
    'README.md',
    'LICENSE',
    'tsconfig.base.json',
    'tsconfig.build.json',
    'tsconfig.json',
    'src',
    'test',
    'bench',
    'scripts',
    'native',
    'examples',
  ]) {
    const from = join(ROOT, name);
    if (!existsSync(from)) continue;
    cpSync(from, join(stage, name), {
      recursive: true,
      filter: (src) =>
        !skip.has(
          src
            .slice(from.length)
            .split('/')
            .find((p) => p !== '') ?? '',
        ) && !src.includes('/build/'),
    });
  }
  // Decoys standing for the test build and a stray native build, which must stay out.
  mkdirSync(join(stage, 'build', 'test'), { recursive: true });
  writeFileSync(join(stage, 'build', 'test', 'decoy.test.js'), '');
  mkdirSync(join(stage, 'native', 'peercred', 'build', 'Release'), { recursive: true });
  writeFileSync(join(stage, 'native', 'peercred', 'build', 'Release', 'peercred.node'), '');

  // The build needs the repository's dev dependencies (@types/node); npm pack never packs node_modules.
  symlinkSync(join(ROOT, 'node_modules'), join(stage, 'node_modules'), 'dir');
  check(run(process.execPath, [TSC, '-p', 'tsconfig.build.json'], stage, 180_000), 'tsc -p tsconfig.build.json');

  // --ignore-scripts: dist/ is built above; `prepare` would build it once more.
  const out = check(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], stage), 'npm pack');
  const [info] = JSON.parse(out) as [{ filename: string; files: { path: string }[] }];
  tarball = join(work, info.filename);
  packedFiles = info.files.map((f) => f.path).sort();
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the tarball holds the built entry points, their declarations and the package metadata', () => {
  assert.ok(existsSync(tarball), `no tarball at ${tarball}`);
  const want = ['package.json', 'README.md', 'LICENSE', 'dist/cli.js'];
  for (const entry of Object.values(ENTRIES)) want.push(`${entry}.js`, `${entry}.d.ts`);
  const missing = want.filter((f) => !packedFiles.includes(f));
  assert.deepEqual(missing, [], `missing from the tarball; it holds:\n${packedFiles.join('\n')}`);
});

test('package.json names only files that are in the tarball', () => {
  const pkg = JSON.parse(readFileSync(join(stage, 'package.json'), 'utf8')) as {
    exports: Record<string, string | Record<string, string>>;
    types?: string;
    bin?: Record<string, string>;
  };
  assert.deepEqual(Object.keys(pkg.exports).sort(), [...Object.keys(ENTRIES), './package.json'].sort());
  const named: string[] = [];
  for (const [key, target] of Object.entries(pkg.exports)) {
    if (typeof target === 'string') named.push(target);
    else {
      assert.deepEqual(Object.keys(target), ['types', 'default'], `exports["${key}"]: "types" must come first`);
      named.push(...Object.values(target));
      assert.equal(target['default'], `./${ENTRIES[key] ?? '?'}.js`, `exports["${key}"]`);
    }
  }
  if (pkg.types) named.push(pkg.types);
  named.push(...Object.values(pkg.bin ?? {}));
  const absent = named.map((p) => p.replace(/^\.\//, '')).filter((p) => !packedFiles.includes(p));
  assert.deepEqual(absent, []);
});

test('the tarball holds no tests, sources, benchmarks or build outputs', () => {
  const leaked = packedFiles.filter(
    (f) =>
      /^(test|src|bench|build|scripts|examples|docs|run)\//.test(f) ||
      f.split('/').includes('build') ||
      f.split('/').includes('node_modules') ||
      /\.test\.(js|d\.ts)$/.test(f) ||
      (f.endsWith('.ts') && !f.endsWith('.d.ts')) ||
      f.endsWith('.node') ||
      f.endsWith('.tgz'),
  );
  assert.deepEqual(leaked, []);
  // Everything else is dist/, the addon's sources or the metadata npm always adds.
  const other = packedFiles.filter((f) => !f.startsWith('dist/'));
  const allowed = ['LICENSE', 'README.md', 'package.json', 'native/peercred/binding.gyp', 'native/peercred/peercred.c'];
  assert.deepEqual(
    other.filter((f) => !allowed.includes(f)),
    [],
  );
});

/** A consumer project with the tarball installed, made once for the two consumer tests. */
let consumer = '';
function consumerDir(): string {
  if (consumer) return consumer;
  const dir = join(work, 'consumer');
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }, null, 2));
  const r = run('npm', ['install', '--no-audit', '--no-fund', '--offline', '--ignore-scripts', '--no-package-lock', tarball], dir);
  if (r.status !== 0) {
    // Fallback: unpack by hand, as npm would (the package has no dependencies).
    const target = join(dir, 'node_modules', 'ganeti-uds');
    mkdirSync(target, { recursive: true });
    check(run('tar', ['-xzf', tarball, '-C', target, '--strip-components=1'], dir), `npm install failed (${r.stderr.trim()}), then tar`);
  }
  assert.ok(existsSync(join(dir, 'node_modules', 'ganeti-uds', 'dist', 'index.js')));
  consumer = dir;
  return dir;
}

const CONSUMER_JS = `
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, GanetiError, LuxiClient as RootLuxiClient } from 'ganeti-uds';
import { LuxiClient, createLuxiHandler, qlang, queryRecords } from 'ganeti-uds/luxi';
import { createRpcHandler, rpcMethod, readString, RpcClient } from 'ganeti-uds/rpc';
import { DemoLuxid, sampleCluster, loadCluster } from 'ganeti-uds/demo';

const require = createRequire(import.meta.url);
const pkg = require('ganeti-uds/package.json');
let deepImport = 'allowed';
try { await import('ganeti-uds/dist/framing.js'); } catch (e) { deepImport = e.code; }

const dir = mkdtempSync(join(tmpdir(), 'uds-consumer-'));
const demo = new DemoLuxid({ cluster: loadCluster(sampleCluster()) });
const luxid = createServer(createLuxiHandler(demo));
await luxid.listen(join(dir, 'luxi.sock'));
const rpcServer = createServer(createRpcHandler({ hello: rpcMethod([readString], ([who]) => 'hello ' + who) }));
await rpcServer.listen(join(dir, 'rpc.sock'));
try {
  const client = await LuxiClient.connect(join(dir, 'luxi.sock'));
  const rows = await client.queryNodes([], ['name'], false);
  const up = queryRecords(await client.query('node', ['name', 'offline'], qlang.not(qlang.true('offline'))));
  let error = null;
  try { await client.queryTags('node', 'no-such-node'); } catch (e) { error = e instanceof GanetiError ? e.className : String(e); }
  await client.close();
  const rpc = await RpcClient.connect(join(dir, 'rpc.sock'));
  const hello = await rpc.call('hello', 'consumer');
  await rpc.close();
  console.log(JSON.stringify({
    name: pkg.name, sameClass: RootLuxiClient === LuxiClient, deepImport,
    nodes: rows.map((r) => r[0]), up: up.length, error, hello,
  }));
} finally {
  await luxid.close();
  await rpcServer.close();
  demo.close();
  rmSync(dir, { recursive: true, force: true });
}
`;

test('a consumer installs the tarball and runs a Luxi and an RPC server and client through every subpath', { timeout: 120_000 }, () => {
  const dir = consumerDir();
  writeFileSync(join(dir, 'consumer.mjs'), CONSUMER_JS);
  const out = check(run(process.execPath, ['consumer.mjs'], dir, 30_000), 'node consumer.mjs');
  const result = JSON.parse(out.trim().split('\n').at(-1) ?? '') as {
    name: string;
    sameClass: boolean;
    deepImport: string;
    nodes: unknown[];
    up: number;
    error: unknown;
    hello: unknown;
  };
  assert.equal(result.name, 'ganeti-uds');
  assert.equal(result.sameClass, true, 'ganeti-uds and ganeti-uds/luxi must share one LuxiClient class');
  assert.equal(result.deepImport, 'ERR_PACKAGE_PATH_NOT_EXPORTED');
  assert.ok(result.nodes.length > 0 && result.nodes.every((n) => typeof n === 'string'), out);
  assert.ok(result.up > 0, out);
  assert.equal(result.error, 'OpPrereqError');
  assert.equal(result.hello, 'hello consumer');
  // The bin entry is installed and runs.
  const bin = join(dir, 'node_modules', '.bin', 'ganeti-uds');
  if (existsSync(bin)) assert.match(check(run(bin, ['--version'], dir), 'ganeti-uds --version'), /^\d+\.\d+\.\d+/);
});

const CONSUMER_TS = `
import { createServer, connectClient, GanetiError, OpPrereqError, type Handler, type UdsServer } from 'ganeti-uds';
import { LuxiClient, createLuxiHandler, qlang, queryRecords, type FilterExpr, type LuxiImplementation, type QueryResult } from 'ganeti-uds/luxi';
import { WConfdClient, createRpcHandler, rpcMethod, readInt, type RpcClientOptions } from 'ganeti-uds/rpc';
import { DemoLuxid, sampleCluster, loadCluster, type ClusterData } from 'ganeti-uds/demo';
import pkg from 'ganeti-uds/package.json' with { type: 'json' };

const impl: LuxiImplementation = new DemoLuxid({ cluster: loadCluster(sampleCluster()) });
const server: UdsServer = createServer(createLuxiHandler(impl));
const typed: Handler<{ x: string }, number> = { parse: () => ({ x: 'a' }), exec: (i) => i.x.length };
createServer(typed);
createServer(createRpcHandler({ double: rpcMethod([readInt], ([n]) => String(n).length) }));
const filter: FilterExpr = qlang.and(qlang.eq('name', 'node1'), qlang.true('master_candidate'));
const cluster: ClusterData = sampleCluster();
const options: RpcClientOptions = { requestTimeoutMs: 1000 };

export async function use(path: string): Promise<number> {
  const client = await LuxiClient.connect(path);
  const rows: unknown[][] = await client.queryNodes([], ['name']);
  const result: QueryResult = await client.query('node', ['name'], filter);
  const records: Record<string, unknown>[] = queryRecords(result);
  const raw = await connectClient(path);
  const answer: unknown = await raw.call('QueryClusterInfo', []);
  const wconfd = await WConfdClient.connect(path, options);
  await Promise.all([client.close(), raw.close(), wconfd.close(), server.close()]);
  const e: GanetiError = GanetiError.fromWire(answer);
  const p: GanetiError = new OpPrereqError('x', 'wrong_input');
  const name: string = pkg.name;
  return rows.length + records.length + e.args.length + p.args.length + name.length + cluster.nodes.length;
}
`;

test('a TypeScript consumer (nodenext, strict) type-checks against the packed declarations', { timeout: 120_000 }, () => {
  const dir = consumerDir();
  writeFileSync(join(dir, 'consumer.ts'), CONSUMER_TS);
  // No skipLibCheck: the packed .d.ts files are checked too. Node's types come from the
  // repository, as a consumer would have its own @types/node.
  check(
    run(
      process.execPath,
      [
        TSC,
        '--noEmit',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--strict',
        '--resolveJsonModule',
        '--typeRoots',
        join(ROOT, 'node_modules', '@types'),
        '--types',
        'node',
        'consumer.ts',
      ],
      dir,
    ),
    'tsc consumer.ts',
  );
});
