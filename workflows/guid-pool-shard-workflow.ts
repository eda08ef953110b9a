/**
 * One shard of the GUID pool: a long-lived entity holding the allocation state of a slice of the
 * configured range (`splitGuidRange`), so no execution carries a large state or a hot spot.
 *
 * - A first start (no state carried) rebuilds the shard from the pods' annotations and the subnet
 *   manager's listing (`seedPoolShard`) before it answers anything: a requested GUID can never be
 *   taken from a running pod that has not re-registered yet.
 * - Allocation and release are Updates answered at once, batched by the worker's coalescer
 *   (reference/temporal-notes.md §10): two events per batch, far below the 10-in-flight cap.
 *   Validators refuse malformed batches before they reach history.
 * - Idempotent per owner, in the state itself, so a retried batch (a worker crash between the
 *   Update and its caller) and continue-as-new lose nothing.
 */
import * as wf from '@temporalio/workflow';
import {
  GuidOutOfRangeError,
  GuidTakenError,
  InvalidGuidError,
  OwnerHoldsOtherGuidError,
  PoolExhaustedError,
} from '../domain/errors';
import { GuidPool } from '../domain/guid-pool';
import type * as activities from '../activities';
import {
  allocateGuidsUpdate,
  guidsHeldQuery,
  MAX_BATCH,
  poolOwnedQuery,
  poolShardStatsQuery,
  releaseGuidsUpdate,
  type AllocationRequest,
  type AllocationResult,
  type GuidPoolShardInput,
  type ReleaseRequest,
} from './definitions';

const { seedPoolShard } = wf.proxyActivities<ReturnType<typeof activities.createActivities>>({
  startToCloseTimeout: '2 minutes',
  // The activity heartbeats every 2 s: a dead worker's attempt is retried elsewhere within 10 s.
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

/** Continue-as-new well before the 4k-event suggestion, so a run's replay stays short. */
const MAX_EVENTS_PER_RUN = 2000;

/** The shard entity; runs until terminated, continuing as new with its state. */
export async function guidPoolShardWorkflow(input: GuidPoolShardInput): Promise<never> {
  let pool: GuidPool | undefined = input.state ? GuidPool.fromState(input.state) : undefined;

  wf.setHandler(
    allocateGuidsUpdate,
    async (requests) => {
      await wf.condition(() => pool !== undefined);
      return requests.map((request) => allocateOne(pool!, request));
    },
    { validator: (requests) => checkBatch(requests) },
  );
  wf.setHandler(
    releaseGuidsUpdate,
    async (requests) => {
      await wf.condition(() => pool !== undefined);
      return requests.map(({ owner, guid }) =>
        guid === undefined ? pool!.releaseOwner(owner).released : pool!.releaseGuid(guid, owner).released,
      );
    },
    { validator: (requests) => checkBatch(requests) },
  );
  wf.setHandler(guidsHeldQuery, (requests) =>
    requests.map(({ owner, guid }) => {
      try {
        return guid === undefined ? pool?.guidOf(owner) !== undefined : pool?.ownerOf(guid) === owner;
      } catch {
        return false;
      }
    }),
  );
  wf.setHandler(poolOwnedQuery, () => pool?.listOwned() ?? []);
  wf.setHandler(poolShardStatsQuery, () => {
    const state = pool?.toState();
    const stats = pool?.stats();
    return {
      range: input.range,
      ready: pool !== undefined,
      inUse: stats?.used ?? '0',
      owned: stats?.owned ?? 0,
      stateBytes: state ? JSON.stringify(state).length : 0,
      runs: state ? state.held.split(',').filter(Boolean).length : 0,
    };
  });

  if (!pool) {
    const summary = `rebuild the shard ${input.range.start}-${input.range.end} from pods and the subnet manager`;
    pool = GuidPool.fromState(await seedPoolShard.executeWithOptions({ summary }, [input.range]));
  }
  await wf.condition(
    () => wf.workflowInfo().continueAsNewSuggested || wf.workflowInfo().historyLength > MAX_EVENTS_PER_RUN,
  );
  await wf.condition(wf.allHandlersFinished);
  return wf.continueAsNew<typeof guidPoolShardWorkflow>({ range: input.range, state: pool.toState() });
}

function allocateOne(pool: GuidPool, request: AllocationRequest): AllocationResult {
  try {
    const { guid } =
      request.guid === undefined ? pool.allocate(request.owner) : pool.allocateRequested(request.owner, request.guid);
    return { ok: true, guid };
  } catch (error) {
    // Expected outcomes are results, so one pod's bad request never fails the batch of others.
    if (error instanceof PoolExhaustedError) return refuse('pool-exhausted', error);
    if (error instanceof GuidTakenError) return refuse('guid-taken', error);
    if (error instanceof GuidOutOfRangeError) return refuse('guid-out-of-range', error);
    if (error instanceof InvalidGuidError) return refuse('guid-invalid', error);
    if (error instanceof OwnerHoldsOtherGuidError) return refuse('owner-conflict', error);
    throw error;
  }
}

function refuse(reason: Extract<AllocationResult, { ok: false }>['reason'], error: Error): AllocationResult {
  return { ok: false, reason, message: error.message };
}

function checkBatch(requests: readonly (AllocationRequest | ReleaseRequest)[]): void {
  if (!Array.isArray(requests) || requests.length === 0 || requests.length > MAX_BATCH) {
    throw new Error(`a batch holds 1 to ${MAX_BATCH} requests`);
  }
  for (const request of requests) {
    const { owner, guid } = (request ?? {}) as { owner?: unknown; guid?: unknown };
    if (typeof owner !== 'string' || owner === '' || owner.length > 512)
      throw new Error('owner must be a short non-empty string');
    if (guid !== undefined && typeof guid !== 'string') {
      throw new Error('guid must be a string');
    }
  }
}
