#!/usr/bin/env node
// Builds the optional peer-credentials addon (native/peercred) with the node-gyp that ships
// inside npm, against the headers of the running Node: no downloads. Exits 0 with a note
// when either is missing, since the library works without the addon.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const prefix = resolve(dirname(process.execPath), '..');
const candidates = [
  join(prefix, 'lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
  join(prefix, 'node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
];
const npmRoot = spawnSync('npm', ['root', '-g'], { encoding: 'utf8' }).stdout?.trim();
if (npmRoot) candidates.push(join(npmRoot, 'npm/node_modules/node-gyp/bin/node-gyp.js'));
const gyp = candidates.find((p) => existsSync(p));
const headers = join(prefix, 'include/node/node_api.h');
if (!gyp || !existsSync(headers)) {
  console.error(
    `build-native: skipped (node-gyp ${gyp ? 'found' : 'not found'}, Node headers ${existsSync(headers) ? 'found' : `not at ${headers}`}); peer credentials stay unavailable`,
  );
  process.exit(0);
}
const result = spawnSync(process.execPath, [gyp, 'rebuild', '-C', 'native/peercred', `--nodedir=${prefix}`], { stdio: 'inherit' });
if (result.status !== 0) console.error('build-native: the addon did not build; peer credentials stay unavailable');
process.exit(0);
