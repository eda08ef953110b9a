/**
 * The GUID pool of one range (the whole configured range, or one shard of it): a pure,
 * deterministic allocator a pool-shard workflow holds in memory and persists with
 * {@link GuidPool.toState} across continue-as-new.
 *
 * Invariants: a GUID has at most one owner, an owner (`<podUid>_<network>_<iface>`) holds at most
 * one GUID, and a GUID that is in use with an unknown owner (reported by the subnet manager, or
 * found in an annotation during a rebuild) is never handed out by {@link GuidPool.allocate}.
 * Allocation is idempotent per owner, so a retried request returns the GUID it got the first time.
 *
 * Unlike upstream (`pkg/guid/guid_pool.go`, a map scanned linearly from the last GUID, O(range)),
 * in-use GUIDs are kept as maximal runs in a balanced tree ({@link IntervalSet}); with r runs and
 * k owned GUIDs, allocation and release cost O(log r), independent of the range size, and r ≤ used.
 *
 * Serialised size ({@link GuidPoolState}), measured by `bench/pool-bench.ts` at 100k GUIDs: in-use
 * GUIDs without owners cost ~4 bytes per run (contiguous: 141 bytes in all; 10% scattered holes:
 * 0.41 byte/GUID); each owned GUID adds 29 bytes when its owner starts with a canonical pod UID,
 * else 7 bytes plus the owner's text before its first `_` (the rest is stored once per distinct
 * value). A shard state therefore stays under Temporal's 512 KB warning up to ~17k owned GUIDs.
 *
 * No clock, randomness or I/O. The pool mutates itself; it never mutates a state object passed to
 * {@link GuidPool.fromState} and {@link GuidPool.toState} returns a fresh object.
 */
import {
  GuidOutOfRangeError,
  GuidTakenError,
  InvalidGuidError,
  OwnerHoldsOtherGuidError,
  PoolExhaustedError,
} from './errors';
import { formatGuid, parseGuid } from './guid';
import type { GuidString } from './guid';
import { decodeGuidPoolState, encodeGuidPoolState } from './guid-pool-state';
import type { GuidPoolState } from './guid-pool-state';
import { getGuidRangeBounds } from './guid-range';
import type { GuidBounds, GuidRange } from './guid-range';
import { IntervalSet } from './interval-set';

/** `allocated`: newly taken; `already-held`: the owner's existing GUID; `adopted`: was in use with no known owner. */
export type AllocationOutcome = 'allocated' | 'already-held' | 'adopted';

/** Result of an allocation. */
export interface GuidAllocation {
  readonly guid: GuidString;
  readonly outcome: AllocationOutcome;
}

/** Result of a release; `owner` is `null` for a GUID that was in use with no known owner. */
export type GuidRelease =
  | { readonly released: true; readonly guid: GuidString; readonly owner: string | null }
  | { readonly released: false; readonly reason: 'not-held' | 'owner-mismatch' };

/** What {@link GuidPool.reserve} did with each input GUID. */
export interface ReserveReport {
  /** Newly marked in use. */
  readonly reserved: number;
  /** Already in use (owned or reserved), or repeated in the input. */
  readonly alreadyHeld: number;
  /** Valid GUIDs outside this pool's range (normal for a shard), ignored. */
  readonly outOfRange: number;
  /** Strings that are not GUIDs, ignored. */
  readonly invalid: number;
}

/** Pool counters as exact decimal strings (the default range holds 2^56 GUIDs). */
export interface GuidPoolStats {
  readonly size: string;
  readonly used: string;
  readonly free: string;
  /** In-use GUIDs with a known owner. */
  readonly owned: number;
  /** In-use GUIDs with no known owner. */
  readonly reserved: string;
}

/** An owner and the GUID it holds. */
export interface OwnedGuid {
  readonly owner: string;
  readonly guid: GuidString;
}

/**
 * GUID allocator for one range. Complexities use r = runs of in-use GUIDs (≤ used), k = owned
 * GUIDs, m = input length; none depends on the size of the range.
 */
export class GuidPool {
  /** The pool's range, canonical. */
  readonly range: GuidRange;
  private readonly bounds: GuidBounds;
  private inUse = new IntervalSet();
  private readonly guidByOwner = new Map<string, bigint>();
  private readonly ownerByGuid = new Map<bigint, string>();
  /** Next-fit cursor: where the search for the next free GUID starts. */
  private cursor: bigint;

