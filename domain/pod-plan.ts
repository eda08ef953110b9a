/**
 * Which interfaces of a pod are InfiniBand, what GUID each asks for, and what is wrong when the
 * pod cannot be configured yet. Pure: the resolve activity reads the pod and its NADs and hands
 * the texts here, so every rule is unit-tested without a server.
 */
import { InvalidGuidError, InvalidPKeyError, NadConfigError, NetworkAnnotationError, NotIbSriovError } from './errors';
import { normalizeGuid } from './guid';
import { normalizePKey } from './pkey';
import { parseIbSriovNetwork, type IbSriovNetwork } from './nad';
import {
  getElementGuid,
  getElementPKey,
  interfaceKeys,
  isConfigured,
  networkId,
  parseNetworkSelection,
  podNetworkInterfaceId,
  serializeNetworkSelection,
  withConfigured,
  withGuid,
  type NetworkSelectionElement,
} from './network-selection';

/** A NAD as the resolve activity found it: its `spec.config` and resource name, or missing. */
export type NadLookup =
  { readonly found: true; readonly config: unknown; readonly resourceName?: string } | { readonly found: false };

/** An InfiniBand interface to configure; JSON-plain. */
export interface PlannedInterface {
  readonly owner: string;
  readonly networkId: string;
  readonly pkey: string | null;
  /** The annotation's GUID, canonical: requested by the user, or ours (adoption). */
  readonly guid?: string;
  /** Already marked configured, with this PKey and this GUID. */
  readonly configured: boolean;
  /** The NAD declares `capabilities.infinibandGUID`: the GUID goes to `infiniband-guid`. */
  readonly useInfinibandGuidField: boolean;
}

/** The GUID and PKey to write for one owner. */
export interface InterfaceAssignment {
  readonly owner: string;
  readonly guid: string;
  /** Canonical PKey, or `""` for a NAD without one. */
  readonly pkey: string;
  readonly useInfinibandGuidField: boolean;
}

/** Why a pod cannot be configured as it stands (see `WaitReason` in workflows/definitions.ts). */
export type PlanProblem =
  'annotation-invalid' | 'nad-missing' | 'nad-invalid' | 'pkey-invalid' | 'guid-invalid' | 'interface-collision';

/** Result of {@link planPod}. */
export type PodPlan =
  | { readonly kind: 'ready'; readonly interfaces: readonly PlannedInterface[] }
  /** No element names an ib-sriov NAD: the pod is not ours and stays untouched. */
  | { readonly kind: 'not-infiniband' }
  | { readonly kind: 'problem'; readonly problem: PlanProblem; readonly message: string };

/**
 * The network ids (`<ns>_<name>`) the annotation references, de-duplicated, in order.
 * @throws NetworkAnnotationError when the annotation does not parse.
 */
export function referencedNetworks(annotation: string | undefined, podNamespace: string): string[] {
  const ids = parseNetworkSelection(annotation, podNamespace).map((e) => networkId(e.namespace, e.name));
  return [...new Set(ids)];
}

/**
 * Plans a pod from its annotation and the NADs it references (keyed by network id). The first
 * problem found wins, in element order; elements whose NAD is not ib-sriov are skipped, as
 * upstream leaves them to their own CNI. Throws nothing.
 */
export function planPod(
  uid: string,
  podNamespace: string,
  annotation: string | undefined,
  nads: Readonly<Record<string, NadLookup>>,
  managedResourceNames: readonly string[] = [],
): PodPlan {
  let elements: NetworkSelectionElement[];
  try {
    elements = parseNetworkSelection(annotation, podNamespace);
  } catch (error) {
    if (error instanceof NetworkAnnotationError) return problem('annotation-invalid', error.message);
    throw error;
  }
  const keys = interfaceKeys(elements);
  const interfaces: PlannedInterface[] = [];
  const owners = new Set<string>();
  for (const [index, element] of elements.entries()) {
    const id = networkId(element.namespace, element.name);
    const lookup = nads[id];
    if (!element.name) return problem('nad-missing', `element ${index} names no network`);
    if (lookup === undefined || !lookup.found) {
      return problem('nad-missing', `NetworkAttachmentDefinition ${element.namespace}/${element.name} not found`);
    }
    // MANAGED_RESOURCE_NAMES: a NAD of another resource belongs to another instance, as for the watcher.
    if (managedResourceNames.length > 0 && !managedResourceNames.includes(lookup.resourceName ?? '')) continue;
    const network = readNetwork(id, lookup.config);
    if (network === 'not-ib') continue;
    if ('problem' in network) return network;
    const owner = podNetworkInterfaceId(uid, element.name, keys[index] ?? '');
    if (owners.has(owner)) {
      return problem(
        'interface-collision',
        `two InfiniBand elements of network ${element.name} share interface ${keys[index]}`,
      );
    }
    owners.add(owner);
    const planned = planInterface(element, owner, id, network);
    if ('problem' in planned) return planned;
    interfaces.push(planned);
  }
  return interfaces.length === 0 ? { kind: 'not-infiniband' } : { kind: 'ready', interfaces };
}

