/**
 * Coalesced subnet-manager adds: concurrent pods joining the same PKey become one plugin call, at
 * most one in flight per PKey in this worker, each call taking all that queued meanwhile. A batch
 * the subnet manager refuses for good is split into one call per pod, so one pod's bad GUID fails
 * that pod alone.
 */
import { parsePKey } from '../domain/pkey';
import { SubnetManagerError, type SubnetManagerPlugin } from '../plugins/types';
import { Coalescer } from './coalescer';

/** The outcome of one pod's join of one PKey. */
export type JoinOutcome = { readonly ok: true } | { readonly ok: false; readonly error: SubnetManagerError };

type Membership = 'full' | 'limited';

/** Joins for one worker process. */
export class PKeyJoins {
  readonly #lanes: Record<Membership, Coalescer<readonly string[], JoinOutcome>>;

  constructor(private readonly plugin: SubnetManagerPlugin) {
    const lane = (membership: Membership) =>
      new Coalescer<readonly string[], JoinOutcome>((pkey, batch) => this.#send(membership, pkey, batch), {
        maxBatch: 500,
      });
    this.#lanes = { full: lane('full'), limited: lane('limited') };
  }

  /** Subnet-manager add calls made, by membership. */
  get calls(): Record<Membership, number> {
    return { full: this.#lanes.full.stats.calls, limited: this.#lanes.limited.stats.calls };
  }

  /** Adds one pod's `guids` to `pkey` (canonical) as full or limited members. Throws nothing. */
  join(membership: Membership, pkey: string, guids: readonly string[], signal?: AbortSignal): Promise<JoinOutcome> {
    return this.#lanes[membership].submit(pkey, guids, signal);
  }

  async #send(membership: Membership, pkey: string, batch: readonly (readonly string[])[]): Promise<JoinOutcome[]> {
    const all = [...new Set(batch.flat())];
    const outcome = await this.#add(membership, pkey, all);
    if (outcome.ok || outcome.error.retryable || batch.length === 1) return batch.map(() => outcome);
    // Refused for good: find whose GUIDs, one pod at a time (still one call in flight).
    const outcomes: JoinOutcome[] = [];
    for (const guids of batch) outcomes.push(await this.#add(membership, pkey, guids));
    return outcomes;
  }

  async #add(membership: Membership, pkey: string, guids: readonly string[]): Promise<JoinOutcome> {
    try {
      const partition = parsePKey(pkey);
      if (membership === 'full') await this.plugin.addGuidsToPKey(partition, guids);
      else if (this.plugin.addGuidsToLimitedPKey) await this.plugin.addGuidsToLimitedPKey(partition, guids);
      else
        throw new SubnetManagerError('plugin-error', `plugin ${this.plugin.name} cannot add limited members`, {
          retryable: false,
        });
      return { ok: true };
    } catch (error) {
      const failure =
        error instanceof SubnetManagerError
          ? error
          : new SubnetManagerError('plugin-error', error instanceof Error ? error.message : 'unknown failure');
      return { ok: false, error: failure };
    }
  }
}
