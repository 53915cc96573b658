/**
 * Type tests: pins of the public signatures. Most checks here are compile-time (`npm test`
 * runs tsc first, and a wrong signature fails that build); the runtime assertions only make
 * the file a test and check that the subpath entries re-export the same objects as the root.
 * The `@ts-expect-error` lines (calls that must NOT compile) live in expect-errors.ts.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import {
  type Client,
  GanetiError,
  LuxiClient,
  OpPrereqError,
  type connectClient,
  type createServer,
  type createLuxiHandler,
  qlang,
  type CallOptions,
  type Handler,
  type LuxiImplementation,
  type LuxiParams,
  type LuxiResult,
  type QueryResult,
  type UdsServer,
} from '../../src/index.js';
import * as root from '../../src/index.js';
import * as luxi from '../../src/luxi.js';
import * as rpc from '../../src/rpc.js';
import * as demo from '../../src/demo-entry.js';

/** `true` when A and B are the same type (not merely mutually assignable; `any` is not `unknown`). */
export type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
export type IsAny<T> = 0 extends 1 & T ? true : false;
/** Compiles only when its type argument is `true`. */
export function expectType<T extends true>(): T | undefined {
  return undefined;
}

// Luxi client: typed results from the method table, never `any`.
expectType<Equal<ReturnType<LuxiClient['queryNodes']>, Promise<unknown[][]>>>();
expectType<Equal<Parameters<LuxiClient['queryNodes']>, [names: string[], fields: string[], useLocking?: boolean, options?: CallOptions]>>();
expectType<Equal<typeof LuxiClient.connect, (path?: string, options?: luxi.LuxiClientOptions) => Promise<LuxiClient>>>();
expectType<Equal<ReturnType<LuxiClient['query']>, Promise<QueryResult>>>();
expectType<Equal<LuxiResult<'QueryNodes'>, unknown[][]>>();
expectType<Equal<LuxiParams<'QueryNodes'>, [names: string[], fields: string[], useLocking: boolean]>>();
expectType<Equal<LuxiResult<'SubmitJob'>, number | bigint>>();
expectType<Equal<IsAny<LuxiResult<'QueryClusterInfo'>>, false>>();
expectType<Equal<ReturnType<typeof createLuxiHandler>, Handler<luxi.LuxiCall, unknown>>>();
expectType<Equal<ReturnType<typeof qlang.eq>, luxi.FilterExpr>>();

// Dispatch: the generic client takes a string method and unknown args, and answers unknown.
expectType<Equal<Parameters<Client['call']>[0], string>>();
expectType<Equal<ReturnType<Client['call']>, Promise<unknown>>>();
expectType<Equal<Parameters<typeof connectClient>[0], string>>();
expectType<Equal<ReturnType<typeof connectClient>, Promise<Client>>>();
expectType<Equal<ReturnType<typeof createServer>, UdsServer>>();

// createServer accepts a handler of any input/output types.
const typedHandler: Handler<{ x: string }, number> = {
  parse: (method, args) => ({ x: `${String(method)}:${JSON.stringify(args)}` }),
  exec: (input) => input.x.length,
};
const serverHandler: Parameters<typeof createServer>[0] = typedHandler;

// Errors: OpPrereqError takes (message, errCode); fromWire gives a GanetiError.
expectType<Equal<ReturnType<typeof GanetiError.fromWire>, GanetiError>>();
expectType<Equal<ConstructorParameters<typeof OpPrereqError>[0], string>>();
expectType<Equal<ConstructorParameters<typeof GanetiError>[1], readonly unknown[]>>();

// The demo implements the whole Luxi method table.
const implementation: LuxiImplementation = new demo.DemoLuxid();
void implementation;

// The RPC layer.
expectType<Equal<ReturnType<rpc.RpcClient['call']>, Promise<unknown>>>();
expectType<Equal<Parameters<typeof rpc.rpcMethod>[0], readonly rpc.RpcArgReader[]>>();

test('typed values behave as their types say', async () => {
  assert.equal(serverHandler, typedHandler);
  assert.equal(typedHandler.exec(typedHandler.parse('m', [1], undefined as never), undefined as never), 5);
  const e = new OpPrereqError('no such node', 'wrong_input');
  assert.ok(e instanceof GanetiError);
  assert.deepEqual(e.args, ['no such node', 'wrong_input']);
  const back = GanetiError.fromWire(['OpPrereqError', ['no such node', 'wrong_input']]);
  assert.ok(back instanceof GanetiError);
  assert.equal(back.className, 'OpPrereqError');
  assert.deepEqual(qlang.eq('name', 'node1'), ['==', 'name', 'node1']);
  (implementation as demo.DemoLuxid).close();
});

test('subpath entries re-export the very same objects as the root entry', () => {
  for (const [name, entry] of Object.entries({ luxi, rpc, demo })) {
    const names = Object.keys(entry);
    assert.ok(names.length > 5, `${name} exports only ${names.length} values`);
    for (const key of names) {
      assert.equal(
        (entry as Record<string, unknown>)[key],
        (root as Record<string, unknown>)[key],
        `${name}.${key} differs from the root export`,
      );
    }
  }
  assert.equal(luxi.LuxiClient, LuxiClient);
  assert.equal(demo.DemoLuxid, root.DemoLuxid);
  assert.equal(rpc.WConfdClient, root.WConfdClient);
});