  /** An empty pool over `range`. O(1). @throws InvalidGuidRangeError when the range breaks upstream's rule. */
  constructor(range: GuidRange) {
    this.bounds = getGuidRangeBounds(range);
    this.range = Object.freeze({ start: formatGuid(this.bounds.start), end: formatGuid(this.bounds.end) });
    this.cursor = this.bounds.start;
  }

  /**
   * Restores a pool from {@link GuidPool.toState} output (possibly after a JSON round trip). O(r + k).
   * @throws InvalidPoolStateError when the state is malformed or inconsistent.
   */
  static fromState(state: unknown): GuidPool {
    const snapshot = decodeGuidPoolState(state);
    const pool = new GuidPool(snapshot.range);
    pool.inUse = IntervalSet.fromRuns(snapshot.runs);
    pool.cursor = snapshot.cursor;
    for (const [guid, owner] of snapshot.owners) pool.bind(guid, owner);
    return pool;
  }

  /** Compact JSON-plain state for workflow state and continue-as-new. O(r + k log k). */
  toState(): GuidPoolState {
    const owners = [...this.ownerByGuid].sort(byGuid);
    return encodeGuidPoolState({
      range: this.range,
      bounds: this.bounds,
      cursor: this.cursor,
      runs: [...this.inUse.runs()],
      owners,
    });
  }

  /**
   * Gives `owner` a GUID: the one it already holds, else the first free GUID at or after the
   * next-fit cursor, wrapping past the range end. The first GUID of an empty pool is the range
   * start, and a released GUID is handed out again only once the cursor has wrapped, so a GUID
   * still configured on a VF is not reused at once. O(log r).
   * @throws TypeError when `owner` is not a non-empty string.
   * @throws PoolExhaustedError when `owner` holds nothing and every GUID is in use.
   */
  allocate(owner: string): GuidAllocation {
    checkOwner(owner);
    const held = this.guidByOwner.get(owner);
    if (held !== undefined) return { guid: formatGuid(held), outcome: 'already-held' };
    const { start, end } = this.bounds;
    const guid = this.inUse.nextAbsent(this.cursor, end) ?? this.inUse.nextAbsent(start, end);
    if (guid === undefined) throw new PoolExhaustedError(this.range.start, this.range.end, this.size().toString());
    this.inUse.add(guid);
    this.bind(guid, owner);
    this.cursor = guid === end ? start : guid + 1n;
    return { guid: formatGuid(guid), outcome: 'allocated' };
  }

  /**
   * Gives `owner` the GUID it asked for (any form {@link parseGuid} accepts). Idempotent when the
   * owner already holds it. A GUID in use with no known owner is adopted: the subnet manager lists
   * the GUIDs of running pods too, so after a rebuild the pod that requested it is its likely user.
   * Does not move the cursor. O(log r).
   * @throws TypeError when `owner` is not a non-empty string.
   * @throws InvalidGuidError when `guid` is malformed.
   * @throws GuidOutOfRangeError when it lies outside the range.
   * @throws GuidTakenError when another owner holds it.
   * @throws OwnerHoldsOtherGuidError when `owner` already holds a different GUID.
   */
  allocateRequested(owner: string, guid: string): GuidAllocation {
    checkOwner(owner);
    const value = parseGuid(guid);
    const canonical = formatGuid(value);
    if (!this.inRange(value)) throw new GuidOutOfRangeError(canonical, this.range.start, this.range.end);
    const holder = this.ownerByGuid.get(value);
    if (holder === owner) return { guid: canonical, outcome: 'already-held' };
    if (holder !== undefined) throw new GuidTakenError(canonical, holder);
    const current = this.guidByOwner.get(owner);
    if (current !== undefined) throw new OwnerHoldsOtherGuidError(owner, formatGuid(current), canonical);
    const adopted = !this.inUse.add(value);
    this.bind(value, owner);
    return { guid: canonical, outcome: adopted ? 'adopted' : 'allocated' };
  }

  /** Frees the GUID `owner` holds; `not-held` when it holds none. O(log r). */
  releaseOwner(owner: string): GuidRelease {
    const guid = this.guidByOwner.get(owner);
    if (guid === undefined) return { released: false, reason: 'not-held' };
    this.free(guid);
    return { released: true, guid: formatGuid(guid), owner };
  }

