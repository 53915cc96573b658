/**
 * Compile-time pins for the opcode types (opcodes/types.ts). Nothing here runs: `npm test`
 * runs tsc first, and each `@ts-expect-error` fails the build when the line below it compiles.
 */
import type { LuxiClient } from '../../src/luxi.js';
import type { AnyOpCode, OpCodeOf, OpInstanceStartup, OpResults, OpTagsSet } from '../../src/luxi.js';

export async function opcodeTypes(luxi: LuxiClient): Promise<void> {
  // The example: a typed opcode with only its required parameter.
  await luxi.submitJob([{ OP_ID: 'OP_INSTANCE_STARTUP', instance_name: 'web1' }]);
  await luxi.submitJob([{ OP_ID: 'OP_INSTANCE_SHUTDOWN', instance_name: 'web1', timeout: 60, dry_run: true, priority: -10 }]);
  await luxi.submitManyJobs([[{ OP_ID: 'OP_TAGS_SET', kind: 'cluster', tags: ['a'] }], [{ OP_ID: 'OP_TEST_DELAY', duration: 1 }]]);
  // Optional parameters may be null (luxid reads null as absent).
  const startup: OpInstanceStartup = { OP_ID: 'OP_INSTANCE_STARTUP', instance_name: 'web1', force: null };
  const byId: OpCodeOf<'OP_TAGS_SET'> = { OP_ID: 'OP_TAGS_SET', kind: 'node', tags: [], name: 'node1' };
  const tagsSet: OpTagsSet = byId;
  const any: AnyOpCode[] = [startup, tagsSet];
  void any;
  // Results are typed per opcode.
  const setParams: OpResults['OP_INSTANCE_SET_PARAMS'] = [['be/memory', 512]];
  const created: OpResults['OP_INSTANCE_CREATE'] = ['node1.example.com'];
  void setParams;
  void created;

  // @ts-expect-error a misspelt parameter does not compile
  await luxi.submitJob([{ OP_ID: 'OP_INSTANCE_STARTUP', instance_nam: 'web1' }]);
  // @ts-expect-error a required parameter is missing
  await luxi.submitJob([{ OP_ID: 'OP_INSTANCE_STARTUP' }]);
  // @ts-expect-error an unknown OP_ID does not compile
  await luxi.submitJob([{ OP_ID: 'OP_NO_SUCH_THING' }]);
  // @ts-expect-error a string where a number belongs
  await luxi.submitJob([{ OP_ID: 'OP_INSTANCE_SHUTDOWN', instance_name: 'web1', timeout: '60' }]);
  // @ts-expect-error an enum value outside Ganeti's
  await luxi.submitJob([{ OP_ID: 'OP_TAGS_GET', kind: 'planet' }]);
  // @ts-expect-error a priority outside low/normal/high
  await luxi.submitJob([{ OP_ID: 'OP_TEST_DELAY', duration: 1, priority: 99 }]);
}
