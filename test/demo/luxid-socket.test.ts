import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectClient, createServer } from '../../src/index.js';
import { DemoLuxid } from '../../src/demo/luxid.js';
import { createLuxiHandler } from '../../src/protocols/luxi/handler.js';
import { tempSocketPath } from '../helpers/tmp.js';

test('the demo luxid behind the Luxi dispatch answers htools and keeps big integers exact', { timeout: 10_000 }, async (t) => {
  const path = tempSocketPath(t);
  const luxid = new DemoLuxid({ opDurationMs: 5, startDelayMs: 5 });
  const server = createServer(createLuxiHandler(luxid), {});
  await server.listen(path);
  const client = await connectClient(path, {});
  t.after(async () => {
    client.destroy();
    await server.close();
    luxid.close();
  });
  const nodes = (await client.call('Query', ['node', ['name', 'offline', 'group.uuid'], null])) as { data: unknown[][] };
  assert.equal(nodes.data.length, 5);
  const info = (await client.call('QueryClusterInfo', [])) as Record<string, unknown>;
  assert.equal(info['master'], 'node1.example.com');
  assert.deepEqual(await client.call('QueryInstances', [['café.example.com'], ['name'], false]), [['café.example.com']]);
  const ns = 1795548371267646000n;
  const id = (await client.call('SubmitJob', [[{ OP_ID: 'OP_TEST_DELAY', duration: 0, reason: [['t', 'r', ns]] }]])) as number;
  const [[ops]] = (await client.call('QueryJobs', [[id], ['ops']])) as [[Array<{ reason: unknown[][] }>]];
  assert.equal(ops[0]?.reason[0]?.[2], ns);
  // A 19-digit job id (beyond 2^53) is read exactly and echoed in the [[id, null]] row.
  const bigId = 1795633315754584001n;
  assert.deepEqual(
    await client.call('QueryJobs', [
      [bigId, `${bigId}`],
      ['id', 'status'],
    ]),
    [[bigId, null]],
  );
  assert.deepEqual(await client.call('ArchiveJob', [bigId]), false);
  await assert.rejects(client.call('Query', ['nosuch', ['name'], null]), /Failed to parse request: Cannot convert value/);
  // luxid parses the generic opcode params first and needs a reason trail in every opcode.
  const bare = await connectClient(path, {});
  t.after(() => bare.destroy());
  await assert.rejects(bare.call('SubmitJob', [[{ OP_ID: 'OP_TEST_DELAY', duration: 1 }]]), {
    message: `Failed to parse request: SubmitJob: key 'reason' not found, object contains only ["OP_ID","duration"]`,
  });
});
