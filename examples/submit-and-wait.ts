/**
 * Submits an OP_TEST_DELAY job and waits for it, printing each log entry and status
 * change as it happens (LuxiClient.submitJobAndWait, which loops WaitForJobChange).
 * Exits 0 when the job succeeds, 1 otherwise.
 *
 * Run: node build/examples/examples/submit-and-wait.js [SOCKET] [SECONDS]
 * SOCKET defaults to $GANETI_UDS_SOCKET, then luxid's own path; SECONDS to 0.5.
 */
import { LuxiClient, defaultQuerySocket, type JobLogEntry } from '../src/index.js';

const socket = process.argv[2] ?? process.env['GANETI_UDS_SOCKET'] ?? defaultQuerySocket();
const seconds = Number(process.argv[3] ?? '0.5');

const client = await LuxiClient.connect(socket, { connectTimeoutMs: 5000 });
try {
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(2)}s`;
  // OP_TEST_DELAY sleeps on the master (Ganeti's opcode for testing the job queue).
  const outcome = await client.submitJobAndWait([{ OP_ID: 'OP_TEST_DELAY', duration: seconds, on_master: true }], {
    onStatus: (status) => console.log(`[${elapsed()}] status: ${status}`),
    onProgress: ([serial, [sec, usec], type, message]: JobLogEntry) => {
      const at = new Date(sec * 1000 + usec / 1000).toISOString();
      console.log(`[${elapsed()}] log #${serial} ${at} ${type}: ${String(message)}`);
    },
  });
  console.log(`job ${outcome.jobId} finished: ${outcome.status}, opresult ${JSON.stringify(outcome.opresult)}`);
  process.exitCode = outcome.status === 'success' ? 0 : 1;
} finally {
  await client.close();
}
