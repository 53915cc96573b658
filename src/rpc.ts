/**
 * `ganeti-uds/rpc`: the generic RPC layer (Ganeti's `{"method","args"}` dispatch with typed
 * argument readers, as WConfd and metad use it), its client, the WConfd client, and the
 * clients over pipes, spawned processes and handed-off sockets. Serving it needs
 * `createServer` from `ganeti-uds`.
 *
 * @module ganeti-uds/rpc
 */
export {
  createRpcHandler,
  rpcMethod,
  rpcMethodOfArity,
  echoMethod,
} from './protocols/rpc/handler.js';
export type { RpcMethod, RpcRequest, RpcHandlerOptions, ArgsOf } from './protocols/rpc/handler.js';
export {
  RpcInputError,
  readString,
  readBool,
  readInt,
  readInteger,
  readDouble,
  readAny,
  readList,
  readMaybe,
  arityErrorText,
} from './protocols/rpc/readers.js';
export type { RpcArgReader } from './protocols/rpc/readers.js';
export { RpcClient } from './protocols/rpc/client.js';
export type { RpcClientOptions } from './protocols/rpc/client.js';
export {
  WConfdClient,
  WCONFD_METHODS,
  WCONFD_SOCKET_MODE,
  DEFAULT_WCONFD_CONNECT_TIMEOUT_MS,
  DEFAULT_WCONFD_REQUEST_TIMEOUT_MS,
  defaultWConfdSocketPath,
  isWConfdMethod,
} from './protocols/rpc/wconfd.js';
export type {
  WConfdMethodName,
  WConfdClientOptions,
  ClientId,
  LockOwnership,
  LockRequest,
  LockLevel,
  ConfigData,
  ConfigObject,
  DrbdMap,
  IpReservation,
  AdminState,
  AdminStateSource,
  SerialAndMtime,
} from './protocols/rpc/wconfd.js';
export {
  DEFAULT_JOB_PIPE_TIMEOUT_MS,
  pipeClient,
  spawnWithClient,
  stdioClient,
  flushAndClose,
  handOffClient,
  receiveHandedOffClient,
} from './protocols/rpc/process-clients.js';
export type { PipeClientOptions, SpawnWithClientOptions, ReceiveClientOptions } from './protocols/rpc/process-clients.js';
