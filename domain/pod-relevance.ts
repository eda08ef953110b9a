/**
 * Which pods the controller cares about, decided from a few pod fields (upstream
 * `pkg/watcher/handler/pod.go` and the helpers in `pkg/utils/utils.go`).
 *
 * One deliberate difference: upstream's add handler skips pods already `Running`, so a pod
 * that was running when the daemon started is never configured and its GUIDs are only seen
 * at leader start. Here phase `Running` does not matter: such a pod still needs its GUID
 * bookkeeping (ownership, PKey membership, release on deletion), and its pod workflow finds
 * configured elements already configured and only records them.
 */

/** The pod fields relevance depends on; JSON-plain so the watcher can keep many cheaply. */
export interface PodFacts {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  /** `spec.nodeName`; empty or absent until the pod is scheduled. */
  readonly nodeName?: string;
  readonly hostNetwork?: boolean;
  /** `status.phase`: Pending, Running, Succeeded, Failed or Unknown. */
  readonly phase?: string;
  /** The `k8s.v1.cni.cncf.io/networks` annotation, verbatim. */
  readonly networksAnnotation?: string;
  /** `metadata.deletionTimestamp` (RFC 3339), set once the pod is terminating. */
  readonly deletionTimestamp?: string;
}

/** Why a pod is not relevant, in upstream's order of checks. */
export type SkipReason = 'host-network' | 'finished' | 'no-networks-annotation' | 'not-scheduled';

/** Result of {@link classifyPod}. */
export type PodRelevance = { readonly relevant: true } | { readonly relevant: false; readonly reason: SkipReason };

/** True for phases after which no container runs again: `Succeeded` and `Failed`. */
export function isPodFinished(phase: string | undefined): boolean {
  return phase === 'Succeeded' || phase === 'Failed';
}

/**
 * Decides whether a pod needs InfiniBand handling now: it uses the pod network (not
 * `hostNetwork`), is not finished, has a non-empty networks annotation (any non-empty string;
 * whether it parses, or names an ib-sriov NAD, is the pod workflow's business) and is
 * scheduled (`nodeName` set; upstream parks unscheduled pods until an update schedules them).
 * A terminating pod (deletionTimestamp set) stays relevant: its containers may still use the
 * VF, so its GUIDs must stay in their PKeys until the pod is deleted or finishes.
 */
export function classifyPod(pod: PodFacts): PodRelevance {
  const reason = skipReason(pod, true);
  return reason === undefined ? { relevant: true } : { relevant: false, reason };
}

/** What the watcher should do about a pod event. */
export type PodAction =
  /** Make sure the pod's workflow runs (start is idempotent: the workflow id is the pod UID). */
  | { readonly action: 'ensure' }
  /** Tell the pod's workflow, if any, to leave the PKeys and release the GUIDs. */
  | { readonly action: 'release'; readonly reason: 'finished' | 'deleted' }
  /** Nothing to do. */
  | { readonly action: 'ignore'; readonly reason: SkipReason };

/**
 * Maps a pod event to an action. `observed` covers add, update and relist; `deleted` the
 * delete event (tombstones included, with their last known facts). A finished or deleted pod
 * is released only if it could have had a workflow (pod network, annotation, scheduled), which
 * keeps the common non-InfiniBand pod from costing a signal; the reconcile schedule catches a
 * pod whose annotation was removed after it was configured. A finished pod is released on
 * every event and again when deleted: the signal must be idempotent.
 */
export function podPhaseAction(pod: PodFacts, event: 'observed' | 'deleted'): PodAction {
  const reason = skipReason(pod, false);
  if (reason !== undefined) return { action: 'ignore', reason };
  if (event === 'deleted') return { action: 'release', reason: 'deleted' };
  return isPodFinished(pod.phase) ? { action: 'release', reason: 'finished' } : { action: 'ensure' };
}

function skipReason(pod: PodFacts, checkPhase: boolean): SkipReason | undefined {
  if (pod.hostNetwork === true) return 'host-network';
  if (checkPhase && isPodFinished(pod.phase)) return 'finished';
  if (typeof pod.networksAnnotation !== 'string' || pod.networksAnnotation === '') return 'no-networks-annotation';
  if (!pod.nodeName) return 'not-scheduled';
  return undefined;
}
