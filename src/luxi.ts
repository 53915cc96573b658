/**
 * `ganeti-uds/luxi`: the Luxi layer only. The client ({@link LuxiClient}), the server side
 * ({@link createLuxiHandler} over a {@link LuxiImplementation}), the method table, the query
 * language builder ({@link qlang}), the wire types and the query-result helpers. Serving it
 * needs `createServer` from `ganeti-uds`.
 *
 * @module ganeti-uds/luxi
 */
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
export { createLuxiHandler } from './protocols/luxi/handler.js';
export type { LuxiHandlerOptions } from './protocols/luxi/handler.js';
export { LuxiClient, FINAL_JOB_STATUSES } from './protocols/luxi/client.js';
export type { LuxiClientOptions, WaitForJobOptions, JobOutcome } from './protocols/luxi/client.js';
export { qlang, QLANG_OPS } from './protocols/luxi/qlang.js';
export type { FilterExpr, FilterValue } from './protocols/luxi/qlang.js';
export { RESULT_STATUS, cellValue, queryRecords, rowsToRecords } from './protocols/luxi/query-result.js';
export type { BadCellPolicy, QueryRecordsOptions } from './protocols/luxi/query-result.js';
export { JOB_STATUSES } from './protocols/luxi/types.js';
export { COMMON_OP_PARAMS, OPCODES } from './protocols/luxi/opcodes/table.js';
export type { OpCodeDef, OpParamDef, OpParamPresence } from './protocols/luxi/opcodes/table.js';
export { opCodeDef, parseOpCode } from './protocols/luxi/opcodes/parse.js';
export type * from './protocols/luxi/opcodes/types.js';
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
