/**
 * Every side effect of the workflows, as `createActivities(deps)` (temporalio/samples-typescript
 * `activities-dependency-injection`). Each activity is a thin adapter: domain values in, one kind of
 * external call (coalesced with other pods' in this worker), domain values out; errors classified
 * here into retryable failures and the non-retryable types the workflows branch on.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { PartitionConfig } from '../domain/config';
import type { GuidRange } from '../domain/guid-range';
import type { InterfaceAssignment } from '../domain/pod-plan';
import { parsePKey } from '../domain/pkey';
import type { PluginLogger, SubnetManagerError, SubnetManagerPlugin } from '../plugins/types';
import {
  entityTaskQueue,
  guidsReleasedSignal,
  pkeyFlushWorkflowId,
  removeGuidsSignal,
  type AllocationRequest,
  type AllocationResult,
  type PodRef,
  type PodStatus,
  type ReconcileReport,
  type RemovalItem,
  type WaitReason,
} from '../workflows/definitions';
import { Coalescer } from './coalescer';
import { PodEventRecorder } from './events';
import { KubeError, type KubeAccess } from './kube';
import { PKeyJoins } from './pkey-joins';
import { PodAnnotations, type ResolvedPod } from './pod-annotation';
import type { PoolClient } from './pool-client';
import { seedPoolShard } from './pool-seed';
import { reconcile } from './reconcile';

/** What the activities need; built once per worker process by `workers/`. */
export interface ActivityDeps {
  readonly client: Client;
  readonly taskQueue: string;
  readonly kube: KubeAccess;
  readonly plugin: SubnetManagerPlugin;
  readonly pool: PoolClient;
  readonly partitions: PartitionConfig;
  /** `MANAGED_RESOURCE_NAMES`: only NADs of these resources are ours (empty: all). */
  readonly managedResourceNames?: readonly string[];
  /** `DAEMON_PERIODIC_UPDATE` in ms, handed to the PKey flush entities. */
  readonly periodMs: number;
  readonly logger: PluginLogger;
  /** Told how many GUIDs each allocation handed out (for `ib_guid_allocations_total`). */
  readonly onGuidsAllocated?: (count: number) => void;
  /** Told what each reconcile fixed (for `ib_reconcile_fixes_total`). */
  readonly onReconciled?: (report: ReconcileReport) => void;
}

/** One pod's removals for one PKey, as the pod workflow hands them over. */
export interface HandOver {
  readonly podWorkflowId: string;
  readonly items: ReadonlyArray<{ readonly pkey: string; readonly owner: string; readonly guid: string }>;
}

