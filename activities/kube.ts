/**
 * The Kubernetes side of the activities: reading a pod and its NADs, patching the networks
 * annotation with preconditions, and posting Events. Errors leave as `KubeError` with the status
 * only; an `ApiException` (it holds the whole response body) never passes through raw.
 */
import * as k8s from '@kubernetes/client-node';
import { NETWORKS_ANNOTATION } from '../domain/annotations';
import type { NadLookup } from '../domain/pod-plan';
import { splitNetworkId } from '../domain/nad';
import { RESOURCE_NAME_ANNOTATION } from '../domain/annotations';

/** What a pod read returns: the fields the activities use. */
export interface PodSnapshot {
  readonly uid: string;
  readonly phase?: string;
  readonly annotation?: string;
  readonly deleting: boolean;
}

/** A Kubernetes API failure: status (0 for no answer) and a short message. */
export class KubeError extends Error {
  override readonly name = 'KubeError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }

  /** 5xx, 429, conflicts and transport failures may succeed on retry. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 409 || this.status === 429 || this.status >= 500;
  }
}

const JSON_PATCH = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch);
const NAD = { group: 'k8s.cni.cncf.io', version: 'v1', plural: 'network-attachment-definitions' };
// JSON pointer of the annotation: `/` in the key is escaped as `~1` (RFC 6901).
const ANNOTATION_PATH = `/metadata/annotations/${NETWORKS_ANNOTATION.replaceAll('~', '~0').replaceAll('/', '~1')}`;
const NAD_CACHE_MS = 1000;

/** Pod and NAD access for one worker process. */
export class KubeAccess {
  readonly core: k8s.CoreV1Api;
  readonly #custom: k8s.CustomObjectsApi;
  // Single-flight with a short life: a burst of pods on one network costs one NAD read; a pod told
  // its NAD changed (nadChangedSignal) reads it fresh.
  readonly #nads = new Map<string, { at: number; value: Promise<NadLookup> }>();
  /** API calls made, by kind, for benchmarks. */
  readonly calls = { podGet: 0, podPatch: 0, nadGet: 0, eventWrite: 0 };

  constructor(kubeConfig: k8s.KubeConfig) {
    this.core = kubeConfig.makeApiClient(k8s.CoreV1Api);
    this.#custom = kubeConfig.makeApiClient(k8s.CustomObjectsApi);
  }

  /** The pod, or undefined when it does not exist. @throws KubeError */
  async readPod(namespace: string, name: string): Promise<PodSnapshot | undefined> {
    this.calls.podGet++;
    try {
      const pod = await this.core.readNamespacedPod({ namespace, name });
      const annotation = pod.metadata?.annotations?.[NETWORKS_ANNOTATION];
      return {
        uid: pod.metadata?.uid ?? '',
        ...(pod.status?.phase ? { phase: pod.status.phase } : {}),
        ...(annotation === undefined ? {} : { annotation }),
        deleting: pod.metadata?.deletionTimestamp !== undefined,
      };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw toKubeError('read pod', error);
    }
  }

  /**
   * A NAD's `spec.config` by network id. Reads in flight are shared, and a found NAD is reused for a
   * second, unless `fresh` (a pod told that its NAD changed). @throws KubeError
   */
  readNad(networkId: string, fresh = false): Promise<NadLookup> {
    const cached = this.#nads.get(networkId);
    if (cached && !fresh && Date.now() - cached.at < NAD_CACHE_MS) return cached.value;
    const value = this.#fetchNad(networkId);
    this.#nads.set(networkId, { at: Date.now(), value });
    // A miss is not remembered: the NAD may be created a moment later.
    value.then(
      (found) => found.found || this.#nads.delete(networkId),
      () => this.#nads.delete(networkId),
    );
    return value;
  }

  /**
   * Replaces the networks annotation only if the pod is still `uid` and the annotation is still
   * `expected` (JSON patch `test`s), so a concurrent edit or a pod replaced under the same name is
   * never overwritten.
   * @returns 'patched', or 'conflict' when a precondition failed, or 'gone' when the pod is gone.
   * @throws KubeError
   */
  async replaceAnnotation(
    namespace: string,
    name: string,
    uid: string,
    expected: string,
    value: string,
  ): Promise<'patched' | 'conflict' | 'gone'> {
    this.calls.podPatch++;
    try {
      await this.core.patchNamespacedPod(
        {
          namespace,
          name,
          body: [
            { op: 'test', path: '/metadata/uid', value: uid },
            { op: 'test', path: ANNOTATION_PATH, value: expected },
            { op: 'replace', path: ANNOTATION_PATH, value },
          ],
        },
        JSON_PATCH,
      );
      return 'patched';
    } catch (error) {
      const status = statusOf(error);
      if (status === 404) return 'gone';
      if (status === 422 || status === 409) return 'conflict';
      throw toKubeError('patch pod', error);
    }
  }

  async #fetchNad(networkId: string): Promise<NadLookup> {
    const { namespace, name } = splitNetworkId(networkId);
    this.calls.nadGet++;
    try {
      const nad = (await this.#custom.getNamespacedCustomObject({ ...NAD, namespace, name })) as {
        metadata?: { annotations?: Record<string, string> };
        spec?: { config?: unknown };
      };
      const resourceName = nad.metadata?.annotations?.[RESOURCE_NAME_ANNOTATION];
      return { found: true, config: nad.spec?.config, ...(resourceName ? { resourceName } : {}) };
    } catch (error) {
      if (statusOf(error) === 404) return { found: false };
      throw toKubeError('read NetworkAttachmentDefinition', error);
    }
  }
}

/** The HTTP status of a client-node failure, or 0 when there was no answer. */
export function statusOf(error: unknown): number {
  return error instanceof k8s.ApiException ? error.code : 0;
}

/** A log-safe error: the status and a short message, never the response body. */
export function toKubeError(what: string, error: unknown): KubeError {
  const status = statusOf(error);
  const text = status ? `HTTP ${status}` : error instanceof Error ? error.message.slice(0, 200) : 'no answer';
  return new KubeError(status, `Kubernetes ${what} failed: ${text}`);
}
