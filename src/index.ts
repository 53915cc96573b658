/**
 * ganeti-uds: Ganeti's Unix-domain-socket RPC for Node.js. The whole public API, by layer.
 */
// Framing and codec
export { EOM, DEFAULT_MAX_MESSAGE_BYTES, FrameDecoder, MessageTooLargeError, encodeFrame } from './framing.js';
export type { FrameDecoderOptions } from './framing.js';
export { DEFAULT_MAX_DEPTH, decodeJson, encodeJson } from './codec.js';
export type { DecodeOptions, InvalidUtf8Policy } from './codec.js';
export { DEFAULT_PIECEWISE_MIN_ELEMENTS, encodeJsonPieces, isLargeJsonValue } from './json-pieces.js';
export { JsonSyntaxError } from './exact-json.js';
// Messages
export { MsgKeys, strOfKey, buildCall, parseCall, buildResponse, responseHead, decodeResponse, parseResponse } from './message.js';
export type { Call, MsgKey, Response } from './message.js';
// Errors
export {
  GanetiError,
  MessageError,
  createGanetiError,
  toGanetiError,
  GenericError,
  LockError,
  PidFileLockError,
  HypervisorError,
  ProgrammerError,
  BlockDeviceError,
  ConfigurationError,
  ConfigVerifyError,
  ConfigVersionMismatch,
  ReservationError,
  RemoteError,
  SignatureError,
  ParameterError,
  ResultValidationError,
  OpPrereqError,
  OpExecError,
  OpResultError,
  OpCodeUnknown,
  JobLost,
  JobFileCorrupted,
  ResolverError,
  HooksFailure,
  HooksAbort,
  UnitParseError,
  ParseError,
  TypeEnforcementError,
  X509CertError,
  TagError,
  CommandError,
  StorageError,
  InotifyError,
  JobQueueError,
  JobQueueDrainError,
  JobQueueFull,
  ConfdMagicError,
  ConfdClientError,
  UdpDataSizeError,
  NoCtypesError,
  IPAddressError,
  LuxiError,
  QueryFilterParseError,
  RapiTestResult,
  FileStoragePathError,
  HotplugError,
  AddressPoolError,
  OpRetryNotSupportedError,
  DeviceCreationError,
  JobCanceled,
  SshUpdateError,
  ProtocolError,
  ConnectionClosedError,
  TimeoutError,
  RequestError,
  NoMasterError,
  PermissionError,
  ErrorCodes,
} from './errors.js';
export type { WireError, ProtocolErrorCode } from './errors.js';
export { GANETI_ERROR_SHAPES, PYTHON_ONLY_ERROR_NAMES, ECODES, ArgKind, checkErrorArgs, isGanetiErrorName } from './ganeti-errors.js';
export type { GanetiErrorName, ErrorCode } from './ganeti-errors.js';
// Defaults and logging
export {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_CONNECT_RETRY_DELAY_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_SEND_TIMEOUT_MS,
  DEFAULT_BACKLOG,
  DEFAULT_SOCKET_MODE,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_CONNECTIONS_PER_USER,
  DEFAULT_CLOSE_GRACE_MS,
} from './defaults.js';
export { silentLogger, redactSecrets, SECRET_KEYS } from './logger.js';
export type { Logger, LogFn } from './logger.js';
// Transport
export { connectSocket, MAX_SOCKET_PATH_BYTES } from './transport/connect.js';
export type { ConnectOptions } from './transport/connect.js';
export { getPeerCredentials, peerCredentialsAvailable } from './transport/peer-credentials.js';
export type { PeerCredentials } from './transport/peer-credentials.js';
// Dispatch
export { Client, connectClient } from './dispatch/client.js';
export type { RecvResult, ClientOptions, ConnectClientOptions, CallOptions, StreamPair } from './dispatch/client.js';
export { UdsServer, createServer } from './dispatch/server.js';
export type { ServerOptions, ServerStats } from './dispatch/server.js';
export type { ResolvedServerOptions } from './dispatch/server-options.js';
export { DropConnection, echoHandler } from './dispatch/handler.js';
export type { Handler, RequestContext } from './dispatch/handler.js';
// Luxi
export {
  LUXI_METHODS,
  LUXI_METHOD_TABLE,
  LUXI_VERSION,
  LUXI_WFJC_TIMEOUT_SECONDS,
  JOB_NOTCHANGED,
  decodeLuxiCall,
  encodeLuxiArgs,
  isLuxiMethod,
  defaultQuerySocket,
} from './protocols/luxi/methods.js';
export type { LuxiCall, LuxiMethodSpec, LuxiMethodTable, LuxiParams, LuxiResult } from './protocols/luxi/methods.js';
export { LuxiParseError, QUERY_RESOURCES, TAG_KINDS } from './protocols/luxi/decode.js';
export { COMMON_OP_PARAMS, OPCODES } from './protocols/luxi/opcodes/table.js';
export type { OpCodeDef, OpParamDef, OpParamPresence } from './protocols/luxi/opcodes/table.js';
export { opCodeDef, parseOpCode } from './protocols/luxi/opcodes/parse.js';
export { createLuxiHandler } from './protocols/luxi/handler.js';
export type { LuxiHandlerOptions } from './protocols/luxi/handler.js';
export { LuxiClient, FINAL_JOB_STATUSES } from './protocols/luxi/client.js';
export type { LuxiClientOptions, WaitForJobOptions, JobOutcome } from './protocols/luxi/client.js';
export { qlang, QLANG_OPS } from './protocols/luxi/qlang.js';
export type { FilterExpr, FilterValue } from './protocols/luxi/qlang.js';
export { RESULT_STATUS, cellValue, queryRecords, rowsToRecords } from './protocols/luxi/query-result.js';
export type { BadCellPolicy, QueryRecordsOptions } from './protocols/luxi/query-result.js';
export { JOB_STATUSES } from './protocols/luxi/types.js';
export type {
  JobId,
  QueryFilter,
  QueryResource,
  FieldKind,
  FieldDefinition,
  ResultStatus,
  QueryCell,
  QueryResult,
  QueryFieldsResult,
  OpCode,
  JobStatus,
  JobLogEntry,
  JobChange,
  SubmitManyResult,
  LuxiImplementation,
  LuxiMethod,
} from './protocols/luxi/types.js';
// RPC
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
// Pipes and handoff
export { openPipePair, childStdioStreams, processStdioStreams } from './transport/pipe.js';
export type { PipeEnd, PipePairOptions } from './transport/pipe.js';
export { HANDOFF_MESSAGE_TYPE, sendSocket, onHandedOffSocket, receiveSocket } from './transport/handoff.js';
export type { HandoffMessage, HandedOffSocket, ReceiveSocketOptions } from './transport/handoff.js';
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
// Proxy and diagnostics
export { UdsProxy, createProxy } from './proxy/proxy.js';
export type { ProxyOptions, ProxyStats, ProxySide, ProxyConnectionEvent } from './proxy/proxy.js';
export { ExchangeOutcome } from './proxy/exchange.js';
export type { ProxyExchange } from './proxy/exchange.js';
export { DiagnosticsChannelNames, diagnosticsChannels } from './diagnostics.js';
export type {
  DiagnosticsChannelName,
  ServerConnectMessage,
  ServerRequestMessage,
  ServerResponseMessage,
  ServerErrorMessage,
  ClientConnectMessage,
  ClientRequestMessage,
  ClientResponseMessage,
} from './diagnostics.js';
// Demo
export { DemoLuxid } from './demo/luxid.js';
export type { DemoLuxidOptions } from './demo/luxid.js';
export { sampleCluster, loadCluster } from './demo/cluster.js';
export type {
  ClusterData,
  NodeData,
  NodeLive,
  GroupData,
  InstanceData,
  DiskData,
  NicData,
  NetworkData,
  FilterData,
  IPolicy,
  ISpec,
} from './demo/cluster.js';
export { JobQueue, DEFAULT_OP_DURATION_MS, DEFAULT_START_DELAY_MS } from './demo/jobs.js';
export type { JobQueueOptions, JobTimers, Job, QueuedOp } from './demo/jobs.js';
export { DemoParseError } from './demo/qlang.js';
export { FaultRuleError, parseFaultRule, parseFaultRules } from './demo/faults.js';
export type { FaultDecision, FaultRule, ResolvedFaultRule } from './demo/faults.js';
