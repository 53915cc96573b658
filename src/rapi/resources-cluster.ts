/**
 * The cluster-wide RAPI resources of rlib2: `/`, `/2`, `/version`, `/2/info`,
 * `/2/features`, `/2/os`, `/2/redistribute-config`, `/2/modify`, `/2/tags`, the job
 * resources (with wait-for-change), the filter rules and the generic query resources.
 */
import type { JobId } from '../protocols/luxi/types.js';
import { badGateway, badRequest, internalError, notFound } from './http-error.js';
import { makeOpcode } from './opcode-fill.js';
import { pyExceptionStr, pyRepr, pyTypeName } from './python-format.js';
import { checkParameter, checkType, type RapiRequest } from './request.js';
import {
  READ_OR_WRITE,
  WRITE,
  bodyOnly,
  buildUriList,
  firstColumn,
  mapBulkFields,
  mapFields,
  opcodeMethod,
  read,
  tagResource,
  withAliases,
  write,
  type ResourceSpec,
} from './resource.js';

/** `constants.RAPI_VERSION`. */
export const RAPI_VERSION = 2;

/** rlib2 `ALL_FEATURES` (a frozenset in Python: its order there varies per process). */
export const RAPI_FEATURES = ['instance-create-reqv1', 'instance-reinstall-reqv1', 'node-migrate-reqv1', 'node-evac-res1'] as const;

/** rlib2 `_WFJC_TIMEOUT`: seconds `/2/jobs/[job_id]/wait` lets a job take to change. */
export const RAPI_WFJC_TIMEOUT_SECONDS = 10;

/** rlib2 `FILTER_RULE_FIELDS`. */
export const FILTER_RULE_FIELDS = ['watermark', 'priority', 'predicates', 'action', 'reason_trail', 'uuid'] as const;
/** rlib2 `J_FIELDS_BULK`. */
export const J_FIELDS_BULK = ['id', 'ops', 'status', 'summary', 'opstatus', 'received_ts', 'start_ts', 'end_ts'] as const;
/** rlib2 `J_FIELDS`. */
export const J_FIELDS = [...J_FIELDS_BULK, 'oplog', 'opresult'] as const;

const FINAL = new Set(['success', 'error', 'canceling', 'canceled']);

/** A job id from the URL, sent to luxid as the string it is (as rlib2 does). */
function jobIdOf(req: RapiRequest): JobId {
  return req.item as unknown as JobId;
}

/**
 * `cli.PollJob` as rlib2's `/2/os` uses it: waits for the job, then answers its opresult, or
 * raises what the failed opcode raised (a 500 with its text).
 */
async function pollJob(req: RapiRequest, jobId: unknown): Promise<unknown[]> {
  let prevInfo: unknown = null;
  let prevSerial: unknown = null;
  for (;;) {
    if (req.signal.aborted) {
      await req.call('CancelJob', [jobId as never, false]).catch(() => undefined);
      throw internalError('Job was canceled');
    }
    const change: unknown = await req.call('WaitForJobChange', [jobId as never, ['status'], prevInfo as never, prevSerial as never, 1]);
    if (!change || (Array.isArray(change) && change.length === 0)) throw internalError(`Job with id ${String(jobId)} lost`);
    if (change === 'nochange') continue;
    const [info, log] = change as [unknown[], unknown[][] | null];
    for (const entry of log ?? []) {
      const serial = entry[0];
      if (prevSerial === null || (typeof serial === 'number' && serial > (prevSerial as number))) prevSerial = serial;
    }
    if (FINAL.has(String(info[0]))) break;
    prevInfo = info;
  }
  const rows = (await req.call('QueryJobs', [[jobId as never], ['status', 'opstatus', 'opresult']])) as unknown[];
  const row = rows[0];
  if (!Array.isArray(row)) throw internalError(`Job with id ${String(jobId)} lost`);
  const [status, opstatus, result] = row as [unknown, unknown[], unknown[]];
  if (status === 'success') return result;
  if (status === 'canceling' || status === 'canceled') throw internalError('Job was canceled');
  let hasOk = false;
  for (let idx = 0; idx < Math.min(opstatus?.length ?? 0, result?.length ?? 0); idx++) {
    const msg = result[idx];
    if (opstatus[idx] === 'success') hasOk = true;
    else if (opstatus[idx] === 'error') {
      const encoded = Array.isArray(msg) && typeof msg[0] === 'string' && Array.isArray(msg[1]);
      if (encoded) throw internalError(pyExceptionStr(msg[1] as unknown[]));
      const text = typeof msg === 'string' ? msg : pyRepr(msg);
      throw internalError(hasOk ? `partial failure (opcode ${idx}): ${text}` : text);
    }
  }
  throw internalError(pyRepr(result));
}

