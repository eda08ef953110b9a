/**
 * NetworkAttachmentDefinitions: is a network InfiniBand SR-IOV, and with which PKey? Mirrors
 * upstream `daemon.getIbSriovNetwork` and `utils.GetIbSriovCniFromNetwork`: `spec.config` is
 * decoded to a map, a top-level `type` of exactly `ib-sriov` selects the whole config, else
 * the first `ib-sriov` entry of `plugins`.
 */
import { IB_SRIOV_CNI_TYPE, INFINIBAND_GUID_CAPABILITY } from './annotations';
import { NadConfigError, NotIbSriovError } from './errors';
import { JsonSyntaxError, foldKey, isJsonObject, parseJsonText, toJsonValue } from './json-text';
import type { JsonObject, JsonValue } from './json-text';
import { normalizePKey } from './pkey';
import type { PKeyString } from './pkey';

export { networkId, splitNetworkId } from './network-ids';

/** What the controller needs to know about an InfiniBand SR-IOV network. */
export interface IbSriovNetwork {
  /** `<namespace>_<name>` of the NAD. */
  readonly networkId: string;
  /** Canonical PKey (`0x5`), or null when the plugin has none (then no subnet-manager call). */
  readonly pkey: PKeyString | null;
  /** The plugin's `pkey` exactly as written; `""` when missing or null. */
  readonly rawPkey: string;
  /** The plugin declares `capabilities.infinibandGUID: true`: write the GUID to `infiniband-guid`. */
  readonly useInfinibandGuidField: boolean;
}

interface IbSriovSpec {
  type: string;
  pkey: string;
  capabilities: Record<string, boolean> | undefined;
}

/**
 * Reads the ib-sriov plugin of a NAD's `spec.config`.
 * @param config the NAD's `spec.config`, which must be a JSON string holding an object.
 * @throws NadConfigError when `config` is not a string, not JSON, not an object, when
 * `plugins` is not a list or holds a non-object, or when the ib-sriov spec (or, as in Go, any
 * plugin) has a `type` or `pkey` that is not a string or `capabilities` that are not booleans.
 * @throws NotIbSriovError when the config is well-formed but selects no ib-sriov plugin.
 * @throws InvalidPKeyError when the plugin's non-empty `pkey` is not a valid PKey.
 */
export function parseIbSriovNetwork(networkId: string, config: unknown): IbSriovNetwork {
  if (typeof config !== 'string') throw new NadConfigError(networkId, 'spec.config must be a JSON string');
  let top: JsonValue;
  try {
    top = toJsonValue(parseJsonText(config));
  } catch (error) {
    if (error instanceof JsonSyntaxError)
      throw new NadConfigError(networkId, `spec.config is not JSON: ${error.message}`);
    throw error;
  }
  if (!isJsonObject(top)) throw new NadConfigError(networkId, 'spec.config must be a JSON object');

  const spec =
    top.type === IB_SRIOV_CNI_TYPE && Object.hasOwn(top, 'type')
      ? decodeSpec(networkId, top)
      : fromPlugins(networkId, top);
  return {
    networkId,
    pkey: spec.pkey === '' ? null : normalizePKey(spec.pkey),
    rawPkey: spec.pkey,
    useInfinibandGuidField:
      spec.capabilities !== undefined &&
      Object.hasOwn(spec.capabilities, INFINIBAND_GUID_CAPABILITY) &&
      spec.capabilities[INFINIBAND_GUID_CAPABILITY] === true,
  };
}

function fromPlugins(networkId: string, top: JsonObject): IbSriovSpec {
  if (!Object.hasOwn(top, 'plugins')) {
    throw new NotIbSriovError(
      networkId,
      `type ${JSON.stringify(top.type ?? null)} is not ${IB_SRIOV_CNI_TYPE} and there is no "plugins" list`,
    );
  }
  const plugins = top.plugins ?? [];
  if (!Array.isArray(plugins)) throw new NadConfigError(networkId, '"plugins" must be a list');
  // Go decodes the whole list before looking for ib-sriov, so a bad plugin anywhere fails.
  const specs = plugins.map((plugin, index) => {
    if (!isJsonObject(plugin)) throw new NadConfigError(networkId, `plugins[${index}] must be an object`);
    return decodeSpec(networkId, plugin, `plugins[${index}].`);
  });
  const found = specs.find((spec) => spec.type === IB_SRIOV_CNI_TYPE);
  if (found === undefined) throw new NotIbSriovError(networkId, `no plugin of type ${IB_SRIOV_CNI_TYPE}`);
  return found;
}

/**
 * Decodes `{type, pkey, capabilities}` as Go does after re-marshalling a map: keys in sorted
 * order, matched case-insensitively, a null string leaving the value unchanged, a second
 * `capabilities` object merged into the first and null values in it read as false.
 */
function decodeSpec(networkId: string, object: JsonObject, where = ''): IbSriovSpec {
  const spec: IbSriovSpec = { type: '', pkey: '', capabilities: undefined };
  for (const key of Object.keys(object).sort()) {
    const value = object[key] ?? null;
    const field = foldKey(key);
    const at = `${where}${key}`;
    if (field === 'type' || field === 'pkey') {
      if (value === null) continue;
      if (typeof value !== 'string') throw new NadConfigError(networkId, `${at} must be a string`);
      spec[field] = value;
    } else if (field === 'capabilities') {
      if (value === null) {
        spec.capabilities = undefined;
        continue;
      }
      if (!isJsonObject(value)) throw new NadConfigError(networkId, `${at} must be an object of booleans`);
      const merged: Array<[string, boolean]> = Object.entries(spec.capabilities ?? {});
      for (const [name, enabled] of Object.entries(value)) {
        if (enabled !== null && typeof enabled !== 'boolean') {
          throw new NadConfigError(networkId, `${at}.${name} must be a boolean`);
        }
        merged.push([name, enabled === true]);
      }
      spec.capabilities = Object.fromEntries(merged);
    }
  }
  return spec;
}
