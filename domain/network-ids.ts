/**
 * Identifiers derived from network-selection elements, byte-for-byte as upstream builds them
 * (`pkg/utils/utils.go` `GenerateNetworkID`, `ParseNetworkID`, `GetPodNetworkInterfaceName`,
 * `GeneratePodNetworkInterfaceID`), so GUIDs recorded by upstream keep their owners after a
 * migration.
 */
import { NadConfigError } from './errors';

/**
 * The network id `<namespace>_<name>` that keys NAD lookups. Not validated here: Kubernetes
 * names cannot contain `_`, but a JSON-form element's `name` is free text, so an id made from
 * one may not split back; {@link splitNetworkId} rejects it.
 */
export function networkId(namespace: string, name: string): string {
  return `${namespace}_${name}`;
}

/**
 * Splits a network id into its namespace and NAD name.
 * @throws NadConfigError unless the id has exactly one `_` with a non-empty part on each side
 * (upstream only checks for two parts; an empty name, as `ib-net,` produces, can name no NAD,
 * and rejecting it here gives the pod a clear error instead of a failing API call).
 */
export function splitNetworkId(id: string): { namespace: string; name: string } {
  const parts = id.split('_');
  const [namespace, name] = parts;
  if (parts.length !== 2 || !namespace || !name) {
    throw new NadConfigError(id, 'network id must be <namespace>_<name> with one "_" and both parts non-empty');
  }
  return { namespace, name };
}

/**
 * The per-element interface key: the element's `interface` when set, else `idx_<N>` where N
 * counts the earlier elements with the same `name` (namespace ignored; elements with an
 * explicit interface count too), so add, delete and startup derive the same key. Example:
 * `[{a, ib0}, {a}, {b}, {a}]` gives `ib0`, `idx_1`, `idx_0`, `idx_2`. Like upstream, keys
 * can collide in odd annotations (an explicit interface named `idx_1`, or one interface
 * name used twice); callers that key ownership by them should treat a collision as bad input.
 */
export function interfaceKeys(
  elements: ReadonlyArray<{ readonly name: string; readonly interface?: string }>,
): string[] {
  const seen = new Map<string, number>();
  return elements.map((element) => {
    const earlier = seen.get(element.name) ?? 0;
    seen.set(element.name, earlier + 1);
    return element.interface ? element.interface : `idx_${earlier}`;
  });
}

/**
 * The GUID owner id of one pod interface: `<podUid>_<networkName>_<ifaceKey>`. The NAD
 * namespace is deliberately left out, exactly as upstream's daemon calls
 * `GeneratePodNetworkInterfaceID(pod, networkName, ifaceKey)`, so that interfaces configured
 * by upstream are recognised as the same owners after migrating. Nothing is lost: interface
 * keys already count same-name elements across namespaces (`x/a, y/a` gives `idx_0`, `idx_1`),
 * so the namespace would only separate elements that also request the same interface name,
 * a pod the CNI ADD refuses anyway.
 */
export function podNetworkInterfaceId(podUid: string, networkName: string, ifaceKey: string): string {
  return `${podUid}_${networkName}_${ifaceKey}`;
}
