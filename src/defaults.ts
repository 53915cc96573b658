/**
 * Default timeouts and limits, each with its Ganeti origin. Durations are milliseconds
 * (Ganeti's own settings are seconds). `0` means "no limit" wherever a limit is optional.
 */

/** Connect timeout: `luxiDefCtmo` = 30 s (Constants.hs; Python `LUXI_DEF_CTMO`). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
/** Per-request answer timeout of clients: `luxiDefRwto` = 180 s (Python `LUXI_DEF_RWTO`). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 180_000;
/** Delay between connect attempts when retrying: Python's `Transport` retries every 1 s. */
export const DEFAULT_CONNECT_RETRY_DELAY_MS = 1_000;
/** Server idle timeout: luxid's `recvTmo` = 180 s (WConfd and metad use 60 s). */
export const DEFAULT_IDLE_TIMEOUT_MS = 180_000;
/** Server send timeout: luxid's `sendTmo` = 180 s for a whole response. */
export const DEFAULT_SEND_TIMEOUT_MS = 180_000;
/**
 * Listen backlog: `connectServer` passes 5, and a full backlog refuses a Unix-socket connect
 * at once (EAGAIN). 4096 holds bursts of thousands of connects; the kernel caps it at
 * `net.core.somaxconn` (4096 by default since Linux 5.4).
 */
export const DEFAULT_BACKLOG = 4096;
/** Lingering close: the longest a server reads and discards after it half-closed (nginx's lingering_timeout). */
export const DEFAULT_LINGER_MS = 5_000;
/** Lingering close: the most bytes discarded before the socket is destroyed (the default message limit). */
export const DEFAULT_LINGER_BYTES = 64 * 1024 * 1024;
/** Socket file mode: luxid's `ganeti-query` is 0660 (WConfd and metad use 0600). */
export const DEFAULT_SOCKET_MODE = 0o660;
/** Connections held at once (Ganeti: unlimited; varlink 4096, D-Bus 2048). */
export const DEFAULT_MAX_CONNECTIONS = 4096;
/** Connections per peer uid, when peer credentials are available (varlink 1024, D-Bus 256). */
export const DEFAULT_MAX_CONNECTIONS_PER_USER = 1024;
/** Grace period of `close()`: time given to requests in flight before connections are cut. */
export const DEFAULT_CLOSE_GRACE_MS = 5_000;
/** Largest value `setTimeout` handles; larger ones fire at once, so options are capped here. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Checks a duration option: whole milliseconds in [0, 2^31-1]. `0` = no timeout. */
export function checkDurationMs(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_TIMER_MS) {
    throw new RangeError(`${name} must be whole milliseconds from 0 (= no timeout) to ${MAX_TIMER_MS}, got ${String(value)}`);
  }
  return value;
}

/** Checks a count option: a whole number >= 0. `0` = no limit. */
export function checkCount(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a whole number >= 0 (0 = no limit), got ${String(value)}`);
  }
  return value;
}
