/**
 * The list-watch sources of the watcher: pods (cluster-wide or per namespace, optionally by label)
 * and NetworkAttachmentDefinitions (always cluster-wide: a pod may name a NAD in any namespace).
 */
import * as k8s from '@kubernetes/client-node';
import type { PodFacts } from '../domain/pod-relevance';
import { nadFactsOf, nadNetworkId, objectUid, podFactsOf, type NadFacts } from '../domain/watched-objects';
import type { ListPage, ListWatchSource } from './list-watch';

const NAD_GROUP = { group: 'k8s.cni.cncf.io', version: 'v1', plural: 'network-attachment-definitions' } as const;

/** Pods, in one namespace or all, optionally matching a label selector. */
export function podSource(
  kubeConfig: k8s.KubeConfig,
  namespace: string | undefined,
  labelSelector: string | undefined,
): ListWatchSource<PodFacts> {
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  const selector: Record<string, string> = labelSelector ? { labelSelector } : {};
  return {
    name: namespace ? `pods/${namespace}` : 'pods',
    async list({ limit, continueToken }) {
      const options = { limit, ...selector, ...(continueToken ? { _continue: continueToken } : {}) };
      const list = namespace
        ? await core.listNamespacedPod({ namespace, ...options })
        : await core.listPodForAllNamespaces(options);
      return page(list);
    },
    watchPath: namespace ? `/api/v1/namespaces/${namespace}/pods` : '/api/v1/pods',
    watchQuery: selector,
    key: objectUid,
    project: podFactsOf,
  };
}

/** Every NAD in the cluster, classified with `managedResourceNames`. */
export function nadSource(
  kubeConfig: k8s.KubeConfig,
  managedResourceNames: readonly string[],
): ListWatchSource<NadFacts & { networkId: string }> {
  const custom = kubeConfig.makeApiClient(k8s.CustomObjectsApi);
  return {
    name: 'network-attachment-definitions',
    async list({ limit, continueToken }) {
      const list = (await custom.listClusterCustomObject({
        ...NAD_GROUP,
        limit,
        ...(continueToken ? { _continue: continueToken } : {}),
      })) as { items?: unknown[]; metadata?: { resourceVersion?: string; _continue?: string; continue?: string } };
      return {
        items: list.items ?? [],
        resourceVersion: list.metadata?.resourceVersion ?? '',
        continueToken: list.metadata?.continue ?? list.metadata?._continue,
      };
    },
    watchPath: `/apis/${NAD_GROUP.group}/${NAD_GROUP.version}/${NAD_GROUP.plural}`,
    key: nadNetworkId,
    project: (object) => ({ networkId: nadNetworkId(object) ?? '', ...nadFactsOf(object, managedResourceNames) }),
  };
}

function page(list: {
  items: readonly unknown[];
  metadata?: { resourceVersion?: string; _continue?: string };
}): ListPage {
  return {
    items: list.items,
    resourceVersion: list.metadata?.resourceVersion ?? '',
    ...(list.metadata?._continue ? { continueToken: list.metadata._continue } : {}),
  };
}
