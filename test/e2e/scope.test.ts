/**
 * End to end, scope: a second instance's NADs (`MANAGED_RESOURCE_NAMES`) and pods outside the label
 * selector (`POD_LABEL_SELECTOR`) are never touched; and a NAD with an invalid PKey holds its pods
 * visibly until it is fixed, when the watcher's NAD signal lets them continue.
 */
import { NETWORKS_ANNOTATION, RESOURCE_NAME_ANNOTATION } from '../../domain/annotations';
import { startEndToEnd, type EndToEnd } from '../support/e2e';
import { waitFor } from '../support/wait';

jest.setTimeout(90_000);

const hex = (guid: string) => guid.replaceAll(':', '').toLowerCase();
const NAD = { group: 'k8s.cni.cncf.io', version: 'v1', plural: 'network-attachment-definitions' } as const;
let e: EndToEnd;

beforeAll(async () => {
  e = await startEndToEnd({ env: { MANAGED_RESOURCE_NAMES: 'nvidia.com/compute' } });
  await createNad('compute', e.pkeys[0], 'nvidia.com/compute');
  await createNad('storage', e.pkeys[1], 'nvidia.com/storage');
  await Promise.all([e.startWorker(), e.startWatcher('watcher', { POD_LABEL_SELECTOR: 'ib=yes' })]);
}, 120_000);
afterAll(() => e?.close(), 60_000);

function nadBody(name: string, pkey: string, resourceName: string, resourceVersion?: string) {
  return {
    apiVersion: 'k8s.cni.cncf.io/v1',
    kind: 'NetworkAttachmentDefinition',
    metadata: {
      name,
      annotations: { [RESOURCE_NAME_ANNOTATION]: resourceName },
      ...(resourceVersion ? { resourceVersion } : {}),
    },
    spec: { config: JSON.stringify({ cniVersion: '0.3.1', type: 'ib-sriov', pkey }) },
  };
}

async function createNad(name: string, pkey: string, resourceName: string) {
  await e.custom.createNamespacedCustomObject({
    ...NAD,
    namespace: e.namespace,
    body: nadBody(name, pkey, resourceName),
  });
}

async function createPod(name: string, networks: string, labelled = true) {
  const created = await e.core.createNamespacedPod({
    namespace: e.namespace,
    body: {
      metadata: {
        name,
        annotations: { [NETWORKS_ANNOTATION]: networks },
        ...(labelled ? { labels: { ib: 'yes' } } : {}),
      },
      spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox' }] },
    },
  });
  return { uid: created.metadata!.uid!, name };
}

it("only our resource's networks and only selected pods are touched", async () => {
  const unlabelled = await createPod('unlabelled', 'compute', false);
  const storageOnly = await createPod('storage-only', 'storage');
  const both = await createPod('both', JSON.stringify([{ name: 'compute' }, { name: 'storage' }]));
  const guid = await e.configuredGuid('both', 30_000);
  const elements = await e.annotation('both');
  expect(elements[1]).toEqual({ name: 'storage' });
  expect(e.sim.members(e.pkeys[0])).toContain(hex(guid));
  expect(e.sim.members(e.pkeys[1])).toEqual([]);
  for (const uid of [unlabelled.uid, storageOnly.uid]) expect(await e.hasWorkflow(uid)).toBe(false);
  for (const name of ['unlabelled', 'storage-only']) {
    const pod = await e.core.readNamespacedPod({ namespace: e.namespace, name });
    expect(pod.metadata!.annotations![NETWORKS_ANNOTATION]).not.toContain('configured');
  }
  expect(both.uid).toBeTruthy();
});

it('a NAD with an invalid PKey holds its pod with a reason and an Event; fixing the NAD lets it continue', async () => {
  await createNad('bad-pkey', '0x8000', 'nvidia.com/compute');
  const pod = await createPod('on-bad-pkey', 'bad-pkey');
  await waitFor('waiting with pkey-invalid', async () => (await e.pods.status(pod.uid))?.reason === 'pkey-invalid', {
    timeoutMs: 30_000,
  });
  await e.warningEvent('on-bad-pkey', 'InvalidPKey');
  const current = (await e.custom.getNamespacedCustomObject({ ...NAD, namespace: e.namespace, name: 'bad-pkey' })) as {
    metadata: { resourceVersion: string };
  };
  await e.custom.replaceNamespacedCustomObject({
    ...NAD,
    namespace: e.namespace,
    name: 'bad-pkey',
    body: nadBody('bad-pkey', e.pkeys[0], 'nvidia.com/compute', current.metadata.resourceVersion),
  });
  const guid = await e.configuredGuid('on-bad-pkey', 30_000);
  expect(e.sim.members(e.pkeys[0])).toContain(hex(guid));
});
