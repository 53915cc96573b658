import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';

// Compiled to build/test/imports.test.js, the sources are two levels up; a build placed
// elsewhere is run from the repository root.
const SRC =
  [resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src'), resolve('src')].find((dir) =>
    existsSync(join(dir, 'framing.ts')),
  ) ?? resolve('src');

/** The stack, bottom first (STYLE.md §1): a module may import its own layer or lower ones. */
const LAYERS: ReadonlyArray<readonly string[]> = [
  ['framing.ts', 'codec.ts', 'exact-json.ts', 'defaults.ts', 'logger.ts', 'ganeti-errors.ts'],
  ['errors.ts'],
  ['message.ts', 'json-pieces.ts'],
  ['transport/', 'diagnostics.ts'],
  ['dispatch/'],
  ['protocols/', 'proxy/'],
  ['rapi/', 'metrics/'],
  ['demo/'],
  ['cli.ts', 'cli/'],
];

/**
 * Known upward imports, each with its reason. framing.ts and codec.ts throw the shared
 * ProtocolError (with its stable codes), which lives in errors.ts; errors.ts imports only
 * ganeti-errors.ts, so there is no cycle.
 */
const ALLOWED: ReadonlySet<string> = new Set(['framing.ts -> errors.ts', 'codec.ts -> errors.ts']);

function layerOf(file: string): number | undefined {
  const i = LAYERS.findIndex((layer) => layer.some((p) => (p.endsWith('/') ? file.startsWith(p) : file === p)));
  return i === -1 ? undefined : i;
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Relative import specifiers of a module (static imports and re-exports). */
function importsOf(text: string): string[] {
  const specs: string[] = [];
  const re = /^\s*(?:import|export)\s[^;]*?from\s+['"](\.[^'"]+)['"]|^\s*import\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/gm;
  for (const m of text.matchAll(re)) specs.push((m[1] ?? m[2] ?? m[3]) as string);
  return specs;
}

test('finds the import lines it checks', () => {
  assert.deepEqual(
    importsOf(
      `import { a } from './x.js';\nimport type {\n  B,\n} from '../y/z.js';\nexport { c } from './c.js';\nimport './side.js';\nconst m = await import('./lazy.js');\nimport * as fs from 'node:fs';`,
    ),
    ['./x.js', '../y/z.js', './c.js', './side.js', './lazy.js'],
  );
  assert.equal(layerOf('transport/connect.ts'), 3);
  assert.equal(layerOf('framing.ts'), 0);
  assert.equal(layerOf('cli/serve.ts'), 8);
});

test('no module imports from a layer above its own', () => {
  const violations: string[] = [];
  let checked = 0;
  for (const path of sources(SRC)) {
    const from = relative(SRC, path).split('\\').join('/');
    const fromLayer = layerOf(from);
    if (fromLayer === undefined) continue; // index.ts and modules outside the stack
    for (const spec of importsOf(readFileSync(path, 'utf8'))) {
      const target = relative(SRC, resolve(dirname(path), spec.replace(/\.js$/, '.ts')))
        .split('\\')
        .join('/');
      const toLayer = layerOf(target);
      checked++;
      if (toLayer !== undefined && toLayer > fromLayer && !ALLOWED.has(`${from} -> ${target}`)) {
        violations.push(`${from} (layer ${fromLayer}) imports ${target} (layer ${toLayer})`);
      }
    }
  }
  assert.ok(checked > 20, `only ${checked} imports found: is SRC right? (${SRC})`);
  assert.deepEqual(violations, []);
});
