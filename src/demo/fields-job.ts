/**
 * Job query fields of the demo luxid (Ganeti 3.0 `Query/Job.hs`). A row is a job id plus
 * the job, which is missing for ids the queue does not know: then every field but `id`
 * is unavailable (status 3), as the real luxid answers `[[987654, null]]`.
 */
import type { JobId, QueryCell } from '../protocols/luxi/types.js';
import { UNAVAIL, field, ok, type FieldSpec } from './fields.js';
import { jobPriority, jobStatus, type Job, type QueuedOp } from './jobs.js';

/** One job row. */
export interface JobRow {
  id: JobId;
  job: Job | undefined;
}

/**
 * Haskell's `show` of a Double: shortest digits, fixed notation for 0.1 <= |x| < 10^7
 * (always with a decimal point), else `d.ddde<exp>` (`show 0.05` is "5.0e-2").
 */
export function showDouble(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x < 0 || Object.is(x, -0)) return `-${showDouble(-x)}`;
  if (x === Infinity) return 'Infinity';
  if (x === 0) return '0.0';
  if (x >= 0.1 && x < 1e7) {
    const fixed = String(x);
    return fixed.includes('.') ? fixed : `${fixed}.0`;
  }
  const [mantissa = '', exponent = ''] = x.toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}e${exponent.replace(/^\+/, '')}`;
}

/**
 * The opcode's summary (OpCodes.hs `opSummary`): OP_ID without `OP_`, plus its main
 * parameter; OP_TEST_DELAY shows its duration as Haskell shows a Double ("TEST_DELAY(0.1)").
 */
export function opSummary(input: Record<string, unknown>): string {
  const id = typeof input['OP_ID'] === 'string' ? input['OP_ID'] : 'OP_INVALID_OP';
  const base = id.slice(3);
  let val: unknown;
  if (id === 'OP_TEST_DELAY' && typeof input['duration'] === 'number') val = showDouble(input['duration']);
  else val = input['instance_name'] ?? input['node_name'] ?? input['group_name'];
  return typeof val === 'string' ? `${base}(${val})` : base;
}

const whole =
  (get: (j: Job) => unknown) =>
  (r: JobRow): QueryCell =>
    r.job ? ok(get(r.job)) : UNAVAIL;
const perOp = (get: (o: QueuedOp) => unknown) => whole((j) => j.ops.map(get));
const ts =
  (get: (j: Job) => unknown) =>
  (r: JobRow): QueryCell => {
    const v = r.job ? get(r.job) : null;
    return v === null ? UNAVAIL : ok(v);
  };
const tsDoc = (s: string) => `${s} (tuple containing seconds and microseconds)`;

/** Job fields (Query/Job.hs `jobFields`). */
export const JOB_FIELDS: FieldSpec<JobRow>[] = [
  field('id', 'ID', 'number', 'Job ID', (r) => ok(r.id)),
  field('status', 'Status', 'text', 'Job status', whole(jobStatus)),
  field('priority', 'Priority', 'number', 'Current job priority (19 to -20)', whole(jobPriority)),
  field(
    'archived',
    'Archived',
    'bool',
    'Whether job is archived',
    whole((j) => j.archived),
  ),
  field(
    'ops',
    'OpCodes',
    'other',
    'List of all opcodes',
    perOp((o) => o.input),
  ),
  field(
    'opresult',
    'OpCode_result',
    'other',
    'List of opcodes results',
    perOp((o) => o.result),
  ),
  field(
    'opstatus',
    'OpCode_status',
    'other',
    'List of opcodes status',
    perOp((o) => o.status),
  ),
  field(
    'oplog',
    'OpCode_log',
    'other',
    'List of opcode output logs',
    perOp((o) => o.log),
  ),
  field(
    'opstart',
    'OpCode_start',
    'other',
    'List of opcode start timestamps (before acquiring locks)',
    perOp((o) => o.startTs),
  ),
  field(
    'opexec',
    'OpCode_exec',
    'other',
    'List of opcode execution start timestamps (after acquiring locks)',
    perOp((o) => o.execTs),
  ),
  field(
    'opend',
    'OpCode_end',
    'other',
    'List of opcode execution end timestamps',
    perOp((o) => o.endTs),
  ),
  field(
    'oppriority',
    'OpCode_prio',
    'other',
    'List of opcode priorities',
    perOp((o) => o.priority),
  ),
  field(
    'summary',
    'Summary',
    'other',
    'List of per-opcode summaries',
    perOp((o) => opSummary(o.input)),
  ),
  field(
    'received_ts',
    'Received',
    'other',
    tsDoc('Timestamp of when job was received'),
    ts((j) => j.receivedTs),
    'timestamp',
  ),
  field(
    'start_ts',
    'Start',
    'other',
    tsDoc('Timestamp of job start'),
    ts((j) => j.startTs),
    'timestamp',
  ),
  field(
    'end_ts',
    'End',
    'other',
    tsDoc('Timestamp of job end'),
    ts((j) => j.endTs),
    'timestamp',
  ),
];