/** `checkFilterParameters`: priority, predicates, action and reason of a filter-rule body. */
function filterParameters(data: unknown): [unknown, unknown, unknown, unknown] {
  if (pyTypeName(data) !== 'dict') throw badRequest('Invalid body contents, not a dictionary');
  const allowed = new Set(['priority', 'predicates', 'action', 'reason']);
  for (const key of Object.keys(data as object)) {
    if (!allowed.has(key)) throw badRequest(`Invalid body parameters: filter rule doesn't support the parameter '${key}'`);
  }
  const typed = (name: string, type: 'int' | 'list', fallback: unknown): unknown => {
    const value = checkParameter(data, name, [fallback]);
    if (Object.hasOwn(data as object, name)) checkType(value, type, `'${name}' parameter`);
    return value;
  };
  return [
    typed('priority', 'int', 0),
    typed('predicates', 'list', []),
    checkParameter(data, 'action', ['CONTINUE']),
    typed('reason', 'list', []),
  ];
}

/** `_GetQueryFields` / `_SplitQueryFields`. */
function queryFields(req: RapiRequest): string[] {
  const fields = req.queryArgs.get('fields')?.[0];
  if (fields === undefined) throw badRequest("Missing 'fields' query argument");
  return fields.split(',').map((f) => f.trim());
}

/** `objects.QueryResponse.FromDict(...).ToDict()`: slots in MRO order, None values left out. */
function queryResponseDict(result: unknown, withData: boolean): Record<string, unknown> {
  if (pyTypeName(result) !== 'dict') throw internalError(`'${pyTypeName(result)}' object is not a mapping`);
  const r = result as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  if (withData && r['data'] !== null && r['data'] !== undefined) out['data'] = r['data'];
  const fields = r['fields'];
  out['fields'] = Array.isArray(fields)
    ? fields.map((f) => {
        const d: Record<string, unknown> = {};
        for (const key of ['name', 'title', 'kind', 'doc']) {
          const v = (f as Record<string, unknown>)?.[key];
          if (v !== null && v !== undefined) d[key] = v;
        }
        return d;
      })
    : fields;
  return out;
}

