/**
 * Lock query fields of the demo luxid (Ganeti 3.0 `Query/Locks.hs`): one row per lock that a
 * job holds, that a held lock implies, or that a waiting job asks for. The rows come from the
 * job queue's lock allocation (lock-allocation.ts); owners are shown as Ganeti encodes a job client id.
 */
import { field, ok, type FieldSpec } from './fields.js';
import type { LockRow } from './lock-allocation.js';

/** A lock owner as luxid shows it: the JSON text of its client id, for a job its id ("3"). */
const ownerText = (jobId: number): string => String(jobId);

/** Lock fields (Locks.hs `lockFields`). */
export const LOCK_FIELDS: FieldSpec<LockRow>[] = [
  field('name', 'Name', 'other', 'Lock name', (r) => ok(r.name)),
  field('mode', 'Mode', 'other', 'Mode in which the lock is currently acquired (exclusive or shared)', (r) => ok(r.mode)),
  field('owner', 'Owner', 'other', 'Current lock owner(s)', (r) => ok(r.owners.map(ownerText))),
  field('pending', 'Pending', 'other', 'Jobs waiting for the lock', (r) =>
    ok(r.pending.map(([mode, owner]) => [mode, [ownerText(owner)]])),
  ),
];
