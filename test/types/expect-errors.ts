/**
 * Calls that must NOT compile. Each `@ts-expect-error` fails the build (`npm test` runs tsc
 * first) when the line below it becomes valid, i.e. when a public signature gets looser.
 * Nothing here runs: the module only declares a function that is never called.
 */
import {
  type Client,
  GanetiError,
  type LuxiClient,
  OpPrereqError,
  connectClient,
  createServer,
  type Handler,
  type UdsServer,
} from '../../src/index.js';
import type { WConfdClient } from '../../src/rpc.js';
import { DemoLuxid, loadCluster } from '../../src/demo-entry.js';

export async function mustNotCompile(client: Client, luxi: LuxiClient, wconfd: WConfdClient): Promise<void> {
  // @ts-expect-error connectClient takes a socket path, not a number
  await connectClient(42);
  // @ts-expect-error connectClient needs a path
  await connectClient();
  // @ts-expect-error Client.call requires a string method
  await client.call(1, []);
  // @ts-expect-error Client.call requires the args
  await client.call('echo');
  // @ts-expect-error OpPrereqError requires (message, errCode)
  new OpPrereqError('no such node');
  // @ts-expect-error the errCode is a string
  new OpPrereqError('no such node', 7);
  // @ts-expect-error the message is a string
  new OpPrereqError(['no such node'], 'wrong_input');
  // @ts-expect-error GanetiError takes the class name and its args list
  new GanetiError('OpPrereqError', 'no such node');
  // @ts-expect-error fromWire gives a GanetiError, not a string
  const text: string = GanetiError.fromWire(['GenericError', ['x']]);
  // @ts-expect-error queryNodes answers rows (unknown[][]), not records
  const rows: Record<string, unknown>[] = await luxi.queryNodes([], ['name']);
  // @ts-expect-error queryNodes takes name and field lists
  await luxi.queryNodes('node1', ['name']);
  // @ts-expect-error LuxiClient.call knows only Luxi method names
  await luxi.call('NoSuchMethod', []);
  // @ts-expect-error LuxiClient.call checks the params against the method table
  await luxi.call('QueryNodes', ['node1', ['name'], false]);
  // @ts-expect-error results are unknown, not any: no property access without a check
  (await client.call('echo', [])).foo;
  // @ts-expect-error createServer needs a handler with parse and exec
  const server: UdsServer = createServer({ exec: () => 1 });
  // @ts-expect-error a Handler's exec gets the parsed input type
  const bad: Handler<{ x: string }, number> = { parse: () => ({ x: 'a' }), exec: (input: { y: number }) => input.y };
  // @ts-expect-error WConfdClient methods are typed: no such method
  await wconfd.noSuchMethod();
  // @ts-expect-error DemoLuxid options are an object
  new DemoLuxid('cluster.json');
  // @ts-expect-error loadCluster answers ClusterData, not a string
  const name: string = loadCluster({});
  void [text, rows, server, bad, name];
}
