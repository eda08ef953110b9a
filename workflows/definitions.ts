/**
 * The public surface of our workflows for operators and other processes: workflow ids, search
 * attributes (what the Temporal UI filters on), signals, updates and queries, and the JSON-plain
 * shapes they carry. hack/stack.sh registers the same search attributes on the dev server; a unit
 * test keeps the two lists equal. Nothing here may carry a credential: search attributes are not
 * encoded, and every payload lands in history.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { GuidPoolState } from '../domain/guid-pool-state';
import type { GuidRange } from '../domain/guid-range';

/** Pod name, for `PodName = 'x'` in the Temporal UI. */
export const PodName = defineSearchAttributeKey('PodName', SearchAttributeType.KEYWORD);
/** Pod namespace. */
export const PodNamespace = defineSearchAttributeKey('PodNamespace', SearchAttributeType.KEYWORD);
/** The pod workflow's stage; see {@link PodStage}. */
export const IbStage = defineSearchAttributeKey('IbStage', SearchAttributeType.KEYWORD);
/** The node the pod runs on. */
export const IbNode = defineSearchAttributeKey('IbNode', SearchAttributeType.KEYWORD);
/** PKeys (canonical `0x5` form) the pod's interfaces are members of. */
export const IbPKeys = defineSearchAttributeKey('IbPKeys', SearchAttributeType.KEYWORD_LIST);
/** GUIDs (canonical colon form) held by the pod's interfaces. */
export const IbGuids = defineSearchAttributeKey('IbGuids', SearchAttributeType.KEYWORD_LIST);
/** Why a pod workflow waits (`IbStage = 'waiting'`): a {@link WaitReason}. */
export const IbReason = defineSearchAttributeKey('IbReason', SearchAttributeType.KEYWORD);

/** Every custom search attribute, for registration and checks. */
export const SEARCH_ATTRIBUTES = [PodName, PodNamespace, IbStage, IbNode, IbPKeys, IbGuids, IbReason] as const;

// ---- workflow ids: business keys, never random ----

/** The pod workflow of pod `uid`. */
export function podWorkflowId(uid: string): string {
  return `ib-pod-${uid}`;
}
// The shared entities are scoped by task queue: the workers of one queue are the only ones that run
// them, so a second instance in the same Temporal namespace (another fabric), or a changed
// TEMPORAL_TASK_QUEUE, never attaches to an entity nobody polls. Pod workflows need no scope: a pod
// UID is unique, and one instance per Temporal namespace owns a pod (see README, "Several instances").

/**
 * The task queue the shared entities (pool shards, PKey flushes, the reconcile) run on, beside the
 * pods' queue. Their own queue gives them their own worker slots: a burst of pod workflow tasks, each
 * waiting in a local activity for a pool Update, can then never starve the shard that answers it.
 */
export function entityTaskQueue(taskQueue: string): string {
  return `${taskQueue}-entities`;
}

/** The batch-flush entity of PKey `pkey` (canonical form) of the instance on `taskQueue`. */
export function pkeyFlushWorkflowId(pkey: string, taskQueue: string): string {
  return `ib-pkey-${pkey}@${taskQueue}`;
}
/** The GUID pool shard owning `range`: the bounds are the key, so another layout is another entity. */
export function guidPoolShardWorkflowId(range: GuidRange, taskQueue: string): string {
  return `ib-guid-pool-${range.start.replaceAll(':', '')}-${range.end.replaceAll(':', '')}@${taskQueue}`;
}

// ---- pod workflow ----

/** What the watcher knows of a pod when it starts its workflow. */
export interface PodRef {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly node?: string;
}

/** Stages of a pod workflow, in order; `waiting` can come between any two before `configured`. */
export type PodStage =
  | 'resolving'
  | 'allocating'
  | 'joining'
  | 'annotating'
  | 'configured'
  | 'waiting'
  | 'not-infiniband'
  | 'releasing'
  | 'done';

/** Why a pod workflow waits. Each is bad input or a busy resource that may go away. */
export type WaitReason =
  | 'annotation-invalid'
  | 'nad-missing'
  | 'nad-invalid'
  | 'pkey-invalid'
  | 'guid-invalid'
  | 'guid-out-of-range'
  | 'guid-taken'
  | 'pool-exhausted'
  | 'interface-collision'
  | 'subnet-manager-rejected'
  /** A step failed in a way retrying could not fix (the message says which); retried after a backoff. */
  | 'step-failed';

/** One InfiniBand interface of a pod, as its workflow tracks it. */
export interface PodInterface {
  /** GUID owner id `<podUid>_<network>_<iface>` (upstream's pod-network-interface id). */
  readonly owner: string;
  /** `<namespace>_<name>` of the NAD. */
  readonly networkId: string;
  /** Canonical PKey, or null when the NAD has none (no subnet-manager call, as upstream). */
  readonly pkey: string | null;
  /** The GUID the annotation carries (requested by the user, or ours after a restart). */
  readonly guid?: string;
  /** The element already carries our configured marker with this PKey. */
  readonly configured: boolean;
}

/** What a pod workflow reports through {@link podStatusQuery}. */
export interface PodStatus {
  readonly stage: PodStage;
  readonly reason?: WaitReason;
  readonly interfaces: readonly PodInterface[];
  readonly pkeys: readonly string[];
  readonly lastError?: string;
  /** The limited partition (`DEFAULT_LIMITED_PARTITION`) join, when one is configured. */
  readonly limited?: { readonly pkey: string; readonly joined: boolean; readonly error?: string };
}

/** Why a pod's GUIDs are released. */
export type PodGoneReason = 'deleted' | 'succeeded' | 'failed' | 'replaced';

