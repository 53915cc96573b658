/**
 * `ganeti-uds jobs list|watch|submit`: the job queue from the command line, after
 * gnt-job list/watch and the gnt-* `--submit` flag. `watch` prints log entries as they
 * arrive (Python lib/cli.py `StdioJobPollReportCb`) and keeps a status line on a terminal.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { decodeJson } from '../codec.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../defaults.js';
import { GanetiError, JobCanceled, OpExecError } from '../errors.js';
import type { JobOutcome, LuxiClient } from '../protocols/luxi/client.js';
import type { AnyOpCode } from '../protocols/luxi/opcodes/types.js';
import { rowsToRecords } from '../protocols/luxi/query-result.js';
import type { FieldDefinition, JobId, JobLogEntry, JobStatus, OpCode } from '../protocols/luxi/types.js';
import { formatJson } from './call.js';
import { formatGanetiError } from './format-error.js';
import { ExitCode, UsageError, parseDuration } from './options.js';
import { connectLuxi, reportError } from './query.js';
import { defaultSocketHint } from './socket-default.js';
import { formatQueryTable } from './table.js';

export const JOBS_HELP = `Usage: ganeti-uds jobs list [JOB_ID...] [options]
       ganeti-uds jobs watch JOB_ID [options]
       ganeti-uds jobs submit OPCODE_JSON [--wait] [options]

list     the job queue (QueryJobs: id, status, summary), like gnt-job list
watch    follow a job until it ends: log entries as they arrive, a live status line on
         a terminal, then the final status (like gnt-job watch)
submit   submit a job (SubmitJob) and print its id; OPCODE_JSON is one opcode or a
         list of them, - reads it from standard input, e.g.
           ganeti-uds jobs submit '{"OP_ID": "OP_TEST_DELAY", "duration": 2}' --wait

Options:
  --wait              (submit) watch the job after submitting it
  --json              (list) print the records as JSON instead of a table
  --no-headers        (list) leave out the title line
  --separator SEP     (list) separate columns by SEP instead of padding them
  --socket PATH       luxid's socket (default: ${defaultSocketHint()})
  --timeout DUR       time allowed for each answer (default ${DEFAULT_REQUEST_TIMEOUT_MS / 1000}s)

Exit codes: 0 success (watch, submit --wait: the job succeeded); 1 the job failed or
was canceled, or the daemon answered with a failure; 2 bad command line; 3 could not
connect, timed out or the connection broke; 130 Ctrl-C stopped watching (the job goes on).
`;

/** Where the watch display writes: stdout, or a fake in tests. */
export interface ProgressOutput {
  write(text: string): void;
  /** A terminal gets a status line that is redrawn in place. */
  readonly isTTY: boolean;
}