/** Creates the activities, and the per-process coalescers behind them. */
export function createActivities(deps: ActivityDeps) {
  const pods = new PodAnnotations(deps.kube, deps.managedResourceNames);
  const joins = new PKeyJoins(deps.plugin);
  const events = new PodEventRecorder(deps.kube.core, deps.logger);
  const handOvers = new Coalescer<readonly RemovalItem[], void>(
    async (pkey, batch) => {
      await deps.client.workflow.signalWithStart('pkeyFlushWorkflow', {
        workflowId: pkeyFlushWorkflowId(pkey, deps.taskQueue),
        taskQueue: entityTaskQueue(deps.taskQueue),
        args: [{ pkey, periodMs: deps.periodMs }],
        signal: removeGuidsSignal,
        signalArgs: [batch.flat()],
      });
      return batch.map(() => undefined);
    },
    { maxBatch: 200 },
  );
  const signal = () => Context.current().cancellationSignal;

  return {
    /** Reads the pod and its NADs (`fresh`: bypassing the NAD cache) into a plan. Retryable on API failures. */
    async resolvePod(input: { pod: PodRef; fresh?: boolean }): Promise<ResolvedPod> {
      return retryableKube(() => pods.resolve(input.pod, input.fresh));
    },

    /** Allocates one GUID per request (coalesced into one Update per pool shard). */
    async allocateGuids(requests: readonly AllocationRequest[]): Promise<AllocationResult[]> {
      const results = await Promise.all(requests.map((r) => deps.pool.allocate(r, signal())));
      deps.onGuidsAllocated?.(results.filter((r) => r.ok).length);
      return results;
    },

    /**
     * Adds the pod's GUIDs to their PKeys (coalesced per PKey), then to the limited partition when
     * one is configured. A refusal for good is `SubnetManagerRejected` (non-retryable: the workflow
     * waits); anything else is retried. The limited join never fails the pod: its outcome is reported.
     */
    async joinPKeys(input: {
      joins: ReadonlyArray<{ pkey: string; guid: string }>;
    }): Promise<{ limited?: PodStatus['limited'] }> {
      const byPKey = new Map<string, string[]>();
      for (const { pkey, guid } of input.joins) byPKey.set(pkey, [...(byPKey.get(pkey) ?? []), guid]);
      const outcomes = await Promise.all([...byPKey].map(([pkey, guids]) => joins.join('full', pkey, guids, signal())));
      const failed = outcomes.find((o) => !o.ok);
      if (failed && !failed.ok) throw joinFailure(failed.error);
      const limitedPKey = deps.partitions.limitedPKey;
      const guids = input.joins.filter((j) => j.pkey !== limitedPKey).map((j) => j.guid);
      if (limitedPKey === undefined || guids.length === 0) return {};
      const limited = await joins.join('limited', limitedPKey, guids, signal());
      return {
        limited: limited.ok
          ? { pkey: limitedPKey, joined: true }
          : { pkey: limitedPKey, joined: false, error: limited.error.message },
      };
    },

    /** Writes GUIDs and the configured marker into the pod's annotation; posts the Configured Event. */
    async annotatePod(input: { pod: PodRef; assignments: readonly InterfaceAssignment[] }) {
      const outcome = await retryableKube(() => pods.annotate(input.pod, input.assignments));
      if (outcome === 'patched' || outcome === 'unchanged') {
        const what = input.assignments.map((a) => `${a.guid}${a.pkey ? ` in PKey ${a.pkey}` : ''}`).join(', ');
        events.record({
          pod: input.pod,
          type: 'Normal',
          reason: 'InfiniBandConfigured',
          message: `GUIDs allocated and joined: ${what}`,
        });
      }
      return outcome;
    },

    /** Posts (or aggregates) the Event saying why the pod waits. Never fails. */
    async reportWaiting(input: { pod: PodRef; reason: WaitReason; message: string }): Promise<void> {
      events.record({ pod: input.pod, type: 'Warning', reason: eventReason(input.reason), message: input.message });
    },

    /** Hands a pod's GUIDs to each PKey's flush entity (coalesced per PKey). */
    async handOverRemovals(input: HandOver): Promise<void> {
      const alsoFrom = deps.partitions.limitedPKey;
      const byPKey = new Map<string, RemovalItem[]>();
      for (const { pkey, owner, guid } of input.items) {
        const item: RemovalItem = {
          guid,
          owner,
          podWorkflowId: input.podWorkflowId,
          ...(alsoFrom !== undefined && alsoFrom !== pkey ? { alsoFrom: [alsoFrom] } : {}),
        };
        byPKey.set(pkey, [...(byPKey.get(pkey) ?? []), item]);
      }
      await Promise.all([...byPKey].map(([pkey, items]) => handOvers.submit(pkey, items)));
    },

    /** Returns GUIDs that never reached a PKey straight to the pool, by owner. */
    async releaseOwners(owners: readonly string[]): Promise<void> {
      await Promise.all(owners.map((owner) => deps.pool.release({ owner })));
      const uid = owners[0]?.split('_')[0];
      if (uid) pods.forget(uid);
    },

    /**
     * The flush of one PKey: GUIDs still held by their owners leave the PKey (and the limited
     * partition), then return to the pool, then their pods are told. A retry after a crash re-checks
     * ownership first, so a GUID already released and handed to another pod is never removed.
     */
    async flushRemovals(input: { pkey: string; items: readonly RemovalItem[] }): Promise<void> {
      return whileHeartbeating(() => flush(input));
    },

    /** Compares pods, pool and subnet manager and fixes what differs (see `reconcile.ts`). */
    async reconcile(): Promise<ReconcileReport> {
      const workflowId = Context.current().info.workflowExecution?.workflowId ?? 'reconcile';
      const report = await whileHeartbeating(() =>
        reconcile({
          client: deps.client,
          taskQueue: deps.taskQueue,
          kube: deps.kube,
          plugin: deps.plugin,
          pool: deps.pool,
          range: deps.pool.range,
          periodMs: deps.periodMs,
          events,
          logger: deps.logger,
          workflowId,
        }),
      );
      deps.onReconciled?.(report);
      return report;
    },

    /** Rebuilds a pool shard from pods and the subnet manager (see `pool-seed.ts`). */
    async seedPoolShard(range: GuidRange) {
      const { state, report } = await whileHeartbeating(() =>
        retryableKube(() => seedPoolShard(range, deps.kube, deps.plugin)),
      );
      deps.logger.info('rebuilt a GUID pool shard', { range: `${range.start}-${range.end}`, ...report });
      return state;
    },
  };

  async function flush(input: { pkey: string; items: readonly RemovalItem[] }): Promise<void> {
    const held = await deps.pool.held(input.items);
    const toRemove = input.items.filter((_, i) => held[i]);
    await removeFromSubnetManager(deps.plugin, input.pkey, toRemove);
    await Promise.all(toRemove.map((item) => deps.pool.release({ owner: item.owner, guid: item.guid })));
    const byPod = new Map<string, string[]>();
    for (const item of input.items)
      byPod.set(item.podWorkflowId, [...(byPod.get(item.podWorkflowId) ?? []), item.owner]);
    await Promise.all(
      [...byPod].map(([workflowId, owners]) =>
        deps.client.workflow
          .getHandle(workflowId)
          .signal(guidsReleasedSignal, { pkey: input.pkey, owners })
          .catch((error: unknown) => {
            // A pod workflow that already ended needs no notice.
            if ((error as { name?: string }).name !== 'WorkflowNotFoundError') throw error;
          }),
      ),
    );
  }
}

