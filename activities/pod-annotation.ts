/**
 * Resolve and annotate: read a pod and its NADs into a plan (domain `planPod`), and write the
 * GUIDs and our configured marker back with a JSON patch whose `test`s pin the pod's UID and the
 * value being replaced, re-reading and recomputing on conflict (whereabouts' `IPPool.Update`).
 */
import { NetworkAnnotationError } from '../domain/errors';
import {
  annotateInterfaces,
  planPod,
  referencedNetworks,
  type InterfaceAssignment,
  type NadLookup,
  type PlannedInterface,
} from '../domain/pod-plan';
import { isPodFinished } from '../domain/pod-relevance';
import type { PodRef } from '../workflows/definitions';
import type { KubeAccess } from './kube';

/** What `resolvePod` found. */
export type ResolvedPod =
  | { readonly kind: 'gone' }
  | { readonly kind: 'not-infiniband' }
  | {
      readonly kind: 'problem';
      readonly problem: Extract<ReturnType<typeof planPod>, { kind: 'problem' }>['problem'];
      readonly message: string;
    }
  | { readonly kind: 'ready'; readonly interfaces: readonly PlannedInterface[] };

const MAX_CONFLICTS = 8;
const REMEMBERED = 20_000;

/** Pod reads and patches for one worker, remembering the last annotation read per pod. */
export class PodAnnotations {
  // The annotation text last read per pod UID: the patch's `test` guards it, so a stale entry
  // costs one conflict and a re-read, never a wrong write; a hit saves a GET per pod.
  readonly #lastRead = new Map<string, string>();

  constructor(
    private readonly kube: KubeAccess,
    /** `MANAGED_RESOURCE_NAMES`: empty means every ib-sriov NAD is ours. */
    private readonly managedResourceNames: readonly string[] = [],
  ) {}

  /** The plan for `pod`: gone (deleted, replaced or finished), not ours, a problem, or interfaces. */
  async resolve(pod: PodRef, fresh = false): Promise<ResolvedPod> {
    const current = await this.kube.readPod(pod.namespace, pod.name);
    if (!current || current.uid !== pod.uid || isPodFinished(current.phase)) return { kind: 'gone' };
    this.#remember(pod.uid, current.annotation);
    let networks: string[];
    try {
      networks = referencedNetworks(current.annotation, pod.namespace);
    } catch (error) {
      if (error instanceof NetworkAnnotationError)
        return { kind: 'problem', problem: 'annotation-invalid', message: error.message };
      throw error;
    }
    const nads: Record<string, NadLookup> = {};
    await Promise.all(
      networks.map(async (id) => {
        // An id that names no NAD (`ib-net,` gives a blank name) is a problem planPod reports.
        nads[id] = id.endsWith('_') ? { found: false } : await this.kube.readNad(id, fresh);
      }),
    );
    return planPod(pod.uid, pod.namespace, current.annotation, nads, this.managedResourceNames);
  }

  /**
   * Writes `assignments` into the annotation. 'unchanged' when it already says all of it (an
   * adopted pod), 'gone' when the pod was deleted or replaced, 'annotation-invalid' when it was
   * edited into something that no longer parses.
   * @throws KubeError on API failures other than conflicts; Error after repeated conflicts.
   */
  async annotate(
    pod: PodRef,
    assignments: readonly InterfaceAssignment[],
  ): Promise<'patched' | 'unchanged' | 'gone' | 'annotation-invalid'> {
    let annotation = this.#lastRead.get(pod.uid);
    for (let attempt = 0; attempt < MAX_CONFLICTS; attempt++) {
      if (annotation === undefined) {
        const current = await this.kube.readPod(pod.namespace, pod.name);
        if (!current || current.uid !== pod.uid) return 'gone';
        annotation = current.annotation ?? '';
      }
      let next: string | undefined;
      try {
        next = annotateInterfaces(pod.uid, pod.namespace, annotation, assignments);
      } catch (error) {
        if (error instanceof NetworkAnnotationError) return 'annotation-invalid';
        throw error;
      }
      if (next === undefined) return 'unchanged';
      const outcome = await this.kube.replaceAnnotation(pod.namespace, pod.name, pod.uid, annotation, next);
      if (outcome !== 'conflict') {
        if (outcome === 'patched') this.#remember(pod.uid, next);
        return outcome;
      }
      annotation = undefined; // someone else wrote meanwhile: re-read and recompute
    }
    throw new Error(`pod ${pod.namespace}/${pod.name}: annotation kept changing during ${MAX_CONFLICTS} attempts`);
  }

  /** Forgets a pod (its workflow ended). */
  forget(uid: string): void {
    this.#lastRead.delete(uid);
  }

  #remember(uid: string, annotation: string | undefined): void {
    if (annotation === undefined) return;
    if (this.#lastRead.size >= REMEMBERED) this.#lastRead.delete(this.#lastRead.keys().next().value!);
    this.#lastRead.set(uid, annotation);
  }
}
