/** Indented JSON for terminals: bigints exact, non-ASCII left readable. */

export function prettyJson(value: unknown, indent = '  ', prefix = ''): string {
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const inner = prefix + indent;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every((v) => v === null || typeof v !== 'object')) {
      const flat = `[${value.map((v) => prettyJson(v)).join(', ')}]`;
      if (flat.length + prefix.length <= 100) return flat;
    }
    return `[\n${value.map((v) => inner + prettyJson(v, indent, inner)).join(',\n')}\n${prefix}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${prettyJson(v, indent, inner)}`).join(',\n')}\n${prefix}}`;
}
