/**
 * What the subnet manager's listing means for the GUID pool. Pure.
 */
import type { GuidString } from './guid';

/**
 * Every GUID a listing names, once: a GUID that is a full member of a pod's PKey and a limited member
 * of `DEFAULT_LIMITED_PARTITION` is one allocation, and one listed under the management partition
 * 0x7fff (a site's port GUIDs) is in use too. The pool ignores those outside its range. Throws nothing.
 * @param listing partitions keyed by PKey, each with canonical colon-form GUIDs (the plugin's `GuidsByPKey`).
 */
export function guidsInUse(listing: Readonly<Record<string, readonly GuidString[]>>): GuidString[] {
  const seen = new Set<GuidString>();
  for (const guids of Object.values(listing)) for (const guid of guids) seen.add(guid);
  return [...seen];
}
