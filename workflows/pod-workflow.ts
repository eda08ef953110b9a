/**
 * The workflow of one pod (id `ib-pod-<uid>`), alive as long as the pod:
 * resolve its InfiniBand networks → allocate GUIDs → add them to their PKeys → patch the annotation
 * → `configured`, waiting for the pod to go → hand the GUIDs to each PKey's flush entity → done once
 * they left the PKeys and returned to the pool.
 *
 * Every step is a local activity that the worker coalesces with other pods' (one pool Update, one
 * subnet-manager call per PKey for a burst; reference/temporal-notes.md §10). Bad input or a busy
 * resource never fails the workflow: it waits, visibly (query, `IbStage`/`IbReason`, an Event on the
 * pod), and tries again when told (`podChangedSignal`, `nadChangedSignal`, `retrySignal`) or after a
 * backoff. "Pod gone" at any stage, and cancellation from the UI or CLI, undo exactly what was done.
 */
import * as wf from '@temporalio/workflow';
import type * as activities from '../activities';
import {
  guidsReleasedSignal,
  IbGuids,
  IbPKeys,
  IbReason,
  IbStage,
  nadChangedSignal,
  podChangedSignal,
  podGoneSignal,
  podStatusQuery,
  retrySignal,
  type PodGoneReason,
  type PodInterface,
  type PodRef,
  type PodStage,
  type PodStatus,
  type WaitReason,
} from './definitions';

type Activities = ReturnType<typeof activities.createActivities>;

/** Failure types the activities raise for outcomes retrying cannot fix. */
export const NON_RETRYABLE = ['SubnetManagerRejected'];

const fast = wf.proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  // Retries after a second go through a workflow timer: the task completes meanwhile, so the stage
  // is visible to queries and a "pod gone" signal is seen at once, not at the task's next heartbeat.
  localRetryThreshold: '1 second',
  retry: {
    initialInterval: '200ms',
    backoffCoefficient: 2,
    maximumInterval: '10 seconds',
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
});

/** Arguments of the pod workflow, also what continue-as-new carries. */
export interface PodWorkflowInput {
  readonly pod: PodRef;
  /** GUIDs that may be in PKeys (set once a join was attempted), from a previous run. */
  readonly held?: readonly Held[];
}

interface Held {
  readonly owner: string;
  readonly guid: string;
  readonly pkey: string | null;
}

/** How the workflow ended. */
export interface PodWorkflowResult {
  readonly outcome: 'released' | 'never-configured' | 'not-infiniband';
  readonly reason: PodGoneReason | 'cancelled';
  readonly guids: readonly string[];
}

const FIRST_RETRY_MS = 5_000;
const MAX_RETRY_MS = 5 * 60_000;
const MAX_EVENTS_PER_RUN = 2000;

