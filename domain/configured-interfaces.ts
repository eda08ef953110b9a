/**
 * The interfaces a pod's networks annotation says are configured: each one's owner (pod UID,
 * network, interface key), GUID and PKey, as our own patch wrote them. Read by the pool rebuild
 * (owners first) and the reconcile (memberships to check). Pure; an annotation that does not parse
 * configures nothing.
 */
import {
  getElementGuid,
  getElementPKey,
  interfaceKeys,
  isConfigured,
  parseNetworkSelection,
  podNetworkInterfaceId,
} from './network-selection';

/** One configured interface of a pod. */
export interface ConfiguredInterface {
  readonly podUid: string;
  readonly owner: string;
  readonly guid: string;
  /** The PKey written beside the GUID, or null when the NAD had none. */
  readonly pkey: string | null;
}

export function configuredInterfaces(uid: string, namespace: string, annotation: string): ConfiguredInterface[] {
  let elements;
  try {
    elements = parseNetworkSelection(annotation, namespace);
  } catch {
    return [];
  }
  const keys = interfaceKeys(elements);
  return elements.flatMap((element, i) => {
    const guid = isConfigured(element) ? getElementGuid(element) : undefined;
    if (!guid) return [];
    const pkey = getElementPKey(element);
    return [
      {
        podUid: uid,
        owner: podNetworkInterfaceId(uid, element.name, keys[i] ?? ''),
        guid,
        pkey: pkey ? pkey : null,
      },
    ];
  });
}
