/**
 * The logger shape the library accepts: pino's call shape, `logger.debug({ conn }, 'msg')`.
 * Library code is silent without one; the CLI picks an output format.
 */

/** One log method: an object of fields, then a message. */
export type LogFn = (fields: Record<string, unknown>, message: string) => void;

/** The levels the library logs at, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * A pino-compatible logger. `child` is optional; without it fields are merged by hand.
 * `isLevelEnabled` (pino has it) lets the library skip building fields for a level that
 * prints nothing; without it every level counts as enabled.
 */
export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  child?(bindings: Record<string, unknown>): Logger;
  isLevelEnabled?(level: LogLevel): boolean;
}

const noop: LogFn = () => {};

/** A logger that drops everything: the default. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop, isLevelEnabled: () => false };

/**
 * Whether `logger` prints `level`. Callers ask once (per connection, say) and keep the
 * answer, so that a disabled level costs one comparison per event.
 */
export function isLogLevelEnabled(logger: Logger, level: LogLevel): boolean {
  if (logger === silentLogger) return false;
  return typeof logger.isLevelEnabled === 'function' ? logger.isLevelEnabled(level) : true;
}

/** A child logger with `bindings` added to every line. */
export function childLogger(logger: Logger, bindings: Record<string, unknown>): Logger {
  if (logger === silentLogger) return logger;
  if (typeof logger.child === 'function') return logger.child(bindings);
  const wrap =
    (fn: LogFn): LogFn =>
    (fields, message) =>
      fn.call(logger, { ...bindings, ...fields }, message);
  const child: Logger = { debug: wrap(logger.debug), info: wrap(logger.info), warn: wrap(logger.warn), error: wrap(logger.error) };
  if (typeof logger.isLevelEnabled === 'function') child.isLevelEnabled = (level) => logger.isLevelEnabled?.(level) ?? true;
  return child;
}

/** Cuts a long text for a log line, as Ganeti cuts requests at 500 and results at 2000 characters. */
export function truncateForLog(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length - max} more characters)`;
}

/** Keys whose values Ganeti treats as secret (`isRisky`, UDSServer.hs). */
export const SECRET_KEYS = ['osparams_private', 'osparams_secret', 'osparams_private_cluster'] as const;

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
