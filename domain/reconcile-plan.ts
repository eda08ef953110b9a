/**
 * The reconcile's decisions, pods vs pool vs subnet manager (pure; the activity gathers the inputs
 * and carries out the plan):
 *
 * - **rejoin**: a live pod's configured GUID that its PKey does not list (someone removed it, or
 *   UFM lost it) is added again.
 * - **free**: a GUID the pool holds for an owner whose pod no longer exists and whose pod workflow
 *   is not running (a running one is still releasing it) is taken out of every PKey listing it and
 *   returned to the pool.
 *
 * Safety, by construction: only GUIDs inside the configured pool range that the pool recorded as
 * ours are ever freed, so a port GUID or any other member UFM lists is never touched; and a GUID
 * any live pod's annotation names is never freed, whoever the pool thinks owns it.
 */
import type { ConfiguredInterface } from './configured-interfaces';
import { parseGuid } from './guid';
import { isGuidInRange, type GuidRange } from './guid-range';

/** One configured interface of a live pod, from its annotation. */
export type LiveInterface = ConfiguredInterface;

export interface ReconcileInputs {
  readonly range: GuidRange;
  /** UIDs of every pod that exists and is not finished. */
  readonly livePodUids: ReadonlySet<string>;
  /** Configured interfaces of those pods. */
  readonly live: readonly LiveInterface[];
  /** Every owner → GUID the pool holds, all shards. */
  readonly held: ReadonlyArray<{ readonly owner: string; readonly guid: string }>;
  /** The subnet manager's listing: canonical PKey → members (canonical GUIDs). */
  readonly listed: Readonly<Record<string, readonly string[]>>;
  /** Pod UIDs whose workflow is running. */
  readonly runningWorkflows: ReadonlySet<string>;
  /** The management partition and others never touched (e.g. `0x7fff`). */
  readonly untouchable?: ReadonlySet<string>;
}

export interface ReconcilePlan {
  readonly rejoin: ReadonlyArray<{
    readonly pkey: string;
    readonly guids: readonly string[];
    readonly podUids: readonly string[];
  }>;
  readonly free: ReadonlyArray<{ readonly owner: string; readonly guid: string; readonly listedIn: readonly string[] }>;
  /** GUIDs two live pods' annotations both name: reported, never changed here. */
  readonly conflicts: ReadonlyArray<{ readonly guid: string; readonly podUids: readonly string[] }>;
}

/** The uid part of an owner (`<uid>_<network>_<interface>`). */
export function ownerPodUid(owner: string): string {
  return owner.split('_')[0] ?? owner;
}

export function planReconcile(inputs: ReconcileInputs): ReconcilePlan {
  const untouchable = inputs.untouchable ?? new Set(['0x7fff']);
  const membersOf = new Map<string, Set<string>>();
  const pkeysOf = new Map<string, string[]>();
  for (const [pkey, guids] of Object.entries(inputs.listed)) {
    const normalised = new Set(guids.map(normalise));
    membersOf.set(pkey, normalised);
    if (untouchable.has(pkey)) continue;
    for (const guid of normalised) pkeysOf.set(guid, [...(pkeysOf.get(guid) ?? []), pkey]);
  }

  const liveGuids = new Map<string, Set<string>>();
  const rejoin = new Map<string, { guids: Set<string>; podUids: Set<string> }>();
  for (const iface of inputs.live) {
    const guid = normalise(iface.guid);
    const owners = liveGuids.get(guid) ?? new Set<string>();
    owners.add(iface.podUid);
    liveGuids.set(guid, owners);
    if (iface.pkey === null || membersOf.get(iface.pkey)?.has(guid)) continue;
    const entry = rejoin.get(iface.pkey) ?? { guids: new Set(), podUids: new Set() };
    entry.guids.add(guid);
    entry.podUids.add(iface.podUid);
    rejoin.set(iface.pkey, entry);
  }

  const free: Array<{ owner: string; guid: string; listedIn: string[] }> = [];
  for (const { owner, guid: raw } of inputs.held) {
    const guid = normalise(raw);
    const uid = ownerPodUid(owner);
    if (inputs.livePodUids.has(uid) || inputs.runningWorkflows.has(uid)) continue;
    if (liveGuids.has(guid) || !inRange(inputs.range, guid)) continue;
    free.push({ owner, guid, listedIn: pkeysOf.get(guid) ?? [] });
  }

  const conflicts = [...liveGuids]
    .filter(([, uids]) => uids.size > 1)
    .map(([guid, uids]) => ({ guid, podUids: [...uids].sort() }));
  return {
    rejoin: [...rejoin].map(([pkey, entry]) => ({ pkey, guids: [...entry.guids], podUids: [...entry.podUids] })),
    free,
    conflicts,
  };
}

function normalise(guid: string): string {
  return guid.toLowerCase();
}

function inRange(range: GuidRange, guid: string): boolean {
  try {
    return isGuidInRange(range, parseGuid(guid));
  } catch {
    return false;
  }
}
