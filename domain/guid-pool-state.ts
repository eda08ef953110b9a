/**
 * The GUID pool's serialised form. It lives in a pool-shard workflow's state and crosses
 * continue-as-new, so it must be JSON-plain and small (Temporal warns at 512 KB per payload and
 * fails at 2 MB). Numbers are offsets from the range start in base 36 (≤ 13 chars for 64 bits);
 * in-use GUIDs are run-length encoded; owners are split at their first `_` into a head (the pod
 * UID, packed from 36 to 22 chars when it is a canonical UUID) and a tail (`_<network>_<iface>`,
 * stored once in a dictionary).
 *
 * Size: in-use GUIDs cost ~4 bytes per run, so 100k contiguous GUIDs take 141 bytes of state in
 * all and 100k GUIDs with 10% scattered holes ~37 KB (0.41 byte/GUID). Each owned GUID adds 29
 * bytes (`"1.0:<22-char UID>",`), so a shard state stays under 512 KB up to ~17k owned GUIDs
 * (100k owned: 2.9 MB, over the 2 MB limit: shard accordingly). Owners cannot shrink much further
 * because a pod UID carries 122 random bits and must be kept exactly (reconcile maps GUIDs to pods).
 *
 * Decoding validates everything, so hostile or corrupted state is rejected with a clear error
 * instead of producing a pool that could hand one GUID to two owners.
 */
import { describeValue, InvalidGuidRangeError, InvalidPoolStateError } from './errors';
import { formatGuid } from './guid';
import { getGuidRangeBounds } from './guid-range';
import type { GuidBounds, GuidRange } from './guid-range';
import type { Run } from './interval-set';

/** Current format version; bump with a decoder for the previous one. */
export const GUID_POOL_STATE_VERSION = 1;

/**
 * JSON-plain pool state (version 1). Offsets are from `range.start`, in base 36.
 * - `cursor`: offset of the next candidate for next-fit allocation.
 * - `held`: in-use runs, comma-separated `<gap>.<extra>`: `gap` is the distance from the range
 *   start (first run) or the number of free GUIDs since the previous run (≥ 1), `extra` is the
 *   run length minus one.
 * - `tails`: owner-tail dictionary, each `''` or starting with `_`.
 * - `owners`: one entry per owned GUID in ascending GUID order, `<delta>.<tail index><sep><head>`:
 *   `delta` from the range start (first) or the previous owned GUID (≥ 1); `sep` `:` means `head`
 *   is a packed UUID, `.` that it is verbatim. In-use GUIDs without an entry have no known owner.
 */
export interface GuidPoolState {
  readonly version: typeof GUID_POOL_STATE_VERSION;
  readonly range: GuidRange;
  readonly cursor: string;
  readonly held: string;
  readonly tails: readonly string[];
  readonly owners: readonly string[];
}

/** The pool's content in arithmetic form: what {@link encodeGuidPoolState} writes and decoding returns. */
export interface GuidPoolSnapshot {
  readonly range: GuidRange;
  readonly bounds: GuidBounds;
  readonly cursor: bigint;
  /** In-use GUIDs as sorted, disjoint, non-adjacent runs. */
  readonly runs: readonly Run[];
  /** Owned GUIDs and their owners, ascending by GUID; every GUID lies in `runs`. */
  readonly owners: ReadonlyArray<readonly [guid: bigint, owner: string]>;
}

