/**
 * Unwrapping `Query` results: each cell is `[status, value]` (Ganeti `RS_*`), and callers
 * mostly want records keyed by field name. The status texts follow Query/Language.hs
 * `checkRS`. Pure functions; the client (client.ts) offers them as methods.
 */
import { GenericError } from '../../errors.js';
import type { QueryCell, QueryResult, ResultStatus } from './types.js';

/** Cell statuses by name (Constants.hs `rs*`). */
export const RESULT_STATUS = { normal: 0, unknown: 1, noData: 2, unavailable: 3, offline: 4 } as const satisfies Record<
  string,
  ResultStatus
>;

const STATUS_TEXT: Record<number, string> = {
  1: 'Unknown field',
  2: 'No data for a field',
  3: 'Ganeti reports unavailable data',
  4: 'Ganeti reports resource as offline',
};

/** What to do with a cell whose status is not normal. */
export type BadCellPolicy = 'null' | 'throw';

/** Options of {@link queryRecords}. */
export interface QueryRecordsOptions {
  /** `'null'`: the record holds null for such a cell; `'throw'`: throw GenericError. Default: `'null'`. */
  badCell?: BadCellPolicy;
}

/**
 * The value of one cell (Ganeti `checkRS`).
 * @throws GenericError with Ganeti's text (e.g. "No data for a field") when the status is not normal.
 */
export function cellValue(cell: QueryCell, field?: string): unknown {
  const [status, value] = cell;
  if (status === RESULT_STATUS.normal) return value;
  const text = STATUS_TEXT[status] ?? `Unknown result status ${String(status)}`;
  throw new GenericError(field === undefined ? text : `${text}: ${field}`);
}

/**
 * Turns a `Query` result into one record per row, keyed by the field names of
 * `result.fields`.
 * @throws GenericError for a bad cell when `badCell` is `'throw'`.
 */
export function queryRecords(result: QueryResult, options: QueryRecordsOptions = {}): Record<string, unknown>[] {
  const strict = (options.badCell ?? 'null') === 'throw';
  const names = result.fields.map((f) => f.name);
  return result.data.map((row) => {
    const record: Record<string, unknown> = {};
    row.forEach((cell, i) => {
      const name = names[i] ?? String(i);
      record[name] = strict ? cellValue(cell, name) : cell[0] === RESULT_STATUS.normal ? cell[1] : null;
    });
    return record;
  });
}

/** Turns a classic row set (QueryNodes and friends) into records keyed by the requested fields. */
export function rowsToRecords(fields: readonly string[], rows: readonly (readonly unknown[])[]): Record<string, unknown>[] {
  return rows.map((row) => Object.fromEntries(fields.map((f, i) => [f, row[i] ?? null])));
}
