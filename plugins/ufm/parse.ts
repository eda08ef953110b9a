/**
 * Defensive readers of UFM response bodies (reference/ufm-rest-api.md §3.1, §3.4, §4). Pure.
 * Upstream's `ListGuidsInUse` (`pkg/sm/plugins/ufm/ufm.go`) unmarshals strictly and keeps UFM's
 * GUID case, so one odd entry fails the whole pool sync (§7.10); here odd entries are skipped and
 * reported, and everything is returned in canonical form.
 */
import { formatGuid, parseGuid, parseUfmGuid } from '../../domain/guid';
import { formatPKey } from '../../domain/pkey';
import { SubnetManagerError } from '../types';
import type { GuidsByPKey } from '../types';
import { bodyExcerpt } from './classify';

/** The read-only management partition: listed by UFM, never ours to manage. */
export const MANAGEMENT_PKEY = 0x7fff;
/** Its key in a {@link GuidsByPKey} listing. */
export const MANAGEMENT_PKEY_TEXT = '0x7fff';

/** An entry of a listing that was not understood, with why; safe to log. */
export interface SkippedEntry {
  readonly pkey: string;
  readonly entry?: string;
  readonly reason: string;
}

/** A parsed listing: the partitions and the entries that were skipped. */
export interface PKeyListing {
  readonly guids: GuidsByPKey;
  readonly skipped: SkippedEntry[];
}

/**
 * Parses a 200 body as JSON. A login page or proxy error served with status 200 is not JSON.
 * @throws SubnetManagerError `bad-response` (retryable) when the body is not JSON.
 */
export function parseJsonBody(operation: string, status: number, body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    const excerpt = bodyExcerpt(body);
    throw new SubnetManagerError(
      'bad-response',
      `UFM ${operation} failed: HTTP ${status} with a body that is not JSON${excerpt ? `: ${excerpt}` : ''}`,
      { status, operation },
    );
  }
}

/**
 * Checks that a parsed body is a JSON object (not an array or null).
 * @throws SubnetManagerError `bad-response` otherwise.
 */
export function expectObject(operation: string, status: number, body: unknown): Record<string, unknown> {
  if (isObject(body)) return body;
  const kind = body === null ? 'null' : Array.isArray(body) ? 'an array' : typeof body;
  throw new SubnetManagerError('bad-response', `UFM ${operation} failed: expected a JSON object, got ${kind}`, {
    status,
    operation,
  });
}

/**
 * Parses a success body that must be a JSON object.
 * @throws SubnetManagerError `bad-response` when it is not JSON or not an object.
 */
export function readJsonObject(operation: string, status: number, body: string): Record<string, unknown> {
  return expectObject(operation, status, parseJsonBody(operation, status, body));
}

/** `ufm_release_version` of a version body, clipped, when it is a string. Throws nothing. */
export function readUfmVersion(body: Record<string, unknown>): string | undefined {
  const version = body.ufm_release_version;
  return typeof version === 'string' ? version.slice(0, 64) : undefined;
}

/**
 * Reads the pkey-keyed listing of `GET /resources/pkeys/?guids_data=true`. Keys are read by numeric
 * value (`0x5`, `0x0005`, `0X05` are one partition); the management partition is kept as `0x7fff`
 * when it has members (a site may list its port GUIDs there, and one inside our pool range is in use); keys outside
 * 0x1–0x7fff, non-object values, a non-array `guids`, and GUID entries that do not parse are
 * skipped and reported. A missing `guids` means no members. Throws nothing.
 */
export function parsePKeyListing(body: Record<string, unknown>): PKeyListing {
  const members = new Map<number, Set<bigint>>();
  const skipped: SkippedEntry[] = [];
  for (const [key, value] of Object.entries(body)) {
    const pkey = parseResponsePKey(key);
    const shownKey = clip(key);
    if (pkey === undefined) {
      skipped.push({ pkey: shownKey, reason: 'not a partition key in 0x1-0x7fff' });
      continue;
    }
    const guids = readMembers(shownKey, value, skipped);
    if (guids === undefined) continue;
    const set = members.get(pkey) ?? new Set<bigint>();
    for (const guid of guids) set.add(guid);
    members.set(pkey, set);
  }
  const guids: GuidsByPKey = {};
  for (const pkey of [...members.keys()].sort((a, b) => a - b)) {
    // An empty management partition says nothing; most UFMs list it so.
    if (pkey === MANAGEMENT_PKEY && members.get(pkey)?.size === 0) continue;
    const values = [...(members.get(pkey) ?? [])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    guids[pkey === MANAGEMENT_PKEY ? MANAGEMENT_PKEY_TEXT : formatPKey(pkey)] = values.map(formatGuid);
  }
  return { guids, skipped };
}

/**
 * The members of one partition from `GET /resources/pkeys/<pkey>?guids_data=true`: a flat object
 * with `guids`, or (seen in one script) wrapped as `{"0x5": {...}}`. `{}` means the partition does
 * not exist, so it has no members. Unparsable entries are ignored. Throws nothing.
 */
export function parseSinglePKey(body: Record<string, unknown>, pkey: number): Set<bigint> {
  const wrapped = Object.entries(body).find(([key]) => parseResponsePKey(key) === pkey)?.[1];
  const value = 'guids' in body || wrapped === undefined ? body : wrapped;
  return new Set(readMembers('', value, []) ?? []);
}

/** A response key's partition number, by numeric value; undefined when it is not `0x` + hex. */
export function parseResponsePKey(key: string): number | undefined {
  if (!/^0[xX][0-9a-fA-F]{1,8}$/.test(key)) return undefined;
  const value = Number.parseInt(key.slice(2), 16);
  return value === MANAGEMENT_PKEY || (value >= 0x1 && value <= 0x7ffe) ? value : undefined;
}

function readMembers(pkey: string, value: unknown, skipped: SkippedEntry[]): bigint[] | undefined {
  if (!isObject(value)) {
    skipped.push({ pkey, reason: 'partition entry is not an object' });
    return undefined;
  }
  const list = value.guids;
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) {
    skipped.push({ pkey, reason: '"guids" is not an array' });
    return undefined;
  }
  const guids: bigint[] = [];
  for (const item of list as unknown[]) {
    // UFM writes objects with a `guid` field; a bare string is accepted too.
    const text = isObject(item) ? item.guid : item;
    const guid = typeof text === 'string' ? readGuid(text) : undefined;
    if (guid === undefined) {
      skipped.push({ pkey, entry: clip(JSON.stringify(text) ?? String(text)), reason: 'not a GUID' });
    } else {
      guids.push(guid);
    }
  }
  return guids;
}

function readGuid(text: string): bigint | undefined {
  for (const parse of [parseUfmGuid, parseGuid]) {
    try {
      return parse(text);
    } catch {
      // try the next accepted form
    }
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