  /**
   * Frees `guid` (any accepted form), whoever holds it, or only if `expectedOwner` holds it when
   * given: a reconcile that decided from an older view must not free a GUID that changed hands.
   * `not-held` for a free or out-of-range GUID. O(log r).
   * @throws InvalidGuidError when `guid` is malformed.
   */
  releaseGuid(guid: string, expectedOwner?: string): GuidRelease {
    const value = parseGuid(guid);
    if (!this.inUse.has(value)) return { released: false, reason: 'not-held' };
    const owner = this.ownerByGuid.get(value) ?? null;
    if (expectedOwner !== undefined && owner !== expectedOwner) return { released: false, reason: 'owner-mismatch' };
    this.free(value);
    return { released: true, guid: formatGuid(value), owner };
  }

  /**
   * Marks GUIDs as in use with no known owner (the subnet manager's list, or annotations during a
   * rebuild), so they are never handed out. Owned GUIDs keep their owner; duplicates, out-of-range
   * GUIDs (other shards') and malformed strings are counted, not fatal, so one bad entry from the
   * subnet manager cannot block a rebuild. O(m log r).
   */
  reserve(guids: Iterable<string>): ReserveReport {
    let reserved = 0;
    let alreadyHeld = 0;
    let outOfRange = 0;
    let invalid = 0;
    for (const text of guids) {
      let value: bigint;
      try {
        value = parseGuid(text);
      } catch (error) {
        if (!(error instanceof InvalidGuidError)) throw error;
        invalid++;
        continue;
      }
      if (!this.inRange(value)) outOfRange++;
      else if (this.inUse.add(value)) reserved++;
      else alreadyHeld++;
    }
    return { reserved, alreadyHeld, outOfRange, invalid };
  }

  /**
   * Forgets every allocation and owner, then reserves `inUse` as {@link GuidPool.reserve} does;
   * owners come back through {@link GuidPool.allocateRequested}. The cursor is kept, so GUIDs freed
   * just before the reset are still not reused at once. O(k + m log m).
   */
  reset(inUse: Iterable<string> = []): ReserveReport {
    this.inUse.clear();
    this.guidByOwner.clear();
    this.ownerByGuid.clear();
    return this.reserve(inUse);
  }

  /** The GUID `owner` holds, if any. O(1). */
  guidOf(owner: string): GuidString | undefined {
    const guid = this.guidByOwner.get(owner);
    return guid === undefined ? undefined : formatGuid(guid);
  }

  /**
   * Who holds `guid`: its owner, `null` when it is in use with no known owner, `undefined` when free
   * or outside the range. O(log r).
   * @throws InvalidGuidError when `guid` is malformed.
   */
  ownerOf(guid: string): string | null | undefined {
    const value = parseGuid(guid);
    if (!this.inUse.has(value)) return undefined;
    return this.ownerByGuid.get(value) ?? null;
  }

  /** Every owned GUID with its owner, ascending by GUID (for reconcile). O(k log k). */
  listOwned(): OwnedGuid[] {
    return [...this.ownerByGuid].sort(byGuid).map(([guid, owner]) => ({ owner, guid: formatGuid(guid) }));
  }

  /** Exact counters; `used + free = size` always. O(1). */
  stats(): GuidPoolStats {
    const size = this.size();
    const used = this.inUse.size;
    return {
      size: size.toString(),
      used: used.toString(),
      free: (size - used).toString(),
      owned: this.ownerByGuid.size,
      reserved: (used - BigInt(this.ownerByGuid.size)).toString(),
    };
  }

  private size(): bigint {
    return this.bounds.end - this.bounds.start + 1n;
  }

  private inRange(value: bigint): boolean {
    return value >= this.bounds.start && value <= this.bounds.end;
  }

  private bind(guid: bigint, owner: string): void {
    this.guidByOwner.set(owner, guid);
    this.ownerByGuid.set(guid, owner);
  }

  private free(guid: bigint): void {
    this.inUse.delete(guid);
    const owner = this.ownerByGuid.get(guid);
    if (owner === undefined) return;
    this.ownerByGuid.delete(guid);
    this.guidByOwner.delete(owner);
  }
}

function checkOwner(owner: string): void {
  if (typeof owner !== 'string' || owner === '') throw new TypeError('a GUID owner must be a non-empty string');
}

function byGuid([a]: readonly [bigint, string], [b]: readonly [bigint, string]): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