/** Serialises a snapshot; see {@link GuidPoolState} for the format. O(r + k) for r runs and k owners. */
export function encodeGuidPoolState(snapshot: GuidPoolSnapshot): GuidPoolState {
  const { start } = snapshot.bounds;
  const held: string[] = [];
  let previousHi: bigint | undefined;
  for (const [lo, hi] of snapshot.runs) {
    const gap = previousHi === undefined ? lo - start : lo - previousHi - 1n;
    held.push(`${gap.toString(36)}.${(hi - lo).toString(36)}`);
    previousHi = hi;
  }
  const tails: string[] = [];
  const tailIndex = new Map<string, number>();
  const owners: string[] = [];
  let previous = start;
  for (const [guid, owner] of snapshot.owners) {
    const cut = owner.indexOf('_');
    const head = cut < 0 ? owner : owner.slice(0, cut);
    const tail = cut < 0 ? '' : owner.slice(cut);
    let index = tailIndex.get(tail);
    if (index === undefined) {
      index = tails.length;
      tails.push(tail);
      tailIndex.set(tail, index);
    }
    const packed = UUID.test(head) ? `:${packUuid(head)}` : `.${head}`;
    owners.push(`${(guid - previous).toString(36)}.${index.toString(36)}${packed}`);
    previous = guid;
  }
  return {
    version: GUID_POOL_STATE_VERSION,
    range: { start: snapshot.range.start, end: snapshot.range.end },
    cursor: (snapshot.cursor - start).toString(36),
    held: held.join(','),
    tails,
    owners,
  };
}

/**
 * Parses and validates serialised state in O(r + k) for r runs and k owners. Never mutates `state`.
 * @throws InvalidPoolStateError when anything is malformed, out of range, overlapping, unsorted,
 *   or when a GUID is owned but not in use or an owner holds two GUIDs.
 */
export function decodeGuidPoolState(state: unknown): GuidPoolSnapshot {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) fail('not an object');
  const raw = state as Record<string, unknown>;
  if (raw.version !== GUID_POOL_STATE_VERSION) fail(`unsupported version ${shown(raw.version)}`);
  const { range, bounds } = decodeRange(raw.range);
  const cursor = bounds.start + parseOffset(raw.cursor, 'cursor');
  if (cursor > bounds.end) fail('cursor is outside the range');
  const runs = decodeRuns(raw.held, bounds);
  const owners = decodeOwners(raw.owners, decodeTails(raw.tails), bounds, runs);
  return { range, bounds, cursor, runs, owners };
}

function decodeRange(value: unknown): { range: GuidRange; bounds: GuidBounds } {
  if (typeof value !== 'object' || value === null) fail('range is not an object');
  const { start, end } = value as Record<string, unknown>;
  if (typeof start !== 'string' || typeof end !== 'string') fail('range start and end must be strings');
  let bounds: GuidBounds;
  try {
    bounds = getGuidRangeBounds({ start, end });
  } catch (error) {
    if (error instanceof InvalidGuidRangeError) fail(error.message);
    throw error;
  }
  if (formatGuid(bounds.start) !== start || formatGuid(bounds.end) !== end) fail('range is not in canonical form');
  return { range: Object.freeze({ start, end }), bounds };
}

function decodeRuns(value: unknown, bounds: GuidBounds): Run[] {
  if (typeof value !== 'string') fail('held must be a string');
  if (value === '') return [];
  const runs: Run[] = [];
  let previousHi: bigint | undefined;
  for (const token of value.split(',')) {
    const match = RUN_TOKEN.exec(token);
    if (match === null) fail(`malformed run ${JSON.stringify(token.slice(0, 40))}`);
    const gap = parseBase36(match[1]!);
    if (previousHi !== undefined && gap < 1n) fail('runs must be separated by at least one free GUID');
    const lo = previousHi === undefined ? bounds.start + gap : previousHi + 1n + gap;
    const hi = lo + parseBase36(match[2]!);
    if (hi > bounds.end) fail('a run extends beyond the range end');
    runs.push([lo, hi]);
    previousHi = hi;
  }
  return runs;
}

function decodeTails(value: unknown): string[] {
  if (!Array.isArray(value)) fail('tails must be an array');
  for (const tail of value) {
    if (typeof tail !== 'string' || (tail !== '' && !tail.startsWith('_'))) fail('a tail must be "" or start with "_"');
  }
  return value as string[];
}

