/**
 * Compile-time pins for the RAPI client's types (src/rapi/client.ts, src/rapi/types.ts).
 * Nothing here runs: `npm test` runs tsc first, and each `@ts-expect-error` fails the build
 * when the line below it compiles.
 */
import type { RapiClient } from '../../src/rapi/client.js';
import type { JobId, RapiIdUri, RapiInstance, RapiJob, RapiNode, RapiNodeRole, RapiQueryResult } from '../../src/rapi/types.js';

export async function rapiClientTypes(rapi: RapiClient): Promise<void> {
  // Answers are typed per resource; bulk lists give records, plain ones {id, uri}.
  const instances: RapiInstance[] = await rapi.getInstances({ bulk: true });
  const entries: RapiIdUri[] = await rapi.getInstances();
  const memory: number = instances[0]?.beparams.memory ?? 0;
  const sizes: number[] = instances[0]?.['disk.sizes'] ?? [];
  const mfree: number | null = (await rapi.getNode('node1')).mfree;
  const role: RapiNodeRole = await rapi.getNodeRole('node1');
  const nodes: RapiNode[] = await rapi.getNodes({ bulk: true });
  const job: RapiJob = await rapi.waitForJob(await rapi.startupInstance('web1'));
  const rows: RapiQueryResult = await rapi.query('node', ['name'], ['=', 'offline', false]);
  void [entries, memory, sizes, mfree, role, nodes, job, rows];

  // Writes resolve with a job id; bodies are the opcode's parameters.
  const id: JobId = await rapi.createInstance({ mode: 'create', name: 'new1', disk_template: 'plain', disks: [{ size: 1024 }], nics: [] });
  await rapi.modifyInstance('web1', { beparams: { memory: 2048 }, runtime_mem: 1024 });
  await rapi.shutdownInstance('web1', { timeout: 30 }, { dryRun: true, reason: 'maintenance' });
  await rapi.evacuateNode('node3', { mode: 'secondary-only', iallocator: 'hail' });
  await rapi.setNodeRole('node3', 'drained', { force: true });
  await rapi.replaceInstanceDisks('db1', { mode: 'replace_new_secondary', remote_node: 'node4' });
  void id;

  // @ts-expect-error a plain list is {id, uri} entries, not records
  const wrong: RapiInstance[] = await rapi.getInstances();
  // @ts-expect-error a misspelt opcode parameter in a body does not compile
  await rapi.modifyInstance('web1', { bparams: { memory: 2048 } });
  // @ts-expect-error the instance's name comes from the URL: the body cannot set it
  await rapi.modifyInstance('web1', { instance_name: 'web2' });
  // @ts-expect-error the reason goes in the query (options.reason), not in the body
  await rapi.migrateInstance('web1', { reason: [['me', 'why', 0]] });
  // @ts-expect-error createInstance needs the mode, name, disk_template... of OP_INSTANCE_CREATE
  await rapi.createInstance({ name: 'new1' });
  // @ts-expect-error evacuation needs a mode
  await rapi.evacuateNode('node3', {});
  // @ts-expect-error an enum value outside Ganeti's
  await rapi.replaceInstanceDisks('db1', { mode: 'replace_everything' });
  // @ts-expect-error the master role cannot be set through RAPI
  await rapi.setNodeRole('node3', 'master');
  // @ts-expect-error tags are a list of strings
  await rapi.addInstanceTags('web1', 'env:prod');
  // @ts-expect-error node records have no such field
  (await rapi.getNode('node1')).memory_free;
  // @ts-expect-error dryRun is an option, not a positional argument
  await rapi.deleteGroup('g1', true);
  void wrong;
}
