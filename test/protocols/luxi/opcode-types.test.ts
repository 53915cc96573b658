// The opcode types (src/protocols/luxi/opcodes/types.ts) are generated from the opcode table by
// scripts/opcode-types.mjs; this fails when the table changed and the file was not regenerated.
// What the types accept and refuse is pinned at compile time in test/types/opcode-types.ts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../interop/peers.js';

test('opcodes/types.ts is what scripts/opcode-types.mjs makes of the table', () => {
  const root = repoRoot();
  const run = spawnSync(process.execPath, [join(root, 'scripts', 'opcode-types.mjs'), '--check'], { cwd: root, encoding: 'utf8' });
  assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
});
