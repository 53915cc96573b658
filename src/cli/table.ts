/**
 * Text tables of `Query` results for the CLI, formatted the way the gnt-* list commands
 * format them (Python lib/cli.py `FormatQueryResult`, `FormatTable`; lib/utils/text.py
 * `FormatUnit`). Pure functions: the commands in query.ts and jobs.ts do the printing.
 */
import type { FieldDefinition, QueryCell, QueryResult } from '../protocols/luxi/types.js';

/** Units for `unit` fields (sizes in MiB): `h` human-readable, else fixed MiB, GiB or TiB. */
export type SizeUnit = 'h' | 'm' | 'g' | 't';

export const SIZE_UNITS: readonly SizeUnit[] = ['h', 'm', 'g', 't'];

/** Options of {@link formatQueryTable}. */
export interface TableOptions {
  /** Units for `unit` fields. Default: `'m'` with a separator, else `'h'` (Ganeti's choice). */
  units?: SizeUnit;
  /** Column separator. Default: none, i.e. columns padded to their width and joined by a space. */
  separator?: string;
  /** Print the titles as the first line. Default: true. */
  header?: boolean;
  /** Texts of bad cells: `(nodata)` instead of `?` and so on. Default: false (gnt-* `--verbose`). */
  verbose?: boolean;
  /** Per-field value formatters, by field name (Ganeti's `format_override`). */
  overrides?: Readonly<Record<string, (value: unknown) => string>>;
}

/**
 * A size in MiB as Ganeti's `FormatUnit` writes it: `h` gives `512M`, `1.0G`, `2.5T`
 * (one decimal from a GiB up); `m` a whole number of MiB; `g`/`t` one decimal, no suffix.
 */
export function formatUnit(mib: number, units: SizeUnit): string {
  if (units === 'm' || (units === 'h' && mib < 1024)) return `${Math.round(mib)}${units === 'h' ? 'M' : ''}`;
  if (units === 'g' || (units === 'h' && mib < 1024 * 1024)) return `${(mib / 1024).toFixed(1)}${units === 'h' ? 'G' : ''}`;
  return `${(mib / 1024 / 1024).toFixed(1)}${units === 'h' ? 'T' : ''}`;
}

/** Seconds since the epoch as Ganeti's `FormatTime` writes them: local `YYYY-MM-DD HH:MM:SS`. */
export function formatTime(seconds: number): string {
  const d = new Date(seconds * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

// Constants.hs `rssDescription`: [verbose, short] text of each bad status.
const BAD_CELL_TEXT: Record<number, [string, string]> = {
  1: ['(unknown)', '??'],
  2: ['(nodata)', '?'],
  3: ['(unavail)', '-'],
  4: ['(offline)', '*'],
};

/** A scalar as Python's `str` writes it (True, None), so tables read like gnt-* output. */
function scalarText(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value);
}

/**
 * A value of kind `other`: a list of scalars comma-joined (the gnt-* overrides for tags,
 * instance lists and job summaries), a dict as `key=value, ...` (gnt-group's `_FmtDict`),
 * anything else as compact JSON.
 */
export function otherText(value: unknown): string {
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== 'object')) return value.map(scalarText).join(',');
    return scalarText(value);
  }
  if (value !== null && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}=${scalarText(v)}`)
      .join(', ');
  }
  return scalarText(value);
}

/** Whether a column of this kind is right-aligned (numbers and sizes, as in `_DEFAULT_FORMAT_QUERY`). */
export function alignsRight(def: FieldDefinition): boolean {
  return def.kind === 'number' || def.kind === 'float' || def.kind === 'unit';
}

/** The text of one cell. */
export function formatCell(cell: QueryCell, def: FieldDefinition, options: TableOptions = {}): string {
  const [status, value] = cell;
  if (status !== 0) {
    const text = BAD_CELL_TEXT[status] ?? [`(status ${String(status)})`, '??'];
    return options.verbose ? text[0] : text[1];
  }
  const override = options.overrides?.[def.name];
  if (override) return override(value);
  switch (def.kind) {
    case 'bool':
      return value ? 'Y' : 'N';
    case 'unit':
      return typeof value === 'number'
        ? formatUnit(value, options.units ?? (options.separator !== undefined ? 'm' : 'h'))
        : scalarText(value);
    case 'timestamp':
      return typeof value === 'number' ? formatTime(value) : scalarText(value);
    case 'other':
      return otherText(value);
    default:
      return scalarText(value);
  }
}

/**
 * Lays out rows of texts: with a separator, fields joined by it; without, each column
 * padded to its widest text (numbers on the right) and joined by a space, with no padding
 * after a left-aligned last column (`FormatTable`) and no trailing spaces.
 */
export function layoutTable(
  titles: readonly string[],
  rows: readonly (readonly string[])[],
  rightAligned: readonly boolean[],
  options: Pick<TableOptions, 'separator' | 'header'> = {},
): string[] {
  const lines = options.header === false ? [...rows] : [titles, ...rows];
  if (options.separator !== undefined) return lines.map((row) => row.join(options.separator));
  const widths = titles.map((_t, i) => Math.max(0, ...lines.map((row) => (row[i] ?? '').length)));
  if (widths.length > 0 && !rightAligned[widths.length - 1]) widths[widths.length - 1] = 0;
  return lines.map((row) =>
    row
      .map((text, i) => (rightAligned[i] ? text.padStart(widths[i] ?? 0) : text.padEnd(widths[i] ?? 0)))
      .join(' ')
      .trimEnd(),
  );
}

/** Formats a `Query` result as table lines, titles taken from its field definitions. */
export function formatQueryTable(result: QueryResult, options: TableOptions = {}): string[] {
  const defs = result.fields;
  const rows = result.data.map((row) => defs.map((def, i) => formatCell(row[i] ?? [1, null], def, options)));
  return layoutTable(
    defs.map((d) => d.title),
    rows,
    defs.map(alignsRight),
    options,
  );
}