export const CLUSTER_RESOURCES: readonly ResourceSpec[] = [
  { pattern: '/', className: 'R_root', methods: { GET: read(() => null) } },
  { pattern: '/2', className: 'R_2', methods: { GET: read(() => null) } },
  { pattern: '/version', className: 'R_version', methods: { GET: read(() => RAPI_VERSION) } },
  {
    pattern: '/2/info',
    className: 'R_2_info',
    methods: {
      GET: withAliases(
        read((req) => req.call('QueryClusterInfo', [])),
        { volume_group_name: 'vg_name', drbd_usermode_helper: 'drbd_helper' },
      ),
    },
  },
  { pattern: '/2/features', className: 'R_2_features', methods: { GET: read(() => [...RAPI_FEATURES]) } },
  {
    pattern: '/2/os',
    className: 'R_2_os',
    methods: {
      GET: read(async (req) => {
        const op = makeOpcode('OP_OS_DIAGNOSE', { output_fields: ['name', 'variants'], names: [] });
        const jobId = await req.submitJob([op]);
        const result = await pollJob(req, jobId);
        const diagnose = result[0];
        if (!Array.isArray(diagnose)) throw badGateway("Can't get OS list");
        const names: string[] = [];
        for (const row of diagnose) {
          const [name, variants] = Array.isArray(row) ? (row as [string, unknown]) : [String(row), null];
          if (Array.isArray(variants) && variants.length > 0) names.push(...variants.map((v) => `${name}+${String(v)}`));
          else names.push(name);
        }
        return names;
      }),
    },
  },
  { pattern: '/2/redistribute-config', className: 'R_2_redist_config', methods: { PUT: opcodeMethod('OP_CLUSTER_REDIST_CONF', bodyOnly) } },
  {
    pattern: '/2/modify',
    className: 'R_2_cluster_modify',
    methods: { PUT: opcodeMethod('OP_CLUSTER_SET_PARAMS', bodyOnly, { forbidden: ['compression_tools'] }) },
  },
  tagResource('/2/tags', 'R_2_tags', 'cluster'),
  {
    pattern: '/2/jobs',
    className: 'R_2_jobs',
    methods: {
      GET: read(async (req) => {
        if (req.useBulk()) return mapBulkFields(await req.call('QueryJobs', [null, [...J_FIELDS_BULK]]), J_FIELDS_BULK);
        const ids = firstColumn(await req.call('QueryJobs', [null, ['id']]));
        return buildUriList(ids, (id) => `/2/jobs/${id}`, ['id', 'uri']);
      }),
    },
  },
  {
    pattern: '/2/jobs/[job_id]',
    className: 'R_2_jobs_id',
    methods: {
      GET: read(async (req) => {
        const rows = (await req.call('QueryJobs', [[jobIdOf(req)], [...J_FIELDS]])) as unknown[];
        const row = rows[0];
        if (row === null || row === undefined) throw notFound();
        return mapFields(J_FIELDS, row);
      }),
      DELETE: write((req) => req.call('CancelJob', [jobIdOf(req), false])),
    },
  },
  {
    pattern: '/2/jobs/[job_id]/wait',
    className: 'R_2_jobs_id_wait',
    methods: {
      // Blocks and shows job details: write access only, as in rlib2.
      GET: read(async (req) => {
        const fields = req.bodyParam('fields');
        const prevInfo = req.bodyParam('previous_job_info', null);
        const prevSerial = req.bodyParam('previous_log_serial', null);
        if (!Array.isArray(fields)) throw badRequest("The 'fields' parameter should be a list");
        if (!(prevInfo === null || Array.isArray(prevInfo))) throw badRequest("The 'previous_job_info' parameter should be a list");
        const type = pyTypeName(prevSerial);
        if (!(prevSerial === null || type === 'int' || type === 'bool')) {
          throw badRequest("The 'previous_log_serial' parameter should be a number");
        }
        const result: unknown = await req.call('WaitForJobChange', [
          jobIdOf(req),
          fields as string[],
          prevInfo as unknown[] | null,
          prevSerial as number | null,
          RAPI_WFJC_TIMEOUT_SECONDS,
        ]);
        if (!result || (Array.isArray(result) && result.length === 0)) throw notFound();
        if (result === 'nochange') return null;
        const [jobInfo, logEntries] = result as [unknown, unknown];
        return { job_info: jobInfo, log_entries: logEntries };
      }, WRITE),
    },
  },
  {
    pattern: '/2/filters',
    className: 'R_2_filters',
    methods: {
      GET: read(async (req) => {
        if (req.useBulk()) return mapBulkFields(await req.call('QueryFilters', [null, [...FILTER_RULE_FIELDS]]), FILTER_RULE_FIELDS);
        const uuids = firstColumn(await req.call('QueryFilters', [null, ['uuid']]));
        return buildUriList(uuids, (id) => `/2/filters/${id}`, ['uuid', 'uri']);
      }),
      POST: write((req) => {
        const [priority, predicates, action, reason] = filterParameters(req.body);
        return req.call('ReplaceFilter', [null, priority as number, predicates as unknown[], action, reason as unknown[]]);
      }),
    },
  },
  {
    pattern: '/2/filters/[filter_uuid]',
    className: 'R_2_filters_uuid',
    methods: {
      GET: read(async (req) => {
        const rows = await req.callItem('QueryFilters', [[req.item], [...FILTER_RULE_FIELDS]]);
        return mapFields(FILTER_RULE_FIELDS, rows[0]);
      }),
      PUT: write((req) => {
        const [priority, predicates, action, reason] = filterParameters(req.body);
        return req.call('ReplaceFilter', [req.item, priority as number, predicates as unknown[], action, reason as unknown[]]);
      }),
      DELETE: write((req) => req.call('DeleteFilter', [req.item])),
    },
  },
  {
    pattern: '/2/query/[resource]',
    className: 'R_2_query',
    methods: {
      // Query results may hold sensitive data: an authenticated user is needed.
      GET: read(
        async (req) => queryResponseDict(await req.call('Query', [req.item as never, queryFields(req), null]), true),
        READ_OR_WRITE,
      ),
      PUT: write(async (req) => {
        const body = req.body;
        checkType(body, 'dict', 'Body contents');
        const b = body as Record<string, unknown>;
        const fields = Object.hasOwn(b, 'fields') ? b['fields'] : queryFields(req);
        const qfilter = b['qfilter'] ?? b['filter'] ?? null;
        return queryResponseDict(await req.call('Query', [req.item as never, fields as string[], qfilter as never]), true);
      }, READ_OR_WRITE),
    },
  },
  {
    pattern: '/2/query/[resource]/fields',
    className: 'R_2_query_fields',
    methods: {
      GET: read(async (req) => {
        const raw = req.queryArgs.get('fields')?.[0];
        const fields = raw === undefined ? null : raw.split(',').map((f) => f.trim());
        return queryResponseDict(await req.call('QueryFields', [req.item as never, fields]), false);
      }),
    },
  },
];
