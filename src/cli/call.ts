/**
 * `ganeti-uds call`: sends one request and prints the result as JSON (pretty on a
 * terminal, compact on a pipe). A failure prints `ClassName: message` and exits 1.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { decodeJson, encodeJson } from '../codec.js';
import { connectClient } from '../dispatch/client.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS } from '../defaults.js';
import { GanetiError, ProtocolError, RequestError } from '../errors.js';
import { ExitCode, UsageError, parseDuration } from './options.js';
import { formatGanetiError } from './format-error.js';
import { prettyJson } from './pretty-json.js';
import { defaultSocketHint } from './socket-default.js';

export const CALL_HELP = `Usage: ganeti-uds call [options] METHOD [ARGS_JSON]

Sends {"method": METHOD, "args": ARGS} and prints the result as JSON.
ARGS_JSON defaults to []; use - to read it from standard input.

Options:
  --socket PATH       the daemon's socket (default: ${defaultSocketHint()})
  --timeout DUR       time allowed for the answer (default ${DEFAULT_REQUEST_TIMEOUT_MS / 1000}s)
  --connect-timeout DUR  time allowed for connecting (default ${DEFAULT_CONNECT_TIMEOUT_MS / 1000}s)
  --retry             keep retrying the connect while the daemon is not up (until --connect-timeout)
  --raw               print the whole response object instead of the result
  --pretty / --compact   force the output style (default: pretty on a terminal)

Exit codes: 0 success; 1 the daemon answered with a failure (printed as
"ClassName: message" on stderr); 2 bad command line; 3 could not connect, timed out
or the connection broke.
`;

function readArgs(text: string | undefined): unknown {
  const source = text === '-' ? readFileSync(0, 'utf8') : (text ?? '[]');
  try {
    return decodeJson(source);
  } catch (err) {
    throw new UsageError(`ARGS_JSON is not valid JSON: ${(err as Error).message}`);
  }
}

/** Serialises for output: bigints exact; pretty output keeps non-ASCII readable. */
export function formatJson(value: unknown, pretty: boolean): string {
  return pretty ? prettyJson(value) : encodeJson(value);
}

/** Runs `call`; resolves with the exit code. */
export async function runCall(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      socket: { type: 'string' },
      timeout: { type: 'string' },
      'connect-timeout': { type: 'string' },
      retry: { type: 'boolean' },
      raw: { type: 'boolean' },
      pretty: { type: 'boolean' },
      compact: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(CALL_HELP);
    return ExitCode.ok;
  }
  const [method, argsText, ...extra] = positionals;
  if (method === undefined) throw new UsageError('call needs a METHOD');
  if (extra.length > 0) throw new UsageError(`call takes METHOD and one ARGS_JSON, got extra: ${extra.join(' ')}`);
  const args = readArgs(argsText);
  const socket = values.socket ?? defaultSocketHint();
  const pretty = values.compact ? false : values.pretty ? true : process.stdout.isTTY === true;
  const requestTimeoutMs = values.timeout !== undefined ? parseDuration('--timeout', values.timeout) : DEFAULT_REQUEST_TIMEOUT_MS;
  const connectTimeoutMs =
    values['connect-timeout'] !== undefined ? parseDuration('--connect-timeout', values['connect-timeout']) : DEFAULT_CONNECT_TIMEOUT_MS;
  try {
    const client = await connectClient(socket, { connectTimeoutMs, requestTimeoutMs, retry: values.retry === true });
    try {
      const result = await client.call(method, args);
      process.stdout.write(formatJson(values.raw ? { success: true, result } : result, pretty) + '\n');
      return ExitCode.ok;
    } finally {
      client.destroy();
    }
  } catch (err) {
    if (err instanceof ProtocolError && !(err instanceof RequestError)) {
      process.stderr.write(`${err.name}: ${err.message}\n`);
      return ExitCode.transport;
    }
    if (err instanceof GanetiError) {
      if (values.raw)
        process.stdout.write(
          formatJson({ success: false, result: err instanceof RequestError ? err.result : err.toWire() }, pretty) + '\n',
        );
      process.stderr.write(formatGanetiError(err) + '\n');
      return ExitCode.failure;
    }
    throw err;
  }
}
