/**
 * GUID pool ranges: the configured `GUID_POOL_RANGE_START`..`GUID_POOL_RANGE_END` and the contiguous
 * shards it is split into, one per pool entity workflow. A range is JSON-plain (two canonical GUID
 * strings, both ends inclusive) so it can travel in workflow arguments and state.
 */
import { describeValue, InvalidGuidRangeError } from './errors';
import { formatGuid, GUID_MAX, parseGuid } from './guid';
import type { GuidString } from './guid';

/** An inclusive range of GUIDs in canonical colon form. */
export interface GuidRange {
  readonly start: GuidString;
  readonly end: GuidString;
}

/** A validated range as numbers, for arithmetic. */
export interface GuidBounds {
  readonly start: bigint;
  readonly end: bigint;
}

/** Upstream's default `GUID_POOL_RANGE_START`, in canonical form. */
export const DEFAULT_GUID_RANGE_START: GuidString = '02:00:00:00:00:00:00:00';

/** Upstream's default `GUID_POOL_RANGE_END` (`02:FF:FF:FF:FF:FF:FF:FF`), in canonical form. */
export const DEFAULT_GUID_RANGE_END: GuidString = '02:ff:ff:ff:ff:ff:ff:ff';

/** Upstream's default pool range: 2^56 GUIDs. */
export const DEFAULT_GUID_RANGE: GuidRange = Object.freeze({
  start: DEFAULT_GUID_RANGE_START,
  end: DEFAULT_GUID_RANGE_END,
});

/**
 * Parses and validates a pool range with upstream's rule (`pkg/guid/guid_pool.go` `isValidRange`):
 * start ≤ end, start ≠ 0 and end ≠ ff:ff:ff:ff:ff:ff:ff:ff. Either end may be in any form
 * {@link parseGuid} accepts; the result is canonical.
 * @throws InvalidGuidRangeError when an end is not a GUID or the rule is broken.
 */
export function parseGuidRange(start: string, end: string): GuidRange {
  const bounds = parseBounds(start, end);
  return Object.freeze({ start: formatGuid(bounds.start), end: formatGuid(bounds.end) });
}

/**
 * Returns the numeric bounds of a range, validating it again because a `GuidRange` may come from
 * deserialised workflow state rather than from {@link parseGuidRange}.
 * @throws InvalidGuidRangeError when the range is malformed or breaks upstream's rule.
 */
export function getGuidRangeBounds(range: GuidRange): GuidBounds {
  if (typeof range !== 'object' || range === null) {
    throw new InvalidGuidRangeError(describeValue(range), describeValue(range), 'not a {start, end} object', 'start');
  }
  return parseBounds(range.start, range.end);
}

/** Number of GUIDs in the range (exact; the default range holds 2^56). @throws InvalidGuidRangeError. */
export function getGuidRangeSize(range: GuidRange): bigint {
  const { start, end } = getGuidRangeBounds(range);
  return end - start + 1n;
}

/**
 * True when `guid` lies in the range; a string may be in any form {@link parseGuid} accepts.
 * @throws InvalidGuidError when `guid` is a malformed string; InvalidGuidRangeError for a bad range.
 */
export function isGuidInRange(range: GuidRange, guid: bigint | string): boolean {
  const value = typeof guid === 'bigint' ? guid : parseGuid(guid);
  const { start, end } = getGuidRangeBounds(range);
  return value >= start && value <= end;
}

/**
 * Splits a range into `shards` contiguous, non-empty ranges in ascending order that together cover
 * it exactly; sizes differ by at most one (the first `size % shards` shards are one larger).
 * Every shard satisfies upstream's rule because it lies inside a range that does.
 * @throws RangeError when `shards` is not a positive safe integer.
 * @throws InvalidGuidRangeError when the range is invalid or holds fewer GUIDs than `shards`.
 */
export function splitGuidRange(range: GuidRange, shards: number): GuidRange[] {
  const { start, end } = getGuidRangeBounds(range);
  const { base, larger } = shardSizes(range, start, end, shards);
  const result: GuidRange[] = [];
  let shardStart = start;
  for (let index = 0; index < shards; index++) {
    const shardSize = BigInt(index) < larger ? base + 1n : base;
    const shardEnd = shardStart + shardSize - 1n;
    result.push(Object.freeze({ start: formatGuid(shardStart), end: formatGuid(shardEnd) }));
    shardStart = shardEnd + 1n;
  }
  return result;
}

/**
 * Index of the shard of `splitGuidRange(range, shards)` that holds `guid`, in O(1), so a requested
 * GUID can be routed to its pool workflow without materialising the shards. Returns -1 for a GUID
 * outside the range.
 * @throws InvalidGuidError for a malformed string; RangeError / InvalidGuidRangeError as {@link splitGuidRange}.
 */
export function findGuidShard(range: GuidRange, shards: number, guid: bigint | string): number {
  const value = typeof guid === 'bigint' ? guid : parseGuid(guid);
  const { start, end } = getGuidRangeBounds(range);
  const { base, larger } = shardSizes(range, start, end, shards);
  if (value < start || value > end) return -1;
  const offset = value - start;
  const largerSpan = larger * (base + 1n);
  if (offset < largerSpan) return Number(offset / (base + 1n));
  return Number(larger + (offset - largerSpan) / base);
}

/**
 * How many pool shards a range gets: `wanted`, but no shard smaller than 4096 GUIDs, so a small
 * range is one shard and never refuses a GUID that another shard still has. Throws nothing.
 */
export function poolShardCount(range: GuidRange, wanted: number): number {
  const size = getGuidRangeSize(range);
  const bySize = size / 4096n + (size % 4096n === 0n ? 0n : 1n);
  return Number(bySize < BigInt(wanted) ? bySize : BigInt(wanted)) || 1;
}

function shardSizes(range: GuidRange, start: bigint, end: bigint, shards: number): { base: bigint; larger: bigint } {
  if (!Number.isSafeInteger(shards) || shards < 1) {
    throw new RangeError(`shard count must be a positive integer, got ${shards}`);
  }
  const size = end - start + 1n;
  const count = BigInt(shards);
  if (count > size) {
    throw new InvalidGuidRangeError(range.start, range.end, `cannot split ${size} GUIDs into ${shards} shards`, 'end');
  }
  return { base: size / count, larger: size % count };
}

function parseBounds(startText: string, endText: string): GuidBounds {
  const fail = (reason: string, bound: 'start' | 'end') =>
    new InvalidGuidRangeError(shown(startText), shown(endText), reason, bound);
  const parseEnd = (text: string, bound: 'start' | 'end'): bigint => {
    try {
      return parseGuid(text);
    } catch {
      throw fail(`${bound} is not a GUID of 8 hex octets such as 02:00:00:00:00:00:00:00`, bound);
    }
  };
  const start = parseEnd(startText, 'start');
  const end = parseEnd(endText, 'end');
  if (start > end) throw fail('start is after end', 'end');
  if (start === 0n) throw fail('start must not be zero', 'start');
  if (end === GUID_MAX) throw fail('end must not be ff:ff:ff:ff:ff:ff:ff:ff', 'end');
  return { start, end };
}

/** Ranges can come from hostile workflow state: keep error messages short. */
function shown(text: unknown): string {
  const value = describeValue(text);
  return value.length > 40 ? `${value.slice(0, 40)}…` : value;
}
