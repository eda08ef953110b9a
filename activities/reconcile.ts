/**
 * The reconcile activity: gathers pods (their annotations), the pool (every shard's owners) and the
 * subnet manager's listing, lets `domain/reconcile-plan.ts` decide, and carries the plan out through
 * the same paths as a pod's own workflow: a GUID to free goes to its PKey's flush entity (which
 * re-checks ownership, removes, and only then releases), a missing membership is added back.
 */
import type { Client } from '@temporalio/client';
import { NETWORKS_ANNOTATION } from '../domain/annotations';
import { configuredInterfaces } from '../domain/configured-interfaces';
import type { GuidRange } from '../domain/guid-range';
import { parsePKey } from '../domain/pkey';
import { isPodFinished } from '../domain/pod-relevance';
import { planReconcile, type LiveInterface } from '../domain/reconcile-plan';
import type { PluginLogger, SubnetManagerPlugin } from '../plugins/types';
import {
  entityTaskQueue,
  pkeyFlushWorkflowId,
  podWorkflowId,
  removeGuidsSignal,
  type PodRef,
  type ReconcileReport,
} from '../workflows/definitions';
import type { PodEventRecorder } from './events';
import type { KubeAccess } from './kube';
import type { PoolClient } from './pool-client';

export interface ReconcileDeps {
  readonly client: Client;
  readonly taskQueue: string;
  readonly kube: KubeAccess;
  readonly plugin: SubnetManagerPlugin;
  readonly pool: PoolClient;
  readonly range: GuidRange;
  readonly periodMs: number;
  readonly events: PodEventRecorder;
  readonly logger: PluginLogger;
  /** The reconcile workflow's id: flushes tell it (nobody listens) instead of a pod workflow. */
  readonly workflowId: string;
}

const PAGE = 500;

export async function reconcile(deps: ReconcileDeps): Promise<ReconcileReport> {
  const { livePodUids, live, pods } = await readLivePods(deps.kube);
  const held = await deps.pool.owned();
  const listed = await deps.plugin.listGuidsInUse();
  const first = planReconcile({ range: deps.range, livePodUids, live, held, listed, runningWorkflows: new Set() });

  // A vanished pod whose workflow still runs is releasing its GUIDs itself: leave those alone.
  const candidates = [...new Set(first.free.map((f) => f.owner.split('_')[0]!))];
  const running = new Set<string>();
  await Promise.all(
    candidates.map(async (uid) => {
      if (await isRunning(deps.client, podWorkflowId(uid))) running.add(uid);
    }),
  );
  const plan = planReconcile({ range: deps.range, livePodUids, live, held, listed, runningWorkflows: running });

  // Re-join only for pods whose workflow on this task queue says configured: another instance's
  // pods are not ours to touch, and a pod that is releasing must not be re-added.
  const configured = await configuredPodWorkflows(deps.client, deps.taskQueue);
  const rejoined: Record<string, number> = {};
  let skipped = running.size;
  for (const { pkey, guids, podUids } of plan.rejoin) {
    const ours = podUids.filter((uid) => configured.has(uid));
    skipped += podUids.length - ours.length;
    const wanted = new Set(
      live.filter((i) => i.pkey === pkey && ours.includes(i.podUid)).map((i) => i.guid.toLowerCase()),
    );
    const keep = guids.filter((g) => wanted.has(g));
    if (keep.length === 0) continue;
    await deps.plugin.addGuidsToPKey(parsePKey(pkey), keep);
    rejoined[pkey] = keep.length;
    for (const uid of ours) {
      deps.events.record({
        pod: pods.get(uid)!,
        type: 'Warning',
        reason: 'InfiniBandRejoined',
        message: `reconcile found the pod's GUID missing from PKey ${pkey} and added it back`,
      });
    }
  }

  let viaFlush = 0;
  let direct = 0;
  for (const item of plan.free) {
    const [pkey, ...others] = item.listedIn;
    if (pkey === undefined) {
      if (await deps.pool.release({ owner: item.owner, guid: item.guid })) direct++;
      continue;
    }
    await deps.client.workflow.signalWithStart('pkeyFlushWorkflow', {
      workflowId: pkeyFlushWorkflowId(pkey, deps.taskQueue),
      taskQueue: entityTaskQueue(deps.taskQueue),
      args: [{ pkey, periodMs: deps.periodMs }],
      signal: removeGuidsSignal,
      signalArgs: [
        [
          {
            guid: item.guid,
            owner: item.owner,
            podWorkflowId: deps.workflowId,
            ...(others.length ? { alsoFrom: others } : {}),
          },
        ],
      ],
    });
    viaFlush++;
  }
  const report: ReconcileReport = {
    livePods: livePodUids.size,
    held: held.length,
    rejoined,
    freed: { viaFlush, direct },
    conflicts: plan.conflicts.length,
    skipped,
  };
  deps.logger.info('reconcile finished', { ...report, rejoined: JSON.stringify(rejoined) });
  return report;
}

async function readLivePods(kube: KubeAccess) {
  const livePodUids = new Set<string>();
  const live: LiveInterface[] = [];
  const pods = new Map<string, PodRef>();
  let token: string | undefined;
  do {
    const page = await kube.core.listPodForAllNamespaces({ limit: PAGE, ...(token ? { _continue: token } : {}) });
    for (const pod of page.items) {
      const uid = pod.metadata?.uid;
      const namespace = pod.metadata?.namespace ?? '';
      if (!uid || isPodFinished(pod.status?.phase)) continue;
      livePodUids.add(uid);
      pods.set(uid, { uid, namespace, name: pod.metadata?.name ?? '' });
      const annotation = pod.metadata?.annotations?.[NETWORKS_ANNOTATION];
      if (annotation && !pod.spec?.hostNetwork) live.push(...configuredInterfaces(uid, namespace, annotation));
    }
    token = page.metadata?._continue || undefined;
  } while (token);
  return { livePodUids, live, pods };
}

async function isRunning(client: Client, workflowId: string): Promise<boolean> {
  try {
    return (await client.workflow.getHandle(workflowId).describe()).status.name === 'RUNNING';
  } catch (error) {
    if ((error as { name?: string }).name === 'WorkflowNotFoundError') return false;
    throw error;
  }
}

/** UIDs of this task queue's running pod workflows whose stage is `configured` (a visibility query). */
async function configuredPodWorkflows(client: Client, taskQueue: string): Promise<Set<string>> {
  const query = `WorkflowType = 'podWorkflow' AND ExecutionStatus = 'Running' AND TaskQueue = '${taskQueue}' AND IbStage = 'configured'`;
  const uids = new Set<string>();
  const prefix = podWorkflowId('');
  for await (const execution of client.workflow.list({ query })) {
    if (execution.workflowId.startsWith(prefix)) uids.add(execution.workflowId.slice(prefix.length));
  }
  return uids;
}
