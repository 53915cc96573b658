/**
 * The logger shape the library accepts: pino's call shape, `logger.debug({ conn }, 'msg')`.
 * Library code is silent without one; the CLI picks an output format.
 */

/** One log method: an object of fields, then a message. */
export type LogFn = (fields: Record<string, unknown>, message: string) => void;

/** A pino-compatible logger. `child` is optional; without it fields are merged by hand. */
export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  child?(bindings: Record<string, unknown>): Logger;
}

const noop: LogFn = () => {};

/** A logger that drops everything: the default. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

/** A child logger with `bindings` added to every line. */
export function childLogger(logger: Logger, bindings: Record<string, unknown>): Logger {
  if (logger === silentLogger) return logger;
  if (typeof logger.child === 'function') return logger.child(bindings);
  const wrap =
    (fn: LogFn): LogFn =>
    (fields, message) =>
      fn.call(logger, { ...bindings, ...fields }, message);
  return { debug: wrap(logger.debug), info: wrap(logger.info), warn: wrap(logger.warn), error: wrap(logger.error) };
}

/** Cuts a long text for a log line, as Ganeti cuts requests at 500 and results at 2000 characters. */
export function truncateForLog(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length - max} more characters)`;
}

/** Keys whose values Ganeti treats as secret (`isRisky`, UDSServer.hs). */
export const SECRET_KEYS = ['osparams_private', 'osparams_secret', 'osparams_private_cluster'] as const;