/** How often the long activities heartbeat; their `heartbeatTimeout` is a few times this. */
export const HEARTBEAT_EVERY_MS = 2_000;

/**
 * Runs `work` while telling Temporal the worker is alive, so a worker killed mid-flush or mid-rebuild
 * has its activity retried elsewhere within the heartbeat timeout, not the 2-minute start-to-close.
 */
async function whileHeartbeating<T>(work: () => Promise<T>): Promise<T> {
  const context = Context.current();
  const timer = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

async function removeFromSubnetManager(plugin: SubnetManagerPlugin, pkey: string, items: readonly RemovalItem[]) {
  if (items.length === 0) return;
  const byPartition = new Map<string, string[]>([[pkey, items.map((i) => i.guid)]]);
  for (const item of items) {
    for (const other of item.alsoFrom ?? []) byPartition.set(other, [...(byPartition.get(other) ?? []), item.guid]);
  }
  for (const [partition, guids] of byPartition) {
    try {
      await plugin.removeGuidsFromPKey(parsePKey(partition), guids);
    } catch (error) {
      // Every subnet-manager failure is retried here, even "unauthorized": the GUIDs must leave the
      // PKey before they return to the pool, so the flush waits for the operator to fix it.
      const message = error instanceof Error ? error.message : 'unknown failure';
      throw ApplicationFailure.create({ type: 'SubnetManagerUnavailable', message, nonRetryable: false });
    }
  }
}

function joinFailure(error: SubnetManagerError): ApplicationFailure {
  const { code, retryable, message } = error;
  return ApplicationFailure.create({
    type: retryable ? 'SubnetManagerUnavailable' : 'SubnetManagerRejected',
    message,
    nonRetryable: !retryable,
    details: [{ code }],
    ...(error.retryAfterMs ? { nextRetryDelay: error.retryAfterMs } : {}),
  });
}

async function retryableKube<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof KubeError) {
      throw ApplicationFailure.create({ type: 'KubernetesApiError', message: error.message, nonRetryable: false });
    }
    throw error;
  }
}

const EVENT_REASONS: Record<WaitReason, string> = {
  'annotation-invalid': 'InvalidNetworkAnnotation',
  'nad-missing': 'NetworkAttachmentDefinitionMissing',
  'nad-invalid': 'InvalidNetworkAttachmentDefinition',
  'pkey-invalid': 'InvalidPKey',
  'guid-invalid': 'InvalidGuid',
  'guid-out-of-range': 'GuidOutOfRange',
  'guid-taken': 'GuidTaken',
  'pool-exhausted': 'GuidPoolExhausted',
  'interface-collision': 'InterfaceCollision',
  'subnet-manager-rejected': 'SubnetManagerRejected',
  'step-failed': 'InfiniBandSetupFailed',
};

function eventReason(reason: WaitReason): string {
  return EVENT_REASONS[reason];
}
