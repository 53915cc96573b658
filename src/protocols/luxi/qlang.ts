/**
 * A typed builder for Ganeti query filters (qlang), producing the list form luxid parses
 * (Query/Language.hs `readFilter`; operators from Constants.hs `qlangOp*`, Python
 * lib/qlang.py). It builds values only; no parsing of the text syntax.
 */

/** A filter operand value: a string or an integer (Ganeti `FilterValue`). */
export type FilterValue = string | number | bigint;

/** A qlang filter expression in Ganeti's list form. */
export type FilterExpr =
  | readonly ['&' | '|', ...FilterExpr[]]
  | readonly ['!', FilterExpr]
  | readonly ['?', string]
  | readonly ['==' | '=' | '!=' | '<' | '>' | '<=' | '>=' | '=[]', string, FilterValue]
  | readonly ['=~', string, string];

/** Operator strings, named as in Python's lib/qlang.py. */
export const QLANG_OPS = {
  OR: '|',
  AND: '&',
  NOT: '!',
  TRUE: '?',
  EQUAL: '==',
  EQUAL_LEGACY: '=',
  NOT_EQUAL: '!=',
  LT: '<',
  LE: '<=',
  GT: '>',
  GE: '>=',
  REGEXP: '=~',
  CONTAINS: '=[]',
} as const;

/** Builders of qlang filter expressions, e.g. `qlang.and(qlang.eq('name', 'x'), qlang.regexp('name', '^web'))`. */
export const qlang = {
  /** All of the expressions hold. */
  and: (...exprs: FilterExpr[]): FilterExpr => ['&', ...exprs],
  /** Any of the expressions holds. */
  or: (...exprs: FilterExpr[]): FilterExpr => ['|', ...exprs],
  /** The expression does not hold. */
  not: (expr: FilterExpr): FilterExpr => ['!', expr],
  /** The field is true. */
  true: (field: string): FilterExpr => ['?', field],
  /** The field equals the value (`==`). */
  eq: (field: string, value: FilterValue): FilterExpr => ['==', field, value],
  /** The field differs from the value (`!=`). */
  ne: (field: string, value: FilterValue): FilterExpr => ['!=', field, value],
  lt: (field: string, value: FilterValue): FilterExpr => ['<', field, value],
  le: (field: string, value: FilterValue): FilterExpr => ['<=', field, value],
  gt: (field: string, value: FilterValue): FilterExpr => ['>', field, value],
  ge: (field: string, value: FilterValue): FilterExpr => ['>=', field, value],
  /** The field matches the regular expression (`=~`, PCRE on luxid's side). */
  regexp: (field: string, pattern: string): FilterExpr => ['=~', field, pattern],
  /** The list field contains the value (`=[]`). */
  contains: (field: string, value: FilterValue): FilterExpr => ['=[]', field, value],
  /**
   * Any of `values` in `field`, or `null` (no filter) for an empty list: Python's
   * `qlang.MakeSimpleFilter`, which the gnt-* commands use for name arguments.
   */
  simple: (field: string, values: readonly FilterValue[]): FilterExpr | null =>
    values.length === 0 ? null : ['|', ...values.map((v): FilterExpr => ['==', field, v])],
} as const;
