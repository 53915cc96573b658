/**
 * WConfd's lock allocation for the demo luxid (Ganeti 3.0 Locking/Allocation.hs and
 * Locking/Locks.hs): lock names, implications, which requests conflict, and the rows of the
 * `lock` query. Owners are job ids; which locks an opcode wants is locks.ts's business.
 */

/** How a lock is held or wanted (Allocation.hs `OwnerState`). */
export type LockMode = 'shared' | 'exclusive';

/** One lock wanted: its name ("cluster/BGL", "instance/web1...", "node/<uuid>", ...) and mode. */
export type LockRequest = readonly [name: string, mode: LockMode];

/** The Big Ganeti Lock's name (Locks.hs `lockName BGL`). */
export const BGL = 'cluster/BGL';

/** The lock a lock implies (Locks.hs `lockImplications`): a member implies its level's lockset. */
export function impliedLock(name: string): string | undefined {
  if (name === BGL) return 'cluster/[lockset]';
  const slash = name.indexOf('/');
  const rest = name.slice(slash + 1);
  return slash > 0 && rest !== '[lockset]' && name.slice(0, slash) !== 'cluster' ? `${name.slice(0, slash)}/[lockset]` : undefined;
}

interface LockState {
  exclusive: number | null;
  shared: Set<number>;
  /** Owners holding a lock this one is implied by, with how they hold it. */
  indirect: Map<number, LockMode>;
}

/** A lock row of Query lock: name, mode of the direct owners, owners, pending requests. */
export interface LockRow {
  name: string;
  mode: LockMode | null;
  owners: number[];
  pending: Array<[LockMode, number]>;
}

/** A waiting request, for the `pending` column: who asks, at which priority, for what. */
export interface PendingRequest {
  owner: number;
  priority: number;
  locks: readonly LockRequest[];
}

/**
 * WConfd's lock allocation (Allocation.hs `updateLocks`) with jobs as owners: a request is
 * granted whole or not at all; an exclusive request is blocked by any other owner of the lock,
 * direct or through an implied lock; a shared one only by exclusive owners.
 */
export class LockAllocation {
  readonly #locks = new Map<string, LockState>();
  readonly #owned = new Map<number, Map<string, LockMode>>();

  #state(name: string): LockState {
    let s = this.#locks.get(name);
    if (!s) {
      s = { exclusive: null, shared: new Set(), indirect: new Map() };
      this.#locks.set(name, s);
    }
    return s;
  }

  /** The owners a request would wait for; empty when it can be granted now. */
  blockers(owner: number, requests: readonly LockRequest[]): Set<number> {
    const out = new Set<number>();
    for (const [name, mode] of requests) {
      const s = this.#locks.get(name);
      if (s) {
        if (s.exclusive !== null) out.add(s.exclusive);
        for (const [o, m] of s.indirect) if (mode === 'exclusive' || m === 'exclusive') out.add(o);
        if (mode === 'exclusive') for (const o of s.shared) out.add(o);
      }
      const implied = impliedLock(name);
      const i = implied === undefined ? undefined : this.#locks.get(implied);
      if (i) {
        if (i.exclusive !== null) out.add(i.exclusive);
        if (mode === 'exclusive') for (const o of i.shared) out.add(o);
      }
    }
    out.delete(owner);
    return out;
  }

  /** Grants `requests` to `owner` if nothing blocks them; returns whether it did. */
  tryAcquire(owner: number, requests: readonly LockRequest[]): boolean {
    if (this.blockers(owner, requests).size > 0) return false;
    const mine = this.#owned.get(owner) ?? new Map<string, LockMode>();
    for (const [name, mode] of requests) {
      const s = this.#state(name);
      s.shared.delete(owner);
      if (s.exclusive === owner) s.exclusive = null;
      if (mode === 'exclusive') s.exclusive = owner;
      else s.shared.add(owner);
      mine.set(name, mode);
      const implied = impliedLock(name);
      if (implied !== undefined) this.#state(implied).indirect.set(owner, mode);
    }
    this.#owned.set(owner, mine);
    return true;
  }

  /** Releases every lock of `owner` (WConfd `FreeLocks`). */
  release(owner: number): void {
    const mine = this.#owned.get(owner);
    if (!mine) return;
    this.#owned.delete(owner);
    for (const name of mine.keys()) {
      const names = [name, impliedLock(name)].filter((n): n is string => n !== undefined);
      for (const n of names) {
        const s = this.#locks.get(n);
        if (!s) continue;
        if (s.exclusive === owner) s.exclusive = null;
        s.shared.delete(owner);
        s.indirect.delete(owner);
        if (s.exclusive === null && s.shared.size === 0 && s.indirect.size === 0) this.#locks.delete(n);
      }
    }
  }

  /** The locks `owner` holds. */
  held(owner: number): ReadonlyMap<string, LockMode> {
    return this.#owned.get(owner) ?? new Map();
  }

  /**
   * Rows for Query lock (Query.hs `recollectLocksData`): every lock someone holds directly or
   * through an implication, plus every lock a pending request names.
   */
  rows(pending: readonly PendingRequest[]): LockRow[] {
    const names = new Set(this.#locks.keys());
    for (const p of pending) for (const [n] of p.locks) names.add(n);
    return [...names].map((name) => {
      const s = this.#locks.get(name);
      const owners = s ? [...(s.exclusive !== null ? [s.exclusive] : []), ...s.shared].sort((a, b) => a - b) : [];
      const mode: LockMode | null = s?.exclusive != null ? 'exclusive' : owners.length > 0 ? 'shared' : null;
      const waiting = pending.flatMap((p): Array<[LockMode, number]> => {
        const modes = p.locks.filter(([n]) => n === name).map(([, m]) => m);
        if (modes.length === 0) return [];
        return [[modes.includes('exclusive') ? 'exclusive' : 'shared', p.owner]];
      });
      return { name, mode, owners, pending: waiting };
    });
  }
}
