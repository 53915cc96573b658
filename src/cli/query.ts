/**
 * `ganeti-uds query RESOURCE [FIELDS...]`: runs Luxi `Query` and prints a table as the
 * gnt-* list commands do (default fields, field titles, human-readable sizes), or the
 * records as JSON. Also the filter parser and the error reporting that jobs.ts shares.
 */
import { parseArgs } from 'node:util';
import { decodeJson } from '../codec.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS } from '../defaults.js';
import { GanetiError, ProtocolError, RequestError } from '../errors.js';
import { LuxiClient } from '../protocols/luxi/client.js';
import { queryRecords } from '../protocols/luxi/query-result.js';
import type { QueryFilter, QueryResource } from '../protocols/luxi/types.js';
import { formatJson } from './call.js';
import { formatGanetiError } from './format-error.js';
import { ExitCode, UsageError, parseDuration } from './options.js';
import { defaultSocketHint } from './socket-default.js';
import { SIZE_UNITS, formatQueryTable, type SizeUnit } from './table.js';

/** The resources `query` lists, with the Query resource and gnt-*'s default fields (`_LIST_DEF_FIELDS`). */
export const QUERY_LISTS = {
  nodes: { what: 'node', fields: ['name', 'dtotal', 'dfree', 'mtotal', 'mnode', 'mfree', 'pinst_cnt', 'sinst_cnt'] },
  instances: { what: 'instance', fields: ['name', 'hypervisor', 'os', 'pnode', 'status', 'oper_ram'] },
  groups: { what: 'group', fields: ['name', 'node_cnt', 'pinst_cnt', 'alloc_policy', 'ndparams'] },
  jobs: { what: 'job', fields: ['id', 'status', 'summary'] },
  networks: { what: 'network', fields: ['name', 'network', 'gateway', 'mac_prefix', 'group_list', 'tags'] },
} as const satisfies Record<string, { what: QueryResource; fields: readonly string[] }>;

export type QueryListName = keyof typeof QUERY_LISTS;

/** gnt-network's format for `group_list`: `group (mode, link), ...`. */
const OVERRIDES: Record<string, (value: unknown) => string> = {
  group_list: (value) =>
    Array.isArray(value)
      ? value.map((g) => (Array.isArray(g) ? `${String(g[0])} (${g.slice(1).map(String).join(', ')})` : String(g))).join(', ')
      : String(value),
};

export const QUERY_HELP = `Usage: ganeti-uds query RESOURCE [FIELD...] [options]

Runs a Luxi Query and prints a table like gnt-node list, gnt-instance list and so on.
RESOURCE is one of nodes, instances, groups, jobs, networks.

Fields (default as in gnt-*; names separated by spaces or commas; +a,b adds to the default):
  nodes       ${QUERY_LISTS.nodes.fields.join(',')}
  instances   ${QUERY_LISTS.instances.fields.join(',')}
  groups      ${QUERY_LISTS.groups.fields.join(',')}
  jobs        ${QUERY_LISTS.jobs.fields.join(',')}
  networks    ${QUERY_LISTS.networks.fields.join(',')}
Column titles are Ganeti's field titles. 'ganeti-uds call QueryFields '["node",null]''
lists every field.

Options:
  --filter EXPR       only rows matching EXPR (repeatable: all must match), either
                      Ganeti's qlang list form:   '["=", "name", "node1.example.com"]'
                                                  '["&", ["?", "master_candidate"], [">", "pinst_cnt", 1]]'
                      or the simple form FIELD OP VALUE, OP one of = == != < <= > >= =~ (regex)
                                                  name=node1.example.com   name=~^web   pinst_cnt>1
                      (a VALUE of digits is a number; quote it, "10", for a string)
  --json              print the records as JSON (pretty on a terminal) instead of a table
  --units U           sizes in h (human: 512M, 1.0G), m (MiB), g (GiB) or t (TiB)
                      (default h; m with --no-headers or --separator)
  --no-headers        leave out the title line
  --separator SEP     separate columns by SEP instead of padding them
  --verbose           bad cells as (nodata), (unavail), (offline) instead of ?, -, *
  --socket PATH       luxid's socket (default: ${defaultSocketHint()})
  --timeout DUR       time allowed for the answer (default ${DEFAULT_REQUEST_TIMEOUT_MS / 1000}s)

Exit codes: 0 success; 1 the daemon answered with a failure, or an unknown field was
asked for (a warning names it); 2 bad command line; 3 could not connect, timed out or
the connection broke.
`;

const SIMPLE_FILTER = /^([A-Za-z0-9_./-]+)\s*(==|=~|!=|<=|>=|=|<|>)\s*(.*)$/s;

/**
 * Parses a `--filter` text: a JSON list (Ganeti's qlang list form, passed on unchanged) or
 * `FIELD OP VALUE` (`name=node1`, `name=~^web`, `pinst_cnt>1`). A VALUE of digits becomes
 * a number; a quoted VALUE stays a string.
 * @throws UsageError for anything else.
 */
