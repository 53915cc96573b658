/** Short temporary socket paths (sun_path holds 107 bytes) and a temp-dir helper for tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

/** A fresh directory under the OS temp dir, removed after the test. */
export function tempDir(t: TestContext, prefix = 'uds-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A socket path in a fresh temp directory, removed after the test. */
export function tempSocketPath(t: TestContext, name = 's.sock'): string {
  return join(tempDir(t), name);
}