/** A log entry's time as Python's `time.ctime` writes it: `Thu Jan  1 00:00:00 1970` (local). */
export function ctime(seconds: number): string {
  const d = new Date(seconds * 1000);
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getDay()] ?? '';
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getMonth()] ?? '';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${day} ${month} ${String(d.getDate()).padStart(2)} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${d.getFullYear()}`;
}

/** One log line: `ctime message` (`FormatLogMessage`; non-message types are prefixed by their type). */
export function formatLogEntry(entry: JobLogEntry): string {
  const [, [sec, usec], type, message] = entry;
  const text = typeof message === 'string' ? message : JSON.stringify(message);
  return `${ctime(sec + usec / 1e6)} ${type === 'message' ? text : `${type}: ${text}`}`;
}

/**
 * The live display of `jobs watch`: log lines as they arrive and, on a terminal, one
 * status line (status, elapsed time, entries so far) redrawn in place under them.
 */
export class JobProgress {
  readonly #jobId: JobId;
  readonly #out: ProgressOutput;
  readonly #now: () => number;
  readonly #started: number;
  #status: JobStatus | 'checking' = 'checking';
  #entries = 0;
  #shown = false;

  constructor(jobId: JobId, out: ProgressOutput, now: () => number = Date.now) {
    this.#jobId = jobId;
    this.#out = out;
    this.#now = now;
    this.#started = now();
  }

  /** The header gnt-job watch prints. */
  start(): void {
    const msg = `Output from job ${this.#jobId} follows`;
    this.#out.write(`${msg}\n${'-'.repeat(msg.length)}\n`);
    this.#draw();
  }

  /** Prints one log entry above the status line. */
  log(entry: JobLogEntry): void {
    this.#entries++;
    this.#clear();
    this.#out.write(formatLogEntry(entry) + '\n');
    this.#draw();
  }

  /** Records a status change. */
  status(status: JobStatus): void {
    this.#status = status;
    this.#draw();
  }

  /** Redraws the status line (for the elapsed time). */
  tick(): void {
    this.#draw();
  }

  /** Removes the status line; call before the final output. */
  finish(): void {
    this.#clear();
  }

  /** The status line's text. */
  statusLine(): string {
    const secs = ((this.#now() - this.#started) / 1000).toFixed(1);
    const n = this.#entries;
    return `job ${this.#jobId}: ${this.#status}, ${secs}s, ${n} log ${n === 1 ? 'entry' : 'entries'}`;
  }

  #draw(): void {
    if (!this.#out.isTTY) return;
    // \r and "erase to end of line" (ECMA-48 EL): the line is rewritten in place.
    this.#out.write(`\r\x1b[K${this.statusLine()}`);
    this.#shown = true;
  }

  #clear(): void {
    if (!this.#shown) return;
    this.#out.write('\r\x1b[K');
    this.#shown = false;
  }
}

/**
 * The error a finished job stands for, as Python's `GenericPollJob` raises it: canceled
 * gives JobCanceled; the first failed opcode's encoded error is raised as is
 * (`MaybeRaise`), anything else as OpExecError, "partial failure" after a success.
 * Null for a successful job.
 */
export function jobFailure(status: JobStatus, opstatus: readonly unknown[], opresult: readonly unknown[]): GanetiError | null {
  if (status === 'success') return null;
  if (status === 'canceled' || status === 'canceling') return new JobCanceled('Job was canceled');
  let hasOk = false;
  for (let i = 0; i < opstatus.length; i++) {
    if (opstatus[i] === 'success') hasOk = true;
    else if (opstatus[i] === 'error') {
      const msg = opresult[i];
      const encoded = Array.isArray(msg) && msg.length === 2 && typeof msg[0] === 'string' && Array.isArray(msg[1]);
      if (encoded) return GanetiError.fromWire(msg);
      const text = typeof msg === 'string' ? msg : JSON.stringify(msg);
      return new OpExecError(hasOk ? `partial failure (opcode ${i}): ${text}` : text);
    }
  }
  return new OpExecError(`Job ended with status ${status}`);
}

function parseJobId(text: string | undefined): JobId {
  if (text === undefined) throw new UsageError('a JOB_ID is needed');
  if (!/^\d+$/.test(text)) throw new UsageError(`JOB_ID must be a whole number, got '${text}'`);
  return Number(text);
}

/** Reads OPCODE_JSON: one opcode object or a list of them; `-` is standard input. */
export function parseOpcodes(text: string): OpCode[] {
  const source = text === '-' ? readFileSync(0, 'utf8') : text;
  let value: unknown;
  try {
    value = decodeJson(source);
  } catch (err) {
    throw new UsageError(`OPCODE_JSON is not valid JSON: ${(err as Error).message}`);
  }
  const ops = Array.isArray(value) ? value : [value];
  if (ops.length === 0) throw new UsageError('OPCODE_JSON holds no opcode');
  ops.forEach((op, i) => {
    if (op === null || typeof op !== 'object' || Array.isArray(op) || typeof (op as Record<string, unknown>)['OP_ID'] !== 'string') {
      throw new UsageError(`opcode ${i} must be an object with a string OP_ID, such as {"OP_ID": "OP_TEST_DELAY", "duration": 1}`);
    }
  });
  return ops as OpCode[];
}

/** Exit code after Ctrl-C, as shells report a SIGINT death (128 + 2). */
const SIGINT_EXIT_CODE = 130;

/** Follows a job to its end; resolves with the exit code. */
async function watchJob(client: LuxiClient, jobId: JobId, pollTimeoutSeconds: number): Promise<number> {
  const out: ProgressOutput = { write: (t) => void process.stdout.write(t), isTTY: process.stdout.isTTY === true };
  const progress = new JobProgress(jobId, out);
  progress.start();
  const ticker = out.isTTY ? setInterval(() => progress.tick(), 250) : undefined;
  // Ctrl-C stops watching, not the job: say so instead of leaving a half-drawn status line.
  const interrupted = new AbortController();
  const onSigint = (): void => interrupted.abort(new Error('interrupted'));
  process.once('SIGINT', onSigint);
  let outcome: JobOutcome;
  try {
    outcome = await client.waitForJob(jobId, {
      pollTimeoutSeconds,
      signal: interrupted.signal,
      onProgress: (entry) => progress.log(entry),
      onStatus: (status) => progress.status(status),
    });
  } catch (err) {
    if (!interrupted.signal.aborted) throw err;
    progress.finish();
    process.stderr.write(`Stopped watching job ${jobId}; it goes on ('ganeti-uds jobs watch ${jobId}' to follow it again)\n`);
    return SIGINT_EXIT_CODE;
  } finally {
    process.off('SIGINT', onSigint);
    if (ticker) clearInterval(ticker);
    progress.finish();
  }
  const rows = await client.queryJobs([jobId], ['opstatus']);
  const opstatus = rows[0]?.[0];
  const failure = jobFailure(outcome.status, Array.isArray(opstatus) ? opstatus : [], outcome.opresult);
  process.stdout.write(`Job ${jobId} finished with status ${outcome.status}\n`);
  if (failure === null) return ExitCode.ok;
  process.stderr.write(`Job ${jobId} failed: ${formatGanetiError(failure)}\n`);
  return ExitCode.failure;
}

const LIST_FIELDS: FieldDefinition[] = [
  { name: 'id', title: 'ID', kind: 'number', doc: 'Job ID' },
  { name: 'status', title: 'Status', kind: 'text', doc: 'Job status' },
  { name: 'summary', title: 'Summary', kind: 'other', doc: 'List of per-opcode summaries' },
];

/** Runs `jobs`; resolves with the exit code. */
export async function runJobs(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      wait: { type: 'boolean' },
      json: { type: 'boolean' },
      'no-headers': { type: 'boolean' },
      separator: { type: 'string' },
      socket: { type: 'string' },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [sub, ...rest] = positionals;
  if (values.help || sub === 'help') {
    process.stdout.write(JOBS_HELP);
    return ExitCode.ok;
  }
  if (sub === undefined) throw new UsageError('jobs needs a subcommand: list, watch or submit');
  if (!['list', 'watch', 'submit'].includes(sub)) throw new UsageError(`jobs takes list, watch or submit, got '${sub}'`);
  if (values.wait && sub !== 'submit') throw new UsageError('--wait goes with jobs submit');
  if (sub !== 'list' && (values.json || values['no-headers'] || values.separator !== undefined)) {
    throw new UsageError('--json, --no-headers and --separator go with jobs list');
  }
  const requestTimeoutMs = values.timeout !== undefined ? parseDuration('--timeout', values.timeout) : DEFAULT_REQUEST_TIMEOUT_MS;
  // Each WaitForJobChange blocks on luxid for up to 89 s; keep it inside the answer timeout.
  const pollTimeoutSeconds = Math.max(1, Math.min(89, Math.floor(requestTimeoutMs / 1000) - 1));

  let jobIds: JobId[] = [];
  let ops: OpCode[] = [];
  if (sub === 'list') jobIds = rest.map(parseJobId);
  else if (sub === 'watch') {
    if (rest.length !== 1) throw new UsageError('jobs watch takes one JOB_ID');
    jobIds = [parseJobId(rest[0])];
  } else {
    if (rest.length !== 1 || rest[0] === undefined) throw new UsageError('jobs submit takes one OPCODE_JSON (or - for standard input)');
    ops = parseOpcodes(rest[0]);
  }

  try {
    const client = await connectLuxi(values);
    try {
      if (sub === 'list') {
        const fields = LIST_FIELDS.map((f) => f.name);
        const rows = await client.queryJobs(jobIds.length > 0 ? jobIds : null, fields);
        if (values.json) {
          process.stdout.write(formatJson(rowsToRecords(fields, rows), process.stdout.isTTY === true) + '\n');
        } else {
          const lines = formatQueryTable(
            { fields: LIST_FIELDS, data: rows.map((row) => LIST_FIELDS.map((_f, i) => [0, row[i] ?? null])) },
            { header: values['no-headers'] !== true, ...(values.separator !== undefined ? { separator: values.separator } : {}) },
          );
          if (lines.length > 0) process.stdout.write(lines.join('\n') + '\n');
        }
        return ExitCode.ok;
      }
      if (sub === 'watch') return await watchJob(client, jobIds[0] as JobId, pollTimeoutSeconds);
      // Opcodes from the command line are checked by luxid, which answers a parse error.
      const jobId = await client.submitJob(ops as AnyOpCode[]);
      if (!values.wait) {
        process.stdout.write(`${jobId}\n`);
        return ExitCode.ok;
      }
      return await watchJob(client, jobId, pollTimeoutSeconds);
    } finally {
      client.destroy();
    }
  } catch (err) {
    return reportError(err);
  }
}
