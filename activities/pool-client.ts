/**
 * The worker's side of the GUID pool: which shard a request goes to, and the coalesced Updates
 * and queries on the shard entities. Shards are started on first use (update-with-start), so
 * nothing has to create them ahead of time.
 */
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import { findGuidShard, splitGuidRange, type GuidRange } from '../domain/guid-range';
import {
  allocateGuidsUpdate,
  entityTaskQueue,
  guidPoolShardWorkflowId,
  guidsHeldQuery,
  MAX_BATCH,
  poolOwnedQuery,
  releaseGuidsUpdate,
  type AllocationRequest,
  type AllocationResult,
  type ReleaseRequest,
} from '../workflows/definitions';
import { Coalescer } from './coalescer';

/** Told of every pool Update sent (for `ib_pool_updates_total`); must not throw. */
export type PoolUpdateObserver = (kind: 'allocate' | 'release', shard: number) => void;

/** Splits the range and routes requests; one per worker process. */
export class PoolClient {
  readonly shards: readonly GuidRange[];
  readonly #allocations: Coalescer<AllocationRequest, AllocationResult>;
  readonly #releases: Coalescer<ReleaseRequest, boolean>;
  /** Shards this process has seen running. */
  readonly #started = new Set<string>();

  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    readonly range: GuidRange,
    shardCount: number,
    private readonly onUpdate: PoolUpdateObserver = () => {},
  ) {
    this.shards = splitGuidRange(range, shardCount);
    this.#allocations = new Coalescer((shard, batch) => this.#update(shard, 'allocate', batch), {
      maxBatch: MAX_BATCH,
    });
    this.#releases = new Coalescer((shard, batch) => this.#update(shard, 'release', batch), { maxBatch: MAX_BATCH });
  }

  /** Pool Updates sent so far (allocation and release). */
  get updates(): { allocate: number; release: number } {
    return { allocate: this.#allocations.stats.calls, release: this.#releases.stats.calls };
  }

  /**
   * Allocates for one owner. A requested GUID goes to its shard; a fresh one to the owner's home
   * shard (a hash, so one pod's retries land on the same shard), then to the others in turn while
   * a shard is exhausted.
   */
  async allocate(request: AllocationRequest, signal?: AbortSignal): Promise<AllocationResult> {
    if (request.guid !== undefined) {
      let shard: number;
      try {
        shard = findGuidShard(this.range, this.shards.length, request.guid);
      } catch {
        return {
          ok: false,
          reason: 'guid-invalid',
          message: `requested GUID ${request.guid.slice(0, 40)} is not a GUID`,
        };
      }
      if (shard < 0) {
        return {
          ok: false,
          reason: 'guid-out-of-range',
          message: `requested GUID ${request.guid} is outside the pool ${this.range.start}-${this.range.end}`,
        };
      }
      return this.#allocations.submit(String(shard), request, signal);
    }
    const home = homeShard(request.owner, this.shards.length);
    let result: AllocationResult | undefined;
    for (let step = 0; step < this.shards.length; step++) {
      result = await this.#allocations.submit(String((home + step) % this.shards.length), request, signal);
      if (result.ok || result.reason !== 'pool-exhausted') return result;
    }
    return result!;
  }

  /** Frees `guid` if `owner` still holds it; without a GUID, whatever `owner` holds in any shard. */
  async release(request: ReleaseRequest): Promise<boolean> {
    if (request.guid !== undefined) {
      const shard = findGuidShard(this.range, this.shards.length, request.guid);
      return shard >= 0 && this.#releases.submit(String(shard), request);
    }
    const answers = await Promise.all(this.shards.map((_, i) => this.#releases.submit(String(i), request)));
    return answers.some(Boolean);
  }

  /** Whether each owner still holds its GUID; a shard that does not exist holds nothing. */
  async held(requests: readonly ReleaseRequest[]): Promise<boolean[]> {
    const byShard = new Map<number, number[]>();
    requests.forEach((r, i) => {
      const shard = r.guid === undefined ? -1 : findGuidShard(this.range, this.shards.length, r.guid);
      if (shard >= 0) byShard.set(shard, [...(byShard.get(shard) ?? []), i]);
    });
    const answer = requests.map(() => false);
    await Promise.all(
      [...byShard].map(async ([shard, indexes]) => {
        const handle = this.client.workflow.getHandle(guidPoolShardWorkflowId(this.shards[shard]!, this.taskQueue));
        const held = await handle
          .query(
            guidsHeldQuery,
            indexes.map((i) => requests[i]!),
          )
          .catch((error: unknown) => {
            if ((error as { name?: string }).name === 'WorkflowNotFoundError') return indexes.map(() => false);
            throw error;
          });
        indexes.forEach((index, k) => (answer[index] = held[k] ?? false));
      }),
    );
    return answer;
  }

  /** Every owner → GUID of every shard (a shard that does not exist holds nothing). */
  async owned(): Promise<Array<{ owner: string; guid: string }>> {
    const perShard = await Promise.all(
      this.shards.map((range) =>
        this.client.workflow
          .getHandle(guidPoolShardWorkflowId(range, this.taskQueue))
          .query(poolOwnedQuery)
          .catch((error: unknown) => {
            if ((error as { name?: string }).name === 'WorkflowNotFoundError') return [];
            throw error;
          }),
      ),
    );
    return perShard.flat();
  }

  async #update<K extends 'allocate' | 'release'>(
    shardKey: string,
    kind: K,
    batch: readonly (K extends 'allocate' ? AllocationRequest : ReleaseRequest)[],
  ): Promise<readonly (K extends 'allocate' ? AllocationResult : boolean)[]> {
    const range = this.shards[Number(shardKey)]!;
    this.onUpdate(kind, Number(shardKey));
    const update = kind === 'allocate' ? allocateGuidsUpdate : releaseGuidsUpdate;
    if (this.#started.has(shardKey)) {
      // Known to run: a plain Update is one RPC less than update-with-start.
      try {
        const handle = this.client.workflow.getHandle(guidPoolShardWorkflowId(range, this.taskQueue));
        return (await handle.executeUpdate(update as typeof allocateGuidsUpdate, {
          args: [batch as readonly AllocationRequest[]],
        })) as never;
      } catch (error) {
        if ((error as { name?: string }).name !== 'WorkflowNotFoundError') throw error;
        this.#started.delete(shardKey);
      }
    }
    const startWorkflowOperation = new WithStartWorkflowOperation('guidPoolShardWorkflow', {
      workflowId: guidPoolShardWorkflowId(range, this.taskQueue),
      taskQueue: entityTaskQueue(this.taskQueue),
      args: [{ range }],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    const result = await this.client.workflow.executeUpdateWithStart(update as typeof allocateGuidsUpdate, {
      args: [batch as readonly AllocationRequest[]],
      startWorkflowOperation,
    });
    this.#started.add(shardKey);
    return result as never;
  }
}

/** A stable shard for an owner: FNV-1a of its pod UID part. */
function homeShard(owner: string, shards: number): number {
  const uid = owner.split('_')[0] ?? owner;
  let hash = 0x811c9dc5;
  for (let i = 0; i < uid.length; i++) hash = Math.imul(hash ^ uid.charCodeAt(i), 0x01000193) >>> 0;
  return hash % shards;
}
