/**
 * `ganeti-uds/rapi`: Ganeti's Remote API version 2. A typed client (`RapiClient`) and a
 * server (`startRapiServer`) that translates each resource to luxi calls and opcodes over
 * any luxid, real or `serve --demo`.
 */
export { RapiClient } from './rapi/client.js';
export type {
  QueryPairs,
  RapiCallOptions,
  RapiClientOptions,
  RapiForceOptions,
  RapiListOptions,
  RapiReadOptions,
  RapiWaitForJobOptions,
  RapiWriteOptions,
  ResolvedRapiClientOptions,
} from './rapi/client.js';
export { DEFAULT_RAPI_MAX_RESPONSE_BYTES, DEFAULT_RAPI_TIMEOUT_MS } from './rapi/client-transport.js';
export {
  RapiCertificateError,
  RapiConnectionError,
  RapiError,
  RapiErrorCodes,
  RapiResponseError,
  RapiStatusError,
  RapiTimeoutError,
} from './rapi/client-errors.js';
export type { RapiErrorCode, RapiRequestInfo } from './rapi/client-errors.js';
export type * from './rapi/types.js';
export {
  DEFAULT_RAPI_PORT,
  FILTER_RULE_FIELDS,
  GROUP_FIELDS,
  INSTANCE_FIELDS,
  JOB_FIELDS,
  JOB_FIELDS_BULK,
  NETWORK_FIELDS,
  NODE_FIELDS,
  RAPI_FEATURES,
  RAPI_VERSION,
} from './rapi/types.js';
export {
  DEFAULT_RAPI_CLOSE_GRACE_MS,
  DEFAULT_RAPI_HEADERS_TIMEOUT_MS,
  DEFAULT_RAPI_HOST,
  DEFAULT_RAPI_KEEP_ALIVE_TIMEOUT_MS,
  DEFAULT_RAPI_LUXI_TIMEOUT_MS,
  DEFAULT_RAPI_MAX_BODY_BYTES,
  DEFAULT_RAPI_MAX_CONNECTIONS,
  DEFAULT_RAPI_REQUEST_TIMEOUT_MS,
  UNMATCHED_RESOURCE,
  startRapiServer,
} from './rapi/server.js';
export type { RapiRequestEvent, RapiServer, RapiServerOptions } from './rapi/server.js';
export { RAPI_ACCESS, RAPI_AUTH_REALM } from './rapi/users.js';
export type { RapiAccess, RapiUser } from './rapi/users.js';
