/**
 * The `noop` subnet-manager plugin (upstream `pkg/sm/plugins/noop/noop.go`): every call succeeds
 * without touching a fabric, for clusters whose partitions are managed elsewhere and for tests.
 *
 * Like upstream's, `listGuidsInUse` lists nothing. A listing kept in one process's memory would be
 * wrong as soon as two workers run (each would see only its own calls, so phantom or missing members),
 * and the pool is rebuilt from pod annotations anyway. Inputs are validated as the ufm plugin does, so
 * a bad PKey or GUID fails the same way whichever plugin is configured.
 */
import type { GuidString } from '../domain/guid';
import { formatPKey } from '../domain/pkey';
import { validateInput } from './input';
import type { CallOptions, GuidsByPKey, PluginLogger, SubnetManagerPlugin } from './types';

/** The no-op plugin. */
export class NoopPlugin implements SubnetManagerPlugin {
  readonly name = 'noop';
  readonly specVersion = '1.0';
  readonly #logger: PluginLogger;

  /** Throws nothing. */
  constructor(deps: { logger: PluginLogger }) {
    this.#logger = deps.logger;
  }

  /** Always succeeds. */
  async validate(_options?: CallOptions): Promise<void> {
    this.#logger.info('noop subnet-manager plugin: no fabric is configured');
  }

  /** Succeeds without effect. @throws SubnetManagerError `invalid-input` for a bad PKey or GUID. */
  async addGuidsToPKey(pkey: number, guids: readonly GuidString[], _options?: CallOptions): Promise<void> {
    this.#accept('addGuidsToPKey', pkey, guids);
  }

  /** Succeeds without effect. @throws SubnetManagerError `invalid-input` for a bad PKey or GUID. */
  async addGuidsToLimitedPKey(pkey: number, guids: readonly GuidString[], _options?: CallOptions): Promise<void> {
    this.#accept('addGuidsToLimitedPKey', pkey, guids);
  }

  /** Succeeds without effect. @throws SubnetManagerError `invalid-input` for a bad PKey or GUID. */
  async removeGuidsFromPKey(pkey: number, guids: readonly GuidString[], _options?: CallOptions): Promise<void> {
    this.#accept('removeGuidsFromPKey', pkey, guids);
  }

  /** Nothing, as upstream: no fabric is known. Throws nothing. */
  async listGuidsInUse(_options?: CallOptions): Promise<GuidsByPKey> {
    return {};
  }

  #accept(operation: string, pkey: number, guids: readonly GuidString[]): void {
    const count = validateInput(operation, pkey, guids).length;
    if (count > 0) this.#logger.debug(`noop: ${operation}`, { pkey: formatPKey(pkey), count });
  }
}
