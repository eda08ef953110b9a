/**
 * What the watcher keeps of the objects it watches: a few fields of each pod ({@link PodFacts})
 * and one word about each NAD ({@link NadFacts}). Pure; tolerant of any shape, since these come
 * straight from the apiserver's JSON (a string `deletionTimestamp` from a watch, a `Date` from
 * the client's typed list).
 */
import {
  CONFIGURED_KEY,
  CONFIGURED_VALUE,
  GUID_ARG,
  INFINIBAND_GUID_KEY,
  NETWORKS_ANNOTATION,
  PKEY_ARG,
  RESOURCE_NAME_ANNOTATION,
} from './annotations';
import { NotIbSriovError } from './errors';
import { networkId, parseIbSriovNetwork } from './nad';
import { parseNetworkSelection, type NetworkSelectionElement } from './network-selection';
import type { PodFacts } from './pod-relevance';

/**
 * How the watcher sees a NAD: `ib` (ours: an ib-sriov network, including one with an invalid
 * PKey, so its pods show why they wait), `other` (another CNI, or a resource name we do not
 * manage), or `invalid` (a config that does not parse: its pods' workflows say so).
 * `fingerprint` changes whenever anything the pod workflows read changes.
 */
export interface NadFacts {
  readonly kind: 'ib' | 'other' | 'invalid';
  readonly fingerprint: string;
}

interface RawMeta {
  uid?: unknown;
  name?: unknown;
  namespace?: unknown;
  annotations?: Record<string, unknown> | null;
  deletionTimestamp?: unknown;
}

/** The UID of any Kubernetes object, or undefined when it has none. */
export function objectUid(object: unknown): string | undefined {
  const uid = (object as { metadata?: RawMeta } | null)?.metadata?.uid;
  return typeof uid === 'string' && uid !== '' ? uid : undefined;
}

/** The network id (`<namespace>_<name>`) of a NAD object, or undefined. */
export function nadNetworkId(object: unknown): string | undefined {
  const meta = (object as { metadata?: RawMeta } | null)?.metadata;
  if (typeof meta?.namespace !== 'string' || typeof meta.name !== 'string') return undefined;
  return networkId(meta.namespace, meta.name);
}

/** The pod fields relevance and the workflows need. */
export function podFactsOf(object: unknown): PodFacts {
  const pod = (object ?? {}) as {
    metadata?: RawMeta;
    spec?: { nodeName?: unknown; hostNetwork?: unknown };
    status?: { phase?: unknown };
  };
  const meta = pod.metadata ?? {};
  const annotation = meta.annotations?.[NETWORKS_ANNOTATION];
  const deletion = meta.deletionTimestamp;
  return {
    uid: text(meta.uid),
    namespace: text(meta.namespace),
    name: text(meta.name),
    ...(typeof pod.spec?.nodeName === 'string' && pod.spec.nodeName !== '' ? { nodeName: pod.spec.nodeName } : {}),
    ...(pod.spec?.hostNetwork === true ? { hostNetwork: true } : {}),
    ...(typeof pod.status?.phase === 'string' ? { phase: pod.status.phase } : {}),
    ...(typeof annotation === 'string' ? { networksAnnotation: annotation } : {}),
    ...(deletion instanceof Date
      ? { deletionTimestamp: deletion.toISOString() }
      : typeof deletion === 'string'
        ? { deletionTimestamp: deletion }
        : {}),
  };
}

/**
 * Classifies a NAD. With `managedResourceNames` non-empty, only NADs whose resource name is
 * listed can be `ib`; everything else is `other`.
 */
export function nadFactsOf(object: unknown, managedResourceNames: readonly string[]): NadFacts {
  const nad = (object ?? {}) as { metadata?: RawMeta; spec?: { config?: unknown } };
  const resourceName = nad.metadata?.annotations?.[RESOURCE_NAME_ANNOTATION];
  const config = nad.spec?.config;
  const fingerprint = `${typeof resourceName === 'string' ? resourceName : ''}\n${typeof config === 'string' ? config : JSON.stringify(config ?? null)}`;
  if (
    managedResourceNames.length > 0 &&
    !(typeof resourceName === 'string' && managedResourceNames.includes(resourceName))
  )
    return { kind: 'other', fingerprint };
  try {
    parseIbSriovNetwork(nadNetworkId(object) ?? '_', config);
    return { kind: 'ib', fingerprint };
  } catch (error) {
    if (error instanceof NotIbSriovError) return { kind: 'other', fingerprint };
    // An ib-sriov NAD with a bad PKey is still ours; only a config that does not parse is `invalid`.
    if ((error as { name?: string }).name === 'InvalidPKeyError') return { kind: 'ib', fingerprint };
    return { kind: 'invalid', fingerprint };
  }
}

/**
 * The user's intent in a networks annotation: its elements in one canonical form (short and JSON
 * forms alike), without what our own patch writes into an element we marked configured (its
 * `guid`, `pkey`, the marker, `infiniband-guid`). Our patch leaves the intent unchanged, so only a
 * user's edit (a fix of a malformed annotation, a new requested GUID) makes the watcher signal the
 * pod's workflow. Unparsable text is its own intent. Throws nothing.
 */
export function annotationIntent(annotation: string | undefined, podNamespace: string): string {
  let elements: NetworkSelectionElement[];
  try {
    elements = parseNetworkSelection(annotation, podNamespace);
  } catch {
    return `unparsable:${annotation ?? ''}`;
  }
  return JSON.stringify(
    elements.map((element) => {
      const configured = element.cniArgs?.[CONFIGURED_KEY] === CONFIGURED_VALUE;
      const rest = Object.entries(element.raw).filter(([key]) => !ELEMENT_KEYS_IN_INTENT.has(key.toLowerCase()));
      const args = Object.entries(element.cniArgs ?? {}).filter(
        ([key]) => !configured || ![GUID_ARG, PKEY_ARG, CONFIGURED_KEY].includes(key),
      );
      return {
        name: element.name,
        namespace: element.namespace,
        interface: element.interface ?? null,
        infinibandGuid: configured ? null : (element.infinibandGuid ?? null),
        args: Object.fromEntries(args),
        rest: Object.fromEntries(rest),
      };
    }),
  );
}

/** Element keys {@link annotationIntent} reads through the parsed fields, not verbatim. */
const ELEMENT_KEYS_IN_INTENT = new Set(['name', 'namespace', 'interface', 'cni-args', INFINIBAND_GUID_KEY]);

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
