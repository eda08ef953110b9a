/**
 * Wraps a user plugin so callers can rely on the interface whatever the plugin does: inputs are
 * validated and normalised before it sees them, anything it throws becomes a
 * {@link SubnetManagerError}, and its listing is parsed as defensively as UFM's.
 */
import { formatGuid, parseUfmGuid } from '../domain/guid';
import { validateInput } from './input';
import {
  isRetryableCode,
  SubnetManagerError,
  type CallOptions,
  type GuidsByPKey,
  type PluginLogger,
  type SubnetManagerErrorCode,
  type SubnetManagerPlugin,
} from './types';
import { parsePKeyListing } from './ufm/parse';
import { describeValue } from '../domain/errors';

/** Returns a guarded view of `plugin` with the same name and spec version. Throws nothing. */
export function guardPlugin(plugin: SubnetManagerPlugin, logger: PluginLogger): SubnetManagerPlugin {
  const name = plugin.name;
  const run = async <T>(operation: string, call: () => Promise<T> | T): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      throw toSubnetManagerError(name, operation, error);
    }
  };
  const canonical = (operation: string, pkey: number, guids: readonly string[]) =>
    validateInput(operation, pkey, guids).map((g) => formatGuid(parseUfmGuid(g)));
  const limited = plugin.addGuidsToLimitedPKey?.bind(plugin);
  return {
    name,
    specVersion: plugin.specVersion,
    validate: (options?: CallOptions) => run('validate', () => plugin.validate(options)),
    addGuidsToPKey: async (pkey, guids, options?: CallOptions) => {
      const list = canonical('addGuidsToPKey', pkey, guids);
      await run('addGuidsToPKey', () => plugin.addGuidsToPKey(pkey, list, options));
    },
    ...(limited && {
      addGuidsToLimitedPKey: async (pkey: number, guids: readonly string[], options?: CallOptions) => {
        const list = canonical('addGuidsToLimitedPKey', pkey, guids);
        await run('addGuidsToLimitedPKey', () => limited(pkey, list, options));
      },
    }),
    removeGuidsFromPKey: async (pkey, guids, options?: CallOptions) => {
      const list = canonical('removeGuidsFromPKey', pkey, guids);
      await run('removeGuidsFromPKey', () => plugin.removeGuidsFromPKey(pkey, list, options));
    },
    listGuidsInUse: async (options?: CallOptions): Promise<GuidsByPKey> => {
      const result: unknown = await run('listGuidsInUse', () => plugin.listGuidsInUse(options));
      if (typeof result !== 'object' || result === null || Array.isArray(result)) {
        throw new SubnetManagerError('bad-response', `plugin ${name} listGuidsInUse returned no object`, {
          operation: 'listGuidsInUse',
        });
      }
      // Each value is a list of GUID strings; parsePKeyListing reads `{guids: [...]}` entries.
      const shaped = Object.fromEntries(Object.entries(result).map(([k, v]) => [k, { guids: v }]));
      const listing = parsePKeyListing(shaped);
      if (listing.skipped.length > 0) {
        logger.warn('plugin listed entries that are not understood; they are skipped', {
          plugin: name,
          count: listing.skipped.length,
          samples: listing.skipped.slice(0, 5),
        });
      }
      return listing.guids;
    },
    close: async () => {
      if (plugin.close) await run('close', () => plugin.close?.());
    },
  };
}

const CODES = new Set<string>([
  'invalid-input',
  'network',
  'timeout',
  'canceled',
  'tls',
  'unauthorized',
  'bad-request',
  'not-found',
  'conflict',
  'http-429',
  'http-5xx',
  'bad-response',
  'response-too-large',
  'plugin-error',
]);

/**
 * Converts whatever a plugin threw. A {@link SubnetManagerError}, or an object that looks like one
 * (it may come from another copy of this module), keeps its code; anything else is `plugin-error`,
 * retryable unless it carries `retryable: false`. Only the message survives, clipped. Throws nothing.
 */
export function toSubnetManagerError(plugin: string, operation: string, error: unknown): SubnetManagerError {
  if (error instanceof SubnetManagerError) return error;
  const record = typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : {};
  const rawMessage = typeof record.message === 'string' ? record.message : describeValue(error);
  const message = rawMessage.length > 300 ? `${rawMessage.slice(0, 300)}…` : rawMessage;
  const code =
    typeof record.code === 'string' && CODES.has(record.code) ? (record.code as SubnetManagerErrorCode) : undefined;
  const retryable = typeof record.retryable === 'boolean' ? record.retryable : undefined;
  const status = typeof record.status === 'number' ? record.status : undefined;
  return new SubnetManagerError(code ?? 'plugin-error', `plugin ${plugin} ${operation} failed: ${message}`, {
    operation,
    retryable: retryable ?? isRetryableCode(code ?? 'plugin-error'),
    ...(status === undefined ? {} : { status }),
  });
}
