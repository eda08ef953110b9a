/**
 * Proves the local kube-apiserver + etcd is real: the operations the controller relies on
 * (watch, JSON patch with a `test` precondition, force delete, the NAD CRD, status
 * subresource) and that authentication and RBAC are enforced.
 */
import * as k8s from '@kubernetes/client-node';
import { adminKubeConfig, tokenKubeConfig, uniqueName } from '../support/stack';
import { waitFor } from '../support/wait';

const kc = adminKubeConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
const custom = kc.makeApiClient(k8s.CustomObjectsApi);
const ns = uniqueName('it-kas');
const otherNs = uniqueName('it-kas-other');

const jsonPatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch);
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

function pod(name: string, annotations: Record<string, string> = {}): k8s.V1Pod {
  return {
    metadata: { name, annotations },
    spec: { nodeName: 'node-a', containers: [{ name: 'c', image: 'registry.invalid/pause:1' }] },
  };
}

async function statusOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return 200;
  } catch (error) {
    if (error instanceof k8s.ApiException) return error.code;
    throw error;
  }
}

beforeAll(async () => {
  for (const name of [ns, otherNs]) await core.createNamespace({ body: { metadata: { name } } });
});

afterAll(async () => {
  for (const name of [ns, otherNs]) await core.deleteNamespace({ name }).catch(() => undefined);
});

describe('pods', () => {
  it('creates, gets and lists a pod scheduled to a node', async () => {
    const created = await core.createNamespacedPod({ namespace: ns, body: pod('p-create') });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    const read = await core.readNamespacedPod({ namespace: ns, name: 'p-create' });
    expect(read.spec?.nodeName).toBe('node-a');
    const list = await core.listNamespacedPod({ namespace: ns });
    expect(list.items.map((p) => p.metadata?.name)).toContain('p-create');
  });

  it('streams ADDED, MODIFIED and DELETED events through a watch', async () => {
    const seen: { phase: string; touched?: string }[] = [];
    const watch = new k8s.Watch(kc);
    const abort = await watch.watch(
      `/api/v1/namespaces/${ns}/pods`,
      { fieldSelector: 'metadata.name=p-watch' },
      (phase, pod: k8s.V1Pod) => seen.push({ phase, touched: pod.metadata?.labels?.touched }),
      () => undefined,
    );
    try {
      await core.createNamespacedPod({ namespace: ns, body: pod('p-watch') });
      await core.patchNamespacedPod(
        { namespace: ns, name: 'p-watch', body: { metadata: { labels: { touched: 'yes' } } } },
        mergePatch,
      );
      await core.deleteNamespacedPod({ namespace: ns, name: 'p-watch', gracePeriodSeconds: 0 });
      await waitFor('the DELETED event', () => seen.at(-1)?.phase === 'DELETED');
      // A delete first sets deletionTimestamp (one more MODIFIED), then removes the pod.
      expect(seen[0]).toEqual({ phase: 'ADDED', touched: undefined });
      expect(seen[1]).toEqual({ phase: 'MODIFIED', touched: 'yes' });
      expect(seen.slice(2, -1).every((event) => event.phase === 'MODIFIED')).toBe(true);
    } finally {
      abort.abort();
    }
  });

  it('applies a JSON patch only when its test on metadata.uid holds', async () => {
    const created = await core.createNamespacedPod({ namespace: ns, body: pod('p-patch', { a: 'before' }) });
    const uid = created.metadata!.uid!;
    const patch = (testUid: string) =>
      core.patchNamespacedPod(
        {
          namespace: ns,
          name: 'p-patch',
          body: [
            { op: 'test', path: '/metadata/uid', value: testUid },
            { op: 'replace', path: '/metadata/annotations/a', value: `after-${testUid.slice(0, 4)}` },
          ],
        },
        jsonPatch,
      );
    expect(await statusOf(patch('00000000-0000-0000-0000-000000000000'))).toBe(422);
    expect((await core.readNamespacedPod({ namespace: ns, name: 'p-patch' })).metadata?.annotations?.a).toBe('before');
    await patch(uid);
    expect((await core.readNamespacedPod({ namespace: ns, name: 'p-patch' })).metadata?.annotations?.a).toBe(
      `after-${uid.slice(0, 4)}`,
    );
  });

  it('sets the phase through the status subresource, as a kubelet would', async () => {
    await core.createNamespacedPod({ namespace: ns, body: pod('p-phase') });
    await core.patchNamespacedPodStatus(
      { namespace: ns, name: 'p-phase', body: { status: { phase: 'Succeeded' } } },
      mergePatch,
    );
    expect((await core.readNamespacedPod({ namespace: ns, name: 'p-phase' })).status?.phase).toBe('Succeeded');
  });

  it('force-deletes a pod at once (no kubelet to confirm termination)', async () => {
    await core.createNamespacedPod({ namespace: ns, body: pod('p-delete') });
    await core.deleteNamespacedPod({ namespace: ns, name: 'p-delete', gracePeriodSeconds: 0 });
    expect(await statusOf(core.readNamespacedPod({ namespace: ns, name: 'p-delete' }))).toBe(404);
  });
});

