/**
 * URLs and wire formats of the UFM REST subset (reference/ufm-rest-api.md §2–§4).
 */
import type { UfmConfig } from '../../domain/config';

/** Every path sits under the basic-auth prefix (§1). */
export const UFM_PREFIX = '/ufmRest';
/** Reachability probe (§3.1). */
export const VERSION_PATH = `${UFM_PREFIX}/app/ufm_version`;
/** Add GUIDs, creating the partition (§3.2). */
export const PKEYS_PATH = `${UFM_PREFIX}/resources/pkeys`;
/** Every partition with its members (§3.4). Both `guids_data` and `qos_conf` at once is NVIDIA bug 5409095. */
export const LIST_PKEYS_PATH = `${UFM_PREFIX}/resources/pkeys/?guids_data=true`;
/** Upstream's removal route, for a UFM without the `DELETE …/guids/<csv>` one (§3.3). */
export const REMOVE_GUIDS_ACTION_PATH = `${UFM_PREFIX}/actions/remove_guids_from_pkey`;
/** Apache's 8190-byte request line allows ~450 GUIDs in a DELETE path; 200 leaves room (§6). */
export const MAX_GUIDS_PER_DELETE = 200;
/**
 * GUIDs per add (and per removal through the action route): about 19 KB of JSON. UFM documents no
 * limit (§6), but the web server in front of it has one, so a 10k-GUID flush is sent in chunks.
 */
export const MAX_GUIDS_PER_BODY = 1000;

/**
 * The origin of every request, e.g. `https://ufm.example.com:443` or `https://[fd00::1]:443`.
 * IPv6 literals are bracketed, which upstream's `buildURL` forgets (§7.11). Throws nothing.
 */
export function buildUfmBaseUrl(config: Pick<UfmConfig, 'httpSchema' | 'address' | 'port'>): string {
  const host = config.address.includes(':') ? `[${config.address}]` : config.address;
  return `${config.httpSchema}://${host}:${config.port}`;
}

/**
 * A partition number as upstream writes it in requests (`"0x%04X"`, e.g. `0x0005`, `0x00AB`);
 * UFM accepts padded upper-case keys (§2). The caller has range-checked `pkey`. Throws nothing.
 */
export function formatUfmPKey(pkey: number): string {
  return `0x${pkey.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * A partition number as it goes into a URL path: minimal lower case (`0x2fb`), the form UFM's
 * responses use and other UFM clients put in paths (§5). Throws nothing.
 */
export function formatPathPKey(pkey: number): string {
  return `0x${pkey.toString(16)}`;
}

/** `DELETE` path removing `ufmGuids` (16-hex form) from `pkey`: the non-deprecated form (§4, §7.7). */
export function removeGuidsPath(pkey: number, ufmGuids: readonly string[]): string {
  return `${PKEYS_PATH}/${formatPathPKey(pkey)}/guids/${ufmGuids.join(',')}`;
}

/** One partition; with `members`, its GUIDs too (to confirm a removal that answered 404). */
export function pkeyPath(pkey: number, members = true): string {
  return `${PKEYS_PATH}/${formatPathPKey(pkey)}${members ? '?guids_data=true' : ''}`;
}

/** Splits `items` into runs of at most `size`. @throws RangeError when `size` < 1. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!(size >= 1)) throw new RangeError(`chunk size ${size} must be at least 1`);
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}
