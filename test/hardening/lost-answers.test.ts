/**
 * Answers that must reach a peer still sending (issue 13, lingering close): after a parse
 * error the server answers every request before the bad frame and the error itself, then
 * closes; a peer that is still writing must get all of them, not a broken pipe. The first
 * test runs the lost-answers pass of scripts/fuzz.mjs at CI size against this build; the
 * second has Ganeti's own Python luxi client send a request over maxMessageBytes.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { echoHandler } from '../../src/dispatch/handler.js';
import { GANETI_PYTHONPATH, PYTHON, ganetiSkip, repoRoot, run } from '../interop/peers.js';
import { startServer } from './raw.js';

const SEED = Number(process.env['LOST_ANSWERS_SEED'] ?? 0x10a5);
const FRAMES = Number(process.env['LOST_ANSWERS_FRAMES'] ?? 3000);

/** The figures `fuzz.mjs --lost-answers --json` prints on its last line. */
interface LostAnswersReport {
  seed: number;
  frames: number;
  connections: number;
  owed: number;
  received: number;
  lost: number;
  wrong: number;
  extra: number;
  stuck: number;
  socketErrors: Record<string, number>;
  byKind: Record<string, { connections: number; owed: number; lost: number; errorTexts: number }>;
  serverExited: boolean;
}

test('a peer still writing after a hostile frame receives every answer owed and the error text, for each kind of bad frame', {
  timeout: 120_000,
}, async (t) => {
  // The library under test is this build's, not dist/.
  const lib = fileURLToPath(new URL('../../src/index.js', import.meta.url));
  const r = await run(
    process.execPath,
    [join(repoRoot(), 'scripts/fuzz.mjs'), '--lost-answers', `--frames=${FRAMES}`, `--seed=${SEED}`, '--json'],
    { env: { ...process.env, GANETI_UDS_DIST: lib }, timeoutMs: 100_000 },
  );
  const last = r.stdout.trim().split('\n').pop() ?? '';
  let report: LostAnswersReport;
  try {
    report = JSON.parse(last) as LostAnswersReport;
  } catch {
    assert.fail(`fuzz.mjs printed no report (exit ${String(r.code)}): ${r.stdout.slice(-500)} ${r.stderr.slice(-1000)}`);
  }
  const summary = r.stdout.split('\n').filter((l) => l.startsWith('lost answers') || l.startsWith('  after'));
  for (const line of summary) t.diagnostic(line);
  assert.equal(report.serverExited, false, 'the server process survived');
  assert.equal(report.stuck, 0, 'every connection ended');
  assert.equal(report.wrong, 0, 'every answer received is the one owed, byte for byte');
  assert.equal(report.extra, 0, 'nothing is answered after the hostile frame');
  assert.ok(report.owed > FRAMES / 3, `answers owed: ${report.owed}`);
  assert.equal(report.lost, 0, `lost answers: ${report.lost} of ${report.owed}; ${summary.join('; ')}`);
  for (const [kind, k] of Object.entries(report.byKind)) {
    assert.ok(k.connections > 0, `the plan has connections ending in ${kind}`);
    assert.equal(k.errorTexts, k.connections, `the error text arrived on every connection with ${kind}`);
  }
});

/**
 * Ganeti's Python luxi client calling echo with `bytes` of argument. Network errors are
 * still retried as Ganeti does (15 attempts), without its 5 s, 10 s, ... waits in between,
 * so a broken pipe shows as the error in seconds rather than minutes.
 */
const PYTHON_OVERSIZE_CALL = `
import json, sys
from ganeti import luxi
from ganeti.rpc import transport
retry = transport.Transport.RetryOnNetworkError
transport.Transport.RetryOnNetworkError = staticmethod(
    lambda fn, on_error, retries=15, wait_on_error=5: retry(fn, on_error, retries, 0))
client = luxi.Client(address=sys.argv[1])
try:
    client.CallMethod("echo", ["x" * int(sys.argv[2])])
    print(json.dumps({"error": None}))
except Exception as err:
    print(json.dumps({"error": type(err).__name__, "message": str(err)}))
`;

const skip = ganetiSkip();

test("Ganeti's Python client sending a request over maxMessageBytes gets 'Message exceeds the limit' rather than a broken pipe", {
  skip,
  timeout: 60_000,
}, async (t) => {
  const limit = 64 * 1024;
  const { path } = await startServer(t, echoHandler, { maxMessageBytes: limit });
  const r = await run(PYTHON, ['-c', PYTHON_OVERSIZE_CALL, path, String(1 << 20)], {
    env: { ...process.env, PYTHONPATH: GANETI_PYTHONPATH },
    timeoutMs: 50_000,
  });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  const outcome = JSON.parse(last || '{}') as { error?: string | null; message?: string };
  t.diagnostic(`python client: ${last}`);
  assert.deepEqual(
    { error: outcome.error, limitText: /^Failed to parse request: Message exceeds the limit of 65536 bytes/.test(outcome.message ?? '') },
    { error: 'RequestError', limitText: true },
    `the client got ${last} (stderr: ${r.stderr.trim().split('\n').slice(-3).join(' | ')})`,
  );
});
