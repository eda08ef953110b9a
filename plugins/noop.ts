/**
 * The `noop` subnet-manager plugin (upstream `pkg/sm/plugins/noop/noop.go`): every call succeeds
 * without touching a fabric, for clusters whose partitions are managed elsewhere and for tests.
 *
 * Unlike upstream, whose `ListGuidsInUse` is always empty, it remembers adds and removes in memory so
 * `listGuidsInUse` reflects them; the memory is per process and lost on restart, so with several
 * workers each lists only what it was asked to do — it can never make a GUID look free that a pod
 * holds, since the pool is rebuilt from pod annotations as well. Inputs are validated as the ufm
 * plugin does, so a bad PKey or GUID fails the same way whichever plugin is configured.
 */
import { formatGuid, parseUfmGuid, type GuidString } from '../domain/guid';
import { formatPKey } from '../domain/pkey';
import { validateInput } from './input';
import type { CallOptions, GuidsByPKey, PluginLogger, SubnetManagerPlugin } from './types';

/** The no-op plugin. */
export class NoopPlugin implements SubnetManagerPlugin {
  readonly name = 'noop';
  readonly specVersion = '1.0';
  readonly #members = new Map<number, Set<string>>();
  readonly #logger: PluginLogger;

  /** Throws nothing. */
  constructor(deps: { logger: PluginLogger }) {
    this.#logger = deps.logger;
  }

  /** Always succeeds. */
  async validate(_options?: CallOptions): Promise<void> {
    this.#logger.info('noop subnet-manager plugin: no fabric is configured');
  }

  /** Records the GUIDs as members. @throws SubnetManagerError `invalid-input` for a bad PKey or GUID. */
  async addGuidsToPKey(pkey: number, guids: readonly GuidString[], _options?: CallOptions): Promise<void> {
    const ufmGuids = validateInput('addGuidsToPKey', pkey, guids);
    if (ufmGuids.length === 0) return;
    const set = this.#members.get(pkey) ?? new Set<string>();
    for (const guid of ufmGuids) set.add(guid);
    this.#members.set(pkey, set);
    this.#logger.debug('noop: added GUIDs to PKey', { pkey: formatPKey(pkey), count: ufmGuids.length });
  }

  /** Forgets the GUIDs; non-members are ignored. @throws SubnetManagerError `invalid-input`. */
  async removeGuidsFromPKey(pkey: number, guids: readonly GuidString[], _options?: CallOptions): Promise<void> {
    const ufmGuids = validateInput('removeGuidsFromPKey', pkey, guids);
    const set = this.#members.get(pkey);
    if (!set) return;
    for (const guid of ufmGuids) set.delete(guid);
    // As UFM does: removing the last member deletes the partition.
    if (set.size === 0) this.#members.delete(pkey);
    this.#logger.debug('noop: removed GUIDs from PKey', { pkey: formatPKey(pkey), count: ufmGuids.length });
  }

  /** What this process added and did not remove, in canonical form. Throws nothing. */
  async listGuidsInUse(_options?: CallOptions): Promise<GuidsByPKey> {
    const result: GuidsByPKey = {};
    for (const pkey of [...this.#members.keys()].sort((a, b) => a - b)) {
      result[formatPKey(pkey)] = [...(this.#members.get(pkey) ?? [])].sort().map((g) => formatGuid(parseUfmGuid(g)));
    }
    return result;
  }

  /** Forgets everything. */
  async close(): Promise<void> {
    this.#members.clear();
  }
}