function decodeOwners(value: unknown, tails: string[], bounds: GuidBounds, runs: readonly Run[]): [bigint, string][] {
  if (!Array.isArray(value)) fail('owners must be an array');
  const owners: [bigint, string][] = [];
  const seen = new Set<string>();
  let previous: bigint | undefined;
  let runIndex = 0;
  for (const entry of value) {
    const match = typeof entry === 'string' ? OWNER_ENTRY.exec(entry) : null;
    // describeValue: a hostile entry such as {"toString":0} must not run (or break) our message code.
    if (match === null) fail(`malformed owner entry ${shown(entry)}`);
    const delta = parseBase36(match[1]!);
    if (previous !== undefined && delta < 1n) fail('owner entries must be in strictly ascending GUID order');
    const guid = (previous ?? bounds.start) + delta;
    if (guid > bounds.end) fail('an owned GUID lies beyond the range end');
    const tail = tails[Number.parseInt(match[2]!, 36)];
    if (tail === undefined) fail('owner entry refers to a missing tail');
    const head = match[3] === ':' ? unpackUuid(match[4]!) : match[4]!;
    const owner = head + tail;
    if (owner === '') fail('owner must not be empty');
    if (seen.has(owner)) fail(`owner ${JSON.stringify(owner.slice(0, 80))} holds more than one GUID`);
    // Owners and runs are both ascending, so one forward walk checks membership.
    while (runIndex < runs.length && runs[runIndex]![1] < guid) runIndex++;
    const run = runs[runIndex];
    if (run === undefined || guid < run[0]) fail(`owned GUID ${formatGuid(guid)} is not marked in use`);
    seen.add(owner);
    owners.push([guid, owner]);
    previous = guid;
  }
  return owners;
}

function parseOffset(value: unknown, what: string): bigint {
  if (typeof value !== 'string' || !BASE36.test(value)) fail(`${what} must be a base-36 offset`);
  return parseBase36(value);
}

/** Exact base-36 parse of at most 13 digits (`BigInt()` has no radix argument). */
function parseBase36(digits: string): bigint {
  if (digits.length <= 10) return BigInt(Number.parseInt(digits, 36));
  const high = BigInt(Number.parseInt(digits.slice(0, -10), 36));
  return high * 36n ** 10n + BigInt(Number.parseInt(digits.slice(-10), 36));
}

const BASE36 = /^[0-9a-z]{1,13}$/;
const RUN_TOKEN = /^([0-9a-z]{1,13})\.([0-9a-z]{1,13})$/;
const OWNER_ENTRY = /^([0-9a-z]{1,13})\.([0-9a-z]{1,6})([.:])([^]*)$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** Char code → sextet value, -1 for characters outside the alphabet. */
const SEXTET: readonly number[] = Array.from({ length: 128 }, (_, code) =>
  BASE64URL.indexOf(String.fromCharCode(code)),
);

/** 32 hex digits → 22 base64url chars: ten 3-digit groups of 12 bits, then the last 2 digits. */
function packUuid(uuid: string): string {
  const hex = uuid.replaceAll('-', '');
  const codes: number[] = [];
  for (let at = 0; at < 32; at += 3) {
    const bits = Number.parseInt(hex.slice(at, at + 3), 16);
    codes.push(BASE64URL.charCodeAt(bits >> 6), BASE64URL.charCodeAt(bits & 63));
  }
  return String.fromCharCode(...codes);
}

function unpackUuid(packed: string): string {
  if (packed.length !== 22) fail('packed owner UID must be 22 characters');
  const groups: string[] = [];
  for (let at = 0; at < 22; at += 2) {
    const high = SEXTET[packed.charCodeAt(at)] ?? -1;
    const low = SEXTET[packed.charCodeAt(at + 1)] ?? -1;
    if (high < 0 || low < 0) fail('packed owner UID is not base64url');
    const bits = high * 64 + low;
    const digits = at < 20 ? 3 : 2;
    if (bits >= 16 ** digits) fail('packed owner UID is not canonical');
    groups.push(bits.toString(16).padStart(digits, '0'));
  }
  const hex = groups.join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A clipped rendering of a hostile value that runs none of its code (no toString, no toJSON). */
function shown(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value.slice(0, 60)) : describeValue(value).slice(0, 60);
}

function fail(reason: string): never {
  throw new InvalidPoolStateError(reason);
}