/** The pod workflow. */
export async function podWorkflow(input: PodWorkflowInput): Promise<PodWorkflowResult> {
  const { pod } = input;
  let stage: PodStage = 'resolving';
  let reason: WaitReason | undefined;
  let lastError: string | undefined;
  let interfaces: PodInterface[] = [];
  let limited: PodStatus['limited'];
  let gone: PodGoneReason | undefined;
  let wake = 0;
  // Owner → GUID; `mayBeInPKey` once a join was attempted: from then on release goes through a flush.
  const held = new Map<string, Held>((input.held ?? []).map((h) => [h.owner, h]));
  let mayBeInPKey = held.size > 0;
  const released = new Set<string>();
  let attemptScope: wf.CancellationScope | undefined;

  wf.setHandler(podGoneSignal, (why) => {
    gone ??= why;
    attemptScope?.cancel();
  });
  // Told that something changed: the next attempt reads the NADs fresh.
  let fresh = false;
  const woken = () => {
    wake++;
    fresh = true;
  };
  wf.setHandler(podChangedSignal, woken);
  wf.setHandler(retrySignal, woken);
  wf.setHandler(nadChangedSignal, woken);
  wf.setHandler(guidsReleasedSignal, ({ owners }) => {
    for (const owner of owners) released.add(owner);
  });
  wf.setHandler(podStatusQuery, (): PodStatus => {
    const guids = interfaces.map((i) => ({ ...i, ...(held.get(i.owner) ? { guid: held.get(i.owner)!.guid } : {}) }));
    const pkeys = pkeysOf(interfaces);
    return {
      stage,
      ...(reason ? { reason } : {}),
      interfaces: guids,
      pkeys,
      ...(lastError ? { lastError } : {}),
      ...(limited ? { limited } : {}),
    };
  });

  let shownStage: string | undefined;
  const show = (next: PodStage, why?: WaitReason) => {
    stage = next;
    reason = why;
    if (shownStage === `${next}/${why ?? ''}`) return;
    shownStage = `${next}/${why ?? ''}`;
    const guids = [...held.values()].map((h) => h.guid);
    wf.upsertSearchAttributes([
      { key: IbStage, value: next },
      { key: IbReason, value: why ?? null },
      ...(next === 'configured'
        ? [
            { key: IbGuids, value: guids },
            { key: IbPKeys, value: pkeysOf(interfaces) },
          ]
        : []),
    ]);
  };

  /** One pass from resolve to configured; returns why it stopped short, or undefined when configured. */
  const attempt = async (): Promise<
    { reason: WaitReason | 'not-infiniband'; message: string } | 'gone' | undefined
  > => {
    stage = 'resolving';
    const plan = await fast.resolvePod.executeWithOptions(
      { summary: `read pod ${pod.namespace}/${pod.name} and its NADs` },
      [{ pod, ...(fresh ? { fresh } : {}) }],
    );
    fresh = false;
    if (plan.kind === 'gone') return 'gone';
    if (plan.kind === 'not-infiniband')
      return { reason: 'not-infiniband', message: 'no network of the pod is ib-sriov' };
    if (plan.kind === 'problem') return { reason: plan.problem, message: plan.message };
    interfaces = plan.interfaces.map(({ useInfinibandGuidField: _, ...i }) => i);

    stage = 'allocating';
    const requests = plan.interfaces.map((i) => ({ owner: i.owner, ...(i.guid ? { guid: i.guid } : {}) }));
    const allocations = await fast.allocateGuids.executeWithOptions(
      { summary: `allocate ${requests.length} GUID(s)` },
      [requests],
    );
    for (const [index, result] of allocations.entries()) {
      const planned = plan.interfaces[index]!;
      if (!result.ok)
        return { reason: result.reason === 'owner-conflict' ? 'guid-taken' : result.reason, message: result.message };
      held.set(planned.owner, { owner: planned.owner, guid: result.guid, pkey: planned.pkey });
    }

    stage = 'joining';
    const joins = plan.interfaces
      .filter((i) => i.pkey !== null)
      .map((i) => ({ pkey: i.pkey!, guid: held.get(i.owner)!.guid }));
    mayBeInPKey ||= joins.length > 0;
    const joined = await fast.joinPKeys.executeWithOptions(
      { summary: `add ${joins.map((j) => j.guid).join(', ')} to PKey ${pkeysOf(interfaces).join(', ')}` },
      [{ joins }],
    );
    limited = joined.limited;

    stage = 'annotating';
    const assignments = plan.interfaces.map((i) => ({
      owner: i.owner,
      guid: held.get(i.owner)!.guid,
      pkey: i.pkey ?? '',
      useInfinibandGuidField: i.useInfinibandGuidField,
    }));
    const patched = await fast.annotatePod.executeWithOptions({ summary: 'write the GUIDs into the pod annotation' }, [
      { pod, assignments },
    ]);
    if (patched === 'gone') return 'gone';
    if (patched === 'annotation-invalid')
      return { reason: 'annotation-invalid', message: 'the annotation changed and no longer parses' };
    return undefined;
  };

  let configured = false;
  let cancelled = false;
  let notInfiniband = false;
  try {
    configured = await configure();
    if (configured) {
      lastError = undefined;
      show('configured');
      await wf.condition(() => gone !== undefined);
    }
  } catch (error) {
    if (!wf.isCancellation(error)) throw error;
    cancelled = true;
  }

  const guids = [...held.values()].map((h) => h.guid);
  await wf.CancellationScope.nonCancellable(async () => {
    show('releasing');
    await releaseAll();
    stage = 'done';
  });
  if (cancelled) throw new wf.CancelledFailure('cancelled; the GUIDs left their PKeys and returned to the pool');
  return {
    outcome: configured ? 'released' : notInfiniband ? 'not-infiniband' : 'never-configured',
    reason: gone ?? 'deleted',
    guids,
  };

  /** Attempts until configured (true) or the pod is gone (false), waiting visibly in between. */
  async function configure(): Promise<boolean> {
    let delay = FIRST_RETRY_MS;
    while (gone === undefined) {
      const seen = wake;
      attemptScope = new wf.CancellationScope();
      let result: Awaited<ReturnType<typeof attempt>>;
      try {
        result = await attemptScope.run(attempt);
      } catch (error) {
        if (wf.isCancellation(error)) {
          if (gone !== undefined) return false;
          throw error;
        }
        // A step failed for good: the workflow must outlive it while the pod lives.
        result = failedStep(error);
      } finally {
        attemptScope = undefined;
      }
      if (result === undefined) return true;
      if (result === 'gone') {
        gone = 'replaced';
        return false;
      }
      lastError = result.message;
      notInfiniband = result.reason === 'not-infiniband';
      if (result.reason === 'not-infiniband') {
        show('not-infiniband');
        await wf.condition(() => wake !== seen || gone !== undefined);
        continue;
      }
      show('waiting', result.reason);
      await fast.reportWaiting({ pod, reason: result.reason, message: result.message });
      const told = await wf.condition(() => wake !== seen || gone !== undefined, delay);
      delay = told ? FIRST_RETRY_MS : Math.min(delay * 2, MAX_RETRY_MS);
      if (gone === undefined && wf.workflowInfo().historyLength > MAX_EVENTS_PER_RUN) {
        // A pod waiting for days: a fresh run carries only the GUIDs that may be in PKeys.
        await wf.continueAsNew<typeof podWorkflow>({ pod, held: mayBeInPKey ? [...held.values()] : [] });
      }
    }
    return false;
  }

  async function releaseAll(): Promise<void> {
    const owners = [...new Set([...interfaces.map((i) => i.owner), ...held.keys()])];
    if (owners.length === 0) return;
    const viaFlush = mayBeInPKey ? [...held.values()].filter((h) => h.pkey !== null) : [];
    if (viaFlush.length > 0) {
      await fast.handOverRemovals.executeWithOptions({ summary: `hand ${viaFlush.length} GUID(s) to the PKey flush` }, [
        {
          podWorkflowId: wf.workflowInfo().workflowId,
          items: viaFlush.map((h) => ({ pkey: h.pkey!, owner: h.owner, guid: h.guid })),
        },
      ]);
      await wf.condition(() => viaFlush.every((h) => released.has(h.owner)));
    }
    const flushed = new Set(viaFlush.map((h) => h.owner));
    const direct = owners.filter((owner) => !flushed.has(owner));
    if (direct.length > 0)
      await fast.releaseOwners.executeWithOptions({ summary: `return ${direct.length} GUID(s) to the pool` }, [direct]);
  }
}

/** The wait reason for a step that failed for good (the failure type the activity chose). */
function failedStep(error: unknown): { reason: WaitReason; message: string } {
  const failure = error instanceof wf.ActivityFailure && error.cause ? error.cause : error;
  const message = failure instanceof Error ? failure.message : String(failure);
  const type = failure instanceof wf.ApplicationFailure ? failure.type : undefined;
  return { reason: type === 'SubnetManagerRejected' ? 'subnet-manager-rejected' : 'step-failed', message };
}

function pkeysOf(interfaces: readonly PodInterface[]): string[] {
  return [...new Set(interfaces.flatMap((i) => (i.pkey ? [i.pkey] : [])))];
}
