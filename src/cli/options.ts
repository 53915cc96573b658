/**
 * Shared command-line helpers: parsing durations, sizes and modes, a stderr logger, and
 * usage errors. Only the CLI uses this module; it may print and exit.
 */
import type { Logger, LogFn } from '../logger.js';

/** A usage error: printed with the command's help hint, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Exit codes of every command. */
export const ExitCode = {
  ok: 0,
  /** The daemon answered with a failure (a Ganeti error). */
  failure: 1,
  /** Bad command line. */
  usage: 2,
  /** Could not connect, timed out, or the connection broke. */
  transport: 3,
} as const;

/** Parses "180", "180s", "500ms", "2m" into milliseconds. A bare number is seconds, like Ganeti's settings. */
export function parseDuration(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) throw new UsageError(`${flag} takes a duration such as 30, 30s, 500ms or 2m (a bare number is seconds), got '${text}'`);
  const value = Number(m[1]);
  const unit = m[2] ?? 's';
  const ms = Math.round(unit === 'ms' ? value : unit === 'm' ? value * 60_000 : value * 1000);
  if (ms > 2 ** 31 - 1) throw new UsageError(`${flag} is too long (at most about 24 days), got '${text}'`);
  return ms;
}

/** Parses "65536", "64k", "64KiB", "16M", "1G" into bytes. */
export function parseSize(flag: string, text: string): number {
  const m = /^(\d+)\s*(k|kb|kib|m|mb|mib|g|gb|gib)?$/i.exec(text.trim());
  if (!m) throw new UsageError(`${flag} takes a size such as 1048576, 64k or 16M, got '${text}'`);
  const unit = (m[2] ?? '').toLowerCase()[0];
  const factor = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  return Number(m[1]) * factor;
}

/** Parses a whole number >= 0. */
export function parseCount(flag: string, text: string): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${flag} takes a whole number >= 0, got '${text}'`);
  return Number(text);
}

/** Parses an octal file mode such as 0660 or 600. */
export function parseMode(flag: string, text: string): number {
  if (!/^0?[0-7]{3}$/.test(text.trim())) throw new UsageError(`${flag} takes an octal mode such as 0660 or 0600, got '${text}'`);
  return parseInt(text, 8);
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LEVELS)[number];

/** A logger writing one line per event to stderr, as text or JSON lines. */
export function stderrLogger(level: LogLevel, format: 'text' | 'json'): Logger {
  const min = LEVELS.indexOf(level);
  const make = (name: LogLevel): LogFn => {
    if (LEVELS.indexOf(name) < min) return () => {};
    return (fields, message) => {
      const time = new Date().toISOString();
      if (format === 'json') {
        process.stderr.write(
          JSON.stringify({ time, level: name, msg: message, ...fields }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) +
            '\n',
        );
      } else {
        const extra = Object.entries(fields)
          .map(
            ([k, v]) =>
              `${k}=${typeof v === 'string' ? v : JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x))}`,
          )
          .join(' ');
        process.stderr.write(`${time} ${name.toUpperCase()} ${message}${extra ? ' ' + extra : ''}\n`);
      }
    };
  };
  return {
    debug: make('debug'),
    info: make('info'),
    warn: make('warn'),
    error: make('error'),
    isLevelEnabled: (name) => LEVELS.indexOf(name) >= min,
  };
}

/** Checks a --log-level value. */
export function parseLogLevel(text: string): LogLevel {
  if ((LEVELS as readonly string[]).includes(text)) return text as LogLevel;
  throw new UsageError(`--log-level takes one of ${LEVELS.join(', ')}, got '${text}'`);
}
