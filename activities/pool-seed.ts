/**
 * Rebuilds one pool shard from the truth: the pods' annotations (every configured interface's GUID,
 * registered to its owner) and the subnet manager's listing (in use, owner unknown). Runs when a
 * shard starts without state, before it answers any request.
 */
import { GuidPool } from '../domain/guid-pool';
import type { GuidPoolState } from '../domain/guid-pool-state';
import { isGuidInRange, type GuidRange } from '../domain/guid-range';
import { parseGuid } from '../domain/guid';
import { NETWORKS_ANNOTATION } from '../domain/annotations';
import { configuredInterfaces } from '../domain/configured-interfaces';
import { isPodFinished } from '../domain/pod-relevance';
import { guidsInUse } from '../domain/subnet-manager-listing';
import type { SubnetManagerPlugin } from '../plugins/types';
import type { KubeAccess } from './kube';

/** What the rebuild found, for the log. */
export interface SeedReport {
  readonly owned: number;
  readonly conflicts: number;
  readonly fromSubnetManager: number;
}

const PAGE = 500;

/** Builds the shard's state. @throws KubeError, SubnetManagerError (the activity retries). */
export async function seedPoolShard(
  range: GuidRange,
  kube: KubeAccess,
  plugin: SubnetManagerPlugin,
): Promise<{ state: GuidPoolState; report: SeedReport }> {
  const pool = new GuidPool(range);
  let owned = 0;
  let conflicts = 0;
  let token: string | undefined;
  do {
    const page = await kube.core.listPodForAllNamespaces({ limit: PAGE, ...(token ? { _continue: token } : {}) });
    for (const pod of page.items) {
      const annotation = pod.metadata?.annotations?.[NETWORKS_ANNOTATION];
      const uid = pod.metadata?.uid;
      if (!annotation || !uid || pod.spec?.hostNetwork || isPodFinished(pod.status?.phase)) continue;
      for (const { owner, guid } of configuredInterfaces(uid, pod.metadata?.namespace ?? '', annotation)) {
        if (!isGuidInRange(range, safeParse(guid))) continue; // another shard's
        try {
          pool.allocateRequested(owner, guid);
          owned++;
        } catch {
          conflicts++; // two pods claim one GUID: the first keeps it, the reconcile reports the other
        }
      }
    }
    token = page.metadata?._continue || undefined;
  } while (token);
  const inUse = guidsInUse(await plugin.listGuidsInUse());
  const reserved = pool.reserve(inUse);
  return { state: pool.toState(), report: { owned, conflicts, fromSubnetManager: reserved.reserved } };
}

function safeParse(guid: string): bigint {
  try {
    return parseGuid(guid);
  } catch {
    return -1n;
  }
}