export function parseFilter(text: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    let value: unknown;
    try {
      value = decodeJson(trimmed);
    } catch (err) {
      throw new UsageError(`--filter is not valid JSON: ${(err as Error).message}`);
    }
    if (!Array.isArray(value) || value.length === 0) throw new UsageError(`--filter in list form must be a non-empty list, got ${trimmed}`);
    return value;
  }
  const m = SIMPLE_FILTER.exec(trimmed);
  if (!m) {
    throw new UsageError(
      `--filter takes FIELD=VALUE, FIELD=~REGEX (or another of = == != < <= > >= =~) or a qlang JSON list, got '${text}'`,
    );
  }
  const [, field, op, raw] = m as unknown as [string, string, string, string];
  if (op === '=~') return ['=~', field, raw];
  const quoted = /^"(.*)"$|^'(.*)'$/s.exec(raw);
  const value = quoted ? (quoted[1] ?? quoted[2] ?? '') : /^-?\d+$/.test(raw) ? Number(raw) : raw;
  return [op, field, value];
}

/** Combines several `--filter` values with `&` (one stays as it is; none is null). */
export function combineFilters(texts: readonly string[]): QueryFilter {
  const parsed = texts.map(parseFilter);
  if (parsed.length === 0) return null;
  if (parsed.length === 1) return parsed[0] ?? null;
  return ['&', ...parsed];
}

/** The field list from positional words: defaults when none, `+x` adds to the defaults. */
export function resolveFields(words: readonly string[], defaults: readonly string[]): string[] {
  const names = words
    .flatMap((w) => w.split(','))
    .map((w) => w.trim())
    .filter((w) => w !== '');
  if (names.length === 0) return [...defaults];
  if (words[0]?.startsWith('+')) return [...defaults, ...names.map((n) => n.replace(/^\+/, ''))];
  return names;
}

/** Connection options shared by the Luxi commands. */
export interface LuxiCommandOptions {
  socket?: string | undefined;
  timeout?: string | undefined;
}

/** Connects to luxid as the command line says. */
export function connectLuxi(values: LuxiCommandOptions): Promise<LuxiClient> {
  const requestTimeoutMs = values.timeout !== undefined ? parseDuration('--timeout', values.timeout) : DEFAULT_REQUEST_TIMEOUT_MS;
  return LuxiClient.connect(values.socket ?? defaultSocketHint(), { requestTimeoutMs, connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS });
}

/**
 * Prints an error as the commands do and returns the exit code: protocol failures
 * (connect, timeout, broken connection) exit 3; Ganeti errors exit 1, worded as Ganeti's
 * tools word them. Anything else is rethrown (a bug).
 */
export function reportError(err: unknown): number {
  if (err instanceof ProtocolError && !(err instanceof RequestError)) {
    process.stderr.write(`${err.name}: ${err.message}\n`);
    return ExitCode.transport;
  }
  if (err instanceof GanetiError) {
    process.stderr.write(formatGanetiError(err) + '\n');
    return ExitCode.failure;
  }
  throw err;
}

function parseUnits(text: string): SizeUnit {
  if ((SIZE_UNITS as readonly string[]).includes(text)) return text as SizeUnit;
  throw new UsageError(`--units takes one of ${SIZE_UNITS.join(', ')}, got '${text}'`);
}

/** Runs `query`; resolves with the exit code. */
export async function runQuery(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      filter: { type: 'string', multiple: true },
      json: { type: 'boolean' },
      units: { type: 'string' },
      'no-headers': { type: 'boolean' },
      separator: { type: 'string' },
      verbose: { type: 'boolean' },
      socket: { type: 'string' },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(QUERY_HELP);
    return ExitCode.ok;
  }
  const [resource, ...fieldWords] = positionals;
  if (resource === undefined) throw new UsageError(`query needs a RESOURCE: ${Object.keys(QUERY_LISTS).join(', ')}`);
  if (!Object.hasOwn(QUERY_LISTS, resource)) {
    throw new UsageError(`query takes one of ${Object.keys(QUERY_LISTS).join(', ')}, got '${resource}'`);
  }
  const list = QUERY_LISTS[resource as QueryListName];
  const fields = resolveFields(fieldWords, list.fields);
  const filter = combineFilters(values.filter ?? []);
  // Scripts get plain MiB: Ganeti switches with --separator; we do with --no-headers too.
  const scripted = values.separator !== undefined || values['no-headers'] === true;
  const units = values.units !== undefined ? parseUnits(values.units) : scripted ? 'm' : 'h';
  if (values.separator === '') throw new UsageError('--separator must not be empty');

  try {
    const client = await connectLuxi(values);
    try {
      const result = await client.query(list.what, fields, filter);
      const unknown = result.fields.filter((f) => f.kind === 'unknown').map((f) => f.name);
      if (unknown.length > 0) process.stderr.write(`Warning: Queried for unknown fields ${unknown.join(', ')}\n`);
      if (values.json) {
        const pretty = process.stdout.isTTY === true;
        process.stdout.write(formatJson(queryRecords(result), pretty) + '\n');
      } else {
        const lines = formatQueryTable(result, {
          units,
          header: values['no-headers'] !== true,
          verbose: values.verbose === true,
          overrides: OVERRIDES,
          ...(values.separator !== undefined ? { separator: values.separator } : {}),
        });
        if (lines.length > 0) process.stdout.write(lines.join('\n') + '\n');
      }
      return unknown.length > 0 ? ExitCode.failure : ExitCode.ok;
    } finally {
      client.destroy();
    }
  } catch (err) {
    return reportError(err);
  }
}
