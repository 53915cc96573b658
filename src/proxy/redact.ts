/**
 * Redaction of secret parameters in decoded request args, for reports and logs only: the
 * bytes forwarded by the proxy are never touched. The secret keys are Ganeti's own
 * (`isRisky` in UDSServer.hs, `SECRET_KEYS` in logger.ts).
 */
import { SECRET_KEYS } from '../logger.js';

/** What a redacted value is replaced with. */
export const REDACTED = '<redacted>';

const SECRET = new Set<string>(SECRET_KEYS);

/**
 * Returns a copy of `value` in which the value of every key named `osparams_secret`,
 * `osparams_private` or `osparams_private_cluster`, at any depth, is replaced by
 * `"<redacted>"`. Values without such keys are returned as they are (not copied).
 * Depth is bounded by the decoder's `maxDepth`, so the recursion is bounded too.
 */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const redacted = redactSecrets(item);
      if (redacted !== item) {
        copy ??= value.slice();
        copy[i] = redacted;
      }
    }
    return copy ?? value;
  }
  if (typeof value === 'object' && value !== null) {
    const source = value as Record<string, unknown>;
    let copy: Record<string, unknown> | undefined;
    for (const key of Object.keys(source)) {
      const item = source[key];
      const redacted = SECRET.has(key) ? REDACTED : redactSecrets(item);
      if (redacted !== item) {
        copy ??= { ...source };
        copy[key] = redacted;
      }
    }
    return copy ?? value;
  }
  return value;
}
