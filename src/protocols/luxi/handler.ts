/**
 * The Luxi server side: a Handler (dispatch/handler.ts) that decodes requests with the
 * method table and calls a LuxiImplementation. Parse failures become luxid's plain-string
 * answer and a closed connection (the server does that part); answers come from the
 * implementation unchanged.
 */
import type { Handler } from '../../dispatch/handler.js';
import { redactSecrets } from '../../logger.js';
import { ppValue } from './decode.js';
import { LUXI_WFJC_TIMEOUT_SECONDS, decodeLuxiCall, type LuxiCall } from './methods.js';
import type { LuxiImplementation, LuxiMethod } from './types.js';

/** Options of {@link createLuxiHandler}. */
export interface LuxiHandlerOptions {
  /**
   * Longest WaitForJobChange wait handed to the implementation, in seconds: luxid waits
   * `min(tmout, luxiWfjcTimeout)`. Default: 89.
   */
  maxWaitForJobChangeSeconds?: number;
}

/**
 * Builds the Handler of a luxid around `impl`: `createServer(createLuxiHandler(impl))`.
 * - `parse` decodes with the method table; an unknown method or bad args throw, so the
 *   client gets `"Failed to parse request: <luxid's reason>"` and the connection closes.
 * - `exec` calls `impl[method](...params)`; a thrown GanetiError is answered as
 *   `[Class, [args]]`, anything else as GenericError.
 * @throws RangeError for a bad `maxWaitForJobChangeSeconds`.
 */
export function createLuxiHandler(impl: LuxiImplementation, options: LuxiHandlerOptions = {}): Handler<LuxiCall, unknown> {
  const maxWait = options.maxWaitForJobChangeSeconds ?? LUXI_WFJC_TIMEOUT_SECONDS;
  if (!Number.isFinite(maxWait) || maxWait < 0) {
    throw new RangeError(`maxWaitForJobChangeSeconds must be a number of seconds >= 0, got ${String(options.maxWaitForJobChangeSeconds)}`);
  }
  return {
    parse: (method, args) => decodeLuxiCall(method, args),
    describeShort: (call) => call.method,
    describeLong: (call) => `${call.method} ${ppValue(redactSecrets(call.params))}`,
    exec: (call) => {
      if (call.method === 'WaitForJobChange') {
        const [jobId, fields, prevInfo, prevSerial, timeout] = call.params;
        // Query/Server.hs waitForJobChange: `watchFile ... (min tmout luxiWfjcTimeout)`.
        return impl.WaitForJobChange(jobId, fields, prevInfo, prevSerial, Math.max(0, Math.min(timeout, maxWait)));
      }
      const fn = impl[call.method as LuxiMethod] as (...params: unknown[]) => unknown;
      return fn.apply(impl, call.params);
    },
  };
}