/** The pod was deleted or finished: leave the PKeys, release the GUIDs, end. Idempotent. */
export const podGoneSignal = defineSignal<[PodGoneReason]>('podGoneSignal');
/** The pod's networks annotation changed (the watcher): re-resolve if waiting. */
export const podChangedSignal = defineSignal('podChangedSignal');
/** A NAD changed or appeared (the watcher): re-resolve if waiting on it. */
export const nadChangedSignal = defineSignal<[string]>('nadChangedSignal');
/** An operator's "try again now" for a waiting pod. */
export const retrySignal = defineSignal('retrySignal');
/** A PKey's flush confirmed these owners' GUIDs left it and returned to the pool. */
export const guidsReleasedSignal = defineSignal<[ReleasedNotice]>('guidsReleasedSignal');
/** Stage, GUIDs, PKeys and last error of a pod workflow. */
export const podStatusQuery = defineQuery<PodStatus>('podStatusQuery');

/** Payload of {@link guidsReleasedSignal}. */
export interface ReleasedNotice {
  readonly pkey: string;
  readonly owners: readonly string[];
}

// ---- PKey batch-flush entity ----

/** One GUID to take out of a PKey for a pod that went away. */
export interface RemovalItem {
  readonly guid: string;
  readonly owner: string;
  /** Whom to tell once the GUID left the PKey(s) and returned to the pool. */
  readonly podWorkflowId: string;
  /** Other partitions to leave in the same flush (the limited partition). */
  readonly alsoFrom?: readonly string[];
}

/** Arguments of the PKey flush workflow, also what continue-as-new carries. */
export interface PKeyFlushInput {
  readonly pkey: string;
  /** `DAEMON_PERIODIC_UPDATE` in ms: under load, at most one flush starts per period. */
  readonly periodMs: number;
  readonly pending?: readonly RemovalItem[];
}

/** Hands removals to the PKey's flush entity; the sender never waits on it. */
export const removeGuidsSignal = defineSignal<[readonly RemovalItem[]]>('removeGuidsSignal');
/** What the flush entity holds and has done. */
export const pkeyFlushStatusQuery = defineQuery<PKeyFlushStatus>('pkeyFlushStatusQuery');

/** Payload of {@link pkeyFlushStatusQuery}. */
export interface PKeyFlushStatus {
  readonly pkey: string;
  readonly pending: number;
  readonly inFlight: number;
  readonly flushes: number;
  readonly lastError?: string;
}

// ---- GUID pool shard entity ----

/** Arguments of a pool shard, also what continue-as-new carries. */
export interface GuidPoolShardInput {
  readonly range: GuidRange;
  /** Serialised pool; absent on a first start, which rebuilds from pods and the subnet manager. */
  readonly state?: GuidPoolState;
}

/** One allocation: a fresh GUID, or the one the pod's annotation names. */
export interface AllocationRequest {
  readonly owner: string;
  readonly guid?: string;
}

/** Outcome per {@link AllocationRequest}, index-aligned. */
export type AllocationResult =
  | { readonly ok: true; readonly guid: string }
  | {
      readonly ok: false;
      readonly reason: 'guid-invalid' | 'guid-out-of-range' | 'guid-taken' | 'pool-exhausted' | 'owner-conflict';
      readonly message: string;
    };

/** One GUID to free, only if `owner` still holds it; without `guid`, whatever `owner` holds. */
export interface ReleaseRequest {
  readonly owner: string;
  readonly guid?: string;
}

/** Allocates a batch (the worker coalesces concurrent pods into one). Answered at once. */
export const allocateGuidsUpdate = defineUpdate<AllocationResult[], [readonly AllocationRequest[]]>(
  'allocateGuidsUpdate',
);
/** Frees a batch; each result says whether the owner still held the GUID. */
export const releaseGuidsUpdate = defineUpdate<boolean[], [readonly ReleaseRequest[]]>('releaseGuidsUpdate');
/** Whether each owner still holds its GUID (a flush retried after a crash must not remove a reused GUID). */
export const guidsHeldQuery = defineQuery<boolean[], [readonly ReleaseRequest[]]>('guidsHeldQuery');
/** Counters of one shard. */
export const poolShardStatsQuery = defineQuery<PoolShardStats>('poolShardStatsQuery');

/** Payload of {@link poolShardStatsQuery}. */
export interface PoolShardStats {
  readonly range: GuidRange;
  readonly ready: boolean;
  readonly inUse: string;
  readonly owned: number;
  readonly stateBytes: number;
  readonly runs: number;
}

/** Largest batch an update takes; the worker's coalescer stays below it. */
export const MAX_BATCH = 1000;

/** Every owner → GUID a shard holds (the reconcile reads them; a query adds nothing to history). */
export const poolOwnedQuery = defineQuery<Array<{ owner: string; guid: string }>>('poolOwnedQuery');

// ---- reconcile ----

/** The Schedule that runs {@link ReconcileReport reconcile} for one task queue. */
export function reconcileScheduleId(taskQueue: string): string {
  return `ib-reconcile@${taskQueue}`;
}

/** What one reconcile found and fixed (the workflow's result). */
export interface ReconcileReport {
  /** Live (existing, not finished) pods seen. */
  readonly livePods: number;
  /** GUIDs the pool holds, all shards. */
  readonly held: number;
  /** GUIDs of live pods added back to their PKeys, by PKey. */
  readonly rejoined: Readonly<Record<string, number>>;
  /** GUIDs of vanished pods taken out of their PKeys (through the flush) or straight back to the pool. */
  readonly freed: { readonly viaFlush: number; readonly direct: number };
  /** GUIDs two live pods claim (left as they are; each pod's Event says so). */
  readonly conflicts: number;
  /** Candidates left alone because their pod workflow still runs or is not configured yet. */
  readonly skipped: number;
}
