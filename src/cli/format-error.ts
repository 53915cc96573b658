/**
 * The text a command-line user sees for a Ganeti error, worded as Ganeti's own tools word
 * it (Haskell `formatError`, Errors.hs; spec §2.2), plus our local protocol errors.
 */
import { type GanetiError, ProtocolError, RequestError } from '../errors.js';

function str(v: unknown): string {
  return typeof v === 'string' ? v : (JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)) ?? String(v));
}

/** Formats an error for the terminal. */
export function formatGanetiError(err: GanetiError): string {
  if (err instanceof RequestError) return `Request failed: ${str(err.result)}`;
  if (err instanceof ProtocolError) return `${err.name}: ${err.message}`;
  const a = err.args;
  const first = str(a[0] ?? '');
  switch (err.className) {
    case 'ConfigurationError':
      return `Corrupt configuration file: ${first}\nAborting.`;
    case 'HooksAbort': {
      const rows = Array.isArray(a[0]) ? (a[0] as unknown[]) : [];
      const lines = rows.map((row) => {
        const [node, script, out] = Array.isArray(row) ? row.map(str) : ['?', '?', ''];
        return `  node: ${node}, script: ${script}${out ? `, output: ${out}` : ' (no output)'}`;
      });
      return ['Failure: hooks execution failed:', ...lines].join('\n');
    }
    case 'HooksFailure':
      return `Failure: hooks general failure: ${first}`;
    case 'ResolverError':
      return `Failure: can't resolve hostname ${first}`;
    case 'OpPrereqError':
      return `Failure: prerequisites not met for this operation:\nerror type: ${str(a[1] ?? '')}, error details:\n${first}`;
    case 'OpExecError':
      return `Failure: command execution error:\n${first}`;
    case 'TagError':
      return `Failure: invalid tag(s) given:\n${first}`;
    case 'JobQueueDrainError':
      return "Failure: the job queue is marked for drain and doesn't accept new requests";
    case 'JobQueueFull':
      return "Failure: the job queue is full and doesn't accept new job submissions until old jobs are archived";
    case 'TypeEnforcementError':
      return `Parameter Error: ${first}`;
    case 'ParameterError':
      return `Failure: unknown/wrong parameter name '${first}'`;
    case 'JobLost':
      return `Error checking job status: ${first}`;
    case 'QueryFilterParseError':
      return `Error while parsing query filter: ${first}`;
    case 'GenericError':
      return `Unhandled Ganeti error: ${first}`;
    default:
      return `${err.className}: ${err.message}`;
  }
}
