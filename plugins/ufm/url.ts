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
/** Apache's 8190-byte request line allows ~450 GUIDs in a DELETE path; 200 leaves room (§6). */
export const MAX_GUIDS_PER_DELETE = 200;

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

/** `DELETE` path removing `ufmGuids` (16-hex form) from `pkey`: the non-deprecated form (§4, §7.7). */
export function removeGuidsPath(pkey: number, ufmGuids: readonly string[]): string {
  return `${PKEYS_PATH}/${formatUfmPKey(pkey)}/guids/${ufmGuids.join(',')}`;
}

/** One partition with its members, used to confirm a removal that answered 404. */
export function pkeyPath(pkey: number): string {
  return `${PKEYS_PATH}/${formatUfmPKey(pkey)}?guids_data=true`;
}

/** Splits `items` into runs of at most `size`. @throws RangeError when `size` < 1. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!(size >= 1)) throw new RangeError(`chunk size ${size} must be at least 1`);
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}