describe('NetworkAttachmentDefinition CRD', () => {
  const nad = (name: string, config: string) => ({
    apiVersion: 'k8s.cni.cncf.io/v1',
    kind: 'NetworkAttachmentDefinition',
    metadata: { name },
    spec: { config },
  });
  const crd = { group: 'k8s.cni.cncf.io', version: 'v1', plural: 'network-attachment-definitions' };

  it('stores and returns spec.config as a string', async () => {
    const config = JSON.stringify({ cniVersion: '0.3.1', type: 'ib-sriov', pkey: '0x5' });
    await custom.createNamespacedCustomObject({ ...crd, namespace: ns, body: nad('ib-net', config) });
    const read = (await custom.getNamespacedCustomObject({ ...crd, namespace: ns, name: 'ib-net' })) as {
      spec: { config: string };
    };
    expect(JSON.parse(read.spec.config)).toEqual({ cniVersion: '0.3.1', type: 'ib-sriov', pkey: '0x5' });
  });

  it('rejects a spec.config that is not a string (schema is enforced)', async () => {
    const bad = { ...nad('bad-net', ''), spec: { config: { type: 'ib-sriov' } } };
    expect(await statusOf(custom.createNamespacedCustomObject({ ...crd, namespace: ns, body: bad }))).toBe(422);
  });
});

describe('authentication and RBAC', () => {
  it('refuses a request without credentials', async () => {
    const anonymous = tokenKubeConfig(undefined).makeApiClient(k8s.CoreV1Api);
    expect(await statusOf(anonymous.listNamespacedPod({ namespace: ns }))).toBe(401);
  });

  it('lets a ServiceAccount do exactly what its ClusterRole allows, in the bound namespace only', async () => {
    const role = uniqueName('it-pod-reader');
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'reader' } } });
    await rbac.createClusterRole({
      body: {
        metadata: { name: role },
        rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'patch'] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: ns,
      body: {
        metadata: { name: 'reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
        subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: ns }],
      },
    });
    try {
      const tokenRequest = await core.createNamespacedServiceAccountToken({
        namespace: ns,
        name: 'reader',
        body: { spec: { audiences: [], expirationSeconds: 600 } },
      });
      const asReader = tokenKubeConfig(tokenRequest.status!.token);
      const readerCore = asReader.makeApiClient(k8s.CoreV1Api);
      const readerAuthz = asReader.makeApiClient(k8s.AuthorizationV1Api);
      const can = async (verb: string, namespace: string) =>
        (
          await readerAuthz.createSelfSubjectAccessReview({
            body: { spec: { resourceAttributes: { verb, resource: 'pods', namespace } } },
          })
        ).status?.allowed;

      // RBAC is eventually consistent with its informer cache: wait until the binding applies.
      await waitFor('the RoleBinding to take effect', async () => (await can('list', ns)) === true);
      expect(await can('patch', ns)).toBe(true);
      expect(await can('delete', ns)).toBe(false);
      expect(await can('list', otherNs)).toBe(false);
      expect(await statusOf(readerCore.listNamespacedPod({ namespace: ns }))).toBe(200);
      expect(await statusOf(readerCore.createNamespacedPod({ namespace: ns, body: pod('p-denied') }))).toBe(403);
      expect(await statusOf(readerCore.listNamespacedPod({ namespace: otherNs }))).toBe(403);
      expect(await statusOf(readerCore.listSecretForAllNamespaces())).toBe(403);
    } finally {
      await rbac.deleteClusterRole({ name: role });
    }
  });
});
