/**
 * Typed opcodes against a luxid: shuts an instance down, changes its memory, starts it
 * again, and reads its state after each job. The opcodes are checked by the compiler
 * (`OpInstanceShutdown`, ...) and by luxid at submit; each job's result is typed by
 * `OpResults`. Exits 0 when every job succeeds, 1 otherwise.
 *
 * Run: node build/examples/examples/instance-lifecycle.js [SOCKET] [INSTANCE]
 * SOCKET defaults to $GANETI_UDS_SOCKET, then luxid's own path; INSTANCE to web1.example.com.
 */
import { type AnyOpCode, LuxiClient, type OpResults, defaultQuerySocket } from '../src/luxi.js';

const socket = process.argv[2] ?? process.env['GANETI_UDS_SOCKET'] ?? defaultQuerySocket();
const instance = process.argv[3] ?? 'web1.example.com';

const client = await LuxiClient.connect(socket, { connectTimeoutMs: 5000 });
try {
  const show = async () => {
    const [row] = await client.queryInstances([instance], ['name', 'status', 'be/memory'], false);
    console.log(`  ${row?.join(' ')}`);
  };
  const run = async (what: string, op: AnyOpCode): Promise<unknown> => {
    const outcome = await client.submitJobAndWait([op]);
    console.log(`${what}: job ${outcome.jobId} ${outcome.status}`);
    if (outcome.status !== 'success') throw new Error(`${what} failed: ${JSON.stringify(outcome.opresult)}`);
    return outcome.opresult[0];
  };
  await show();
  await run('shutdown', { OP_ID: 'OP_INSTANCE_SHUTDOWN', instance_name: instance, timeout: 60 });
  await show();
  const changes = (await run('set memory', {
    OP_ID: 'OP_INSTANCE_SET_PARAMS',
    instance_name: instance,
    beparams: { memory: 3072 },
  })) as OpResults['OP_INSTANCE_SET_PARAMS'];
  for (const [param, value] of changes) console.log(`  ${param} -> ${String(value)}`);
  await run('startup', { OP_ID: 'OP_INSTANCE_STARTUP', instance_name: instance });
  await show();
} catch (err) {
  console.error(String(err));
  process.exitCode = 1;
} finally {
  await client.close();
}
