/**
 * End to end, the shapes of pods (real watcher and worker processes): several interfaces and
 * networks, requested GUIDs, the infinibandGUID capability, a pod configured before we ever saw it
 * (adopted, not re-annotated), and one GUID requested by two pods.
 */
import { NETWORKS_ANNOTATION } from '../../domain/annotations';
import { startEndToEnd, type EndToEnd } from '../support/e2e';
import { waitFor } from '../support/wait';

jest.setTimeout(90_000);

const hex = (guid: string) => guid.replaceAll(':', '').toLowerCase();
let e: EndToEnd;
let prefix: string;

beforeAll(async () => {
  e = await startEndToEnd();
  await e.createNad('ib', e.pkeys[0]);
  await e.createNad('ib-b', e.pkeys[1], { capabilities: { infinibandGUID: true } });
  prefix = e.config.guidPool.start.slice(0, -5); // "02:xx:xx:00:00:00:"
  await Promise.all([e.startWorker(), e.startWatcher()]);
}, 120_000);
afterAll(() => e?.close(), 60_000);

async function createPod(name: string, networks: string, phase?: 'Running') {
  const created = await e.core.createNamespacedPod({
    namespace: e.namespace,
    body: {
      metadata: { name, annotations: { [NETWORKS_ANNOTATION]: networks } },
      spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox' }] },
    },
  });
  if (phase) await e.setPhase(name, phase);
  return { uid: created.metadata!.uid!, name };
}

type Element = { name: string; 'cni-args'?: Record<string, string>; 'infiniband-guid'?: string };

async function allConfigured(name: string): Promise<Element[]> {
  return waitFor(
    `every element of ${name} configured`,
    async () => {
      const elements = (await e.annotation(name)) as Element[] | null;
      return elements?.every((x) => x['cni-args']?.['mellanox.infiniband.app'] === 'configured') && elements;
    },
    { timeoutMs: 30_000 },
  );
}

it('two interfaces on one network and a second network with the infinibandGUID capability', async () => {
  await createPod(
    'multi',
    JSON.stringify([
      { name: 'ib', interface: 'ib0' },
      { name: 'ib', interface: 'ib1', 'cni-args': { guid: `${prefix}00:42` } },
      { name: 'ib-b', interface: 'ib2' },
    ]),
  );
  const elements = await allConfigured('multi');
  const [first, requested, capability] = elements;
  expect(requested!['cni-args']!.guid).toBe(`${prefix}00:42`);
  expect(capability!['infiniband-guid']).toMatch(/^02:/);
  const guids = [first!['cni-args']!.guid!, requested!['cni-args']!.guid!, capability!['infiniband-guid']!];
  expect(new Set(guids).size).toBe(3);
  expect(e.sim.members(e.pkeys[0])).toEqual(expect.arrayContaining([hex(guids[0]!), hex(guids[1]!)]));
  expect(e.sim.members(e.pkeys[1])).toContain(hex(guids[2]!));
  await e.removePod('multi');
  await waitFor('all three out of their PKeys', () =>
    guids.every((g) => ![...e.sim.members(e.pkeys[0]), ...e.sim.members(e.pkeys[1])].includes(hex(g))),
  );
});

it('a pod Running and configured at first sight is adopted: registered, in its PKey, not re-annotated', async () => {
  const guid = `${prefix}00:77`;
  const annotation = JSON.stringify([
    { name: 'ib', 'cni-args': { guid, pkey: e.pkeys[0], 'mellanox.infiniband.app': 'configured' } },
  ]);
  const pod = await createPod('adopted', annotation, 'Running');
  const before = (await e.core.readNamespacedPod({ namespace: e.namespace, name: 'adopted' })).metadata!;
  await waitFor('adopted as configured', async () => (await e.pods.status(pod.uid))?.stage === 'configured', {
    timeoutMs: 30_000,
  });
  expect(e.sim.members(e.pkeys[0])).toContain(hex(guid));
  expect(await e.pool.held([{ owner: `${pod.uid}_ib_idx_0`, guid }])).toEqual([true]);
  const after = (await e.core.readNamespacedPod({ namespace: e.namespace, name: 'adopted' })).metadata!;
  expect(after.annotations?.[NETWORKS_ANNOTATION]).toBe(annotation);
  expect(after.resourceVersion).toBe(before.resourceVersion);
});

it('one GUID requested by two pods: one gets it, the other waits with an Event and gets it once the first is gone', async () => {
  const guid = `${prefix}00:99`;
  const networks = JSON.stringify([{ name: 'ib', 'cni-args': { guid } }]);
  const first = await createPod('want-1', networks);
  expect(await e.configuredGuid('want-1', 30_000)).toBe(guid);
  const second = await createPod('want-2', networks);
  const bystander = await createPod('bystander', 'ib');
  await waitFor(
    'want-2 waiting with guid-taken',
    async () => (await e.pods.status(second.uid))?.reason === 'guid-taken',
    {
      timeoutMs: 30_000,
    },
  );
  await e.warningEvent('want-2', 'GuidTaken');
  // Nothing else harmed: the bystander is configured and the holder keeps its membership.
  await e.configuredGuid('bystander', 30_000);
  expect(e.sim.members(e.pkeys[0])).toContain(hex(guid));
  await e.removePod('want-1');
  await waitFor('want-1 released', () => e.result(first.uid), { timeoutMs: 30_000 });
  // The retry backoff (5 s doubling) picks it up; an operator's retry makes it immediate.
  await e.pods.retry(second.uid);
  expect(await e.configuredGuid('want-2', 30_000)).toBe(guid);
  expect(e.sim.members(e.pkeys[0])).toContain(hex(guid));
  expect(bystander.uid).toBeTruthy();
});