function readNetwork(id: string, config: unknown): IbSriovNetwork | 'not-ib' | Extract<PodPlan, { kind: 'problem' }> {
  try {
    return parseIbSriovNetwork(id, config);
  } catch (error) {
    if (error instanceof NotIbSriovError) return 'not-ib';
    if (error instanceof InvalidPKeyError) return problem('pkey-invalid', `${id}: ${error.message}`);
    if (error instanceof NadConfigError) return problem('nad-invalid', error.message);
    throw error;
  }
}

function planInterface(
  element: NetworkSelectionElement,
  owner: string,
  id: string,
  network: IbSriovNetwork,
): PlannedInterface | Extract<PodPlan, { kind: 'problem' }> {
  let guid: string | undefined;
  try {
    const raw = getElementGuid(element);
    guid = raw === undefined ? undefined : normalizeGuid(raw);
  } catch (error) {
    if (error instanceof InvalidGuidError) return problem('guid-invalid', `${id}: ${error.message}`);
    throw error;
  }
  const configured = isConfigured(element) && guid !== undefined && samePKey(getElementPKey(element), network.pkey);
  const { useInfinibandGuidField } = network;
  return {
    owner,
    networkId: id,
    pkey: network.pkey,
    ...(guid === undefined ? {} : { guid }),
    configured,
    useInfinibandGuidField,
  };
}

/**
 * The annotation with each assigned interface carrying its GUID and our configured marker; every
 * other element and unknown field kept (the domain rewrite). Undefined when nothing would change,
 * so an adopted pod is not rewritten. Elements are matched by owner id, recomputed from the current
 * annotation, so a concurrent edit of other elements is preserved.
 * @throws NetworkAnnotationError when the annotation no longer parses.
 */
export function annotateInterfaces(
  uid: string,
  podNamespace: string,
  annotation: string | undefined,
  assignments: readonly InterfaceAssignment[],
): string | undefined {
  const elements = parseNetworkSelection(annotation, podNamespace);
  const keys = interfaceKeys(elements);
  const byOwner = new Map(assignments.map((a) => [a.owner, a]));
  let changed = false;
  const rewritten = elements.map((element, index) => {
    const assignment = byOwner.get(podNetworkInterfaceId(uid, element.name, keys[index] ?? ''));
    if (!assignment) return element;
    // Verbatim comparison: a requested GUID in another spelling is rewritten to the colon form,
    // the only one ib-sriov-cni accepts.
    const current = verbatimGuid(element);
    if (current === assignment.guid && isConfigured(element) && samePKey(getElementPKey(element), assignment.pkey)) {
      return element;
    }
    changed = true;
    const withId = current === assignment.guid ? element : withGuid(element, assignment.guid, assignment);
    return withConfigured(withId, assignment.pkey);
  });
  return changed ? serializeNetworkSelection(rewritten) : undefined;
}

function verbatimGuid(element: NetworkSelectionElement): string | undefined {
  try {
    return getElementGuid(element);
  } catch {
    return undefined;
  }
}

/** Whether a recorded `cni-args.pkey` (upstream wrote the NAD's text, e.g. `0x0005`) names `canonical`. */
function samePKey(recorded: string | undefined, canonical: string | null): boolean {
  if (recorded === undefined) return false;
  if (recorded === '' || canonical === null || canonical === '') return recorded === '' && !canonical;
  try {
    return normalizePKey(recorded) === canonical;
  } catch {
    return false;
  }
}

function problem(kind: PlanProblem, message: string): Extract<PodPlan, { kind: 'problem' }> {
  return { kind: 'problem', problem: kind, message };
}
