/**
 * End to end, as operators run it: the real watcher and worker processes (built output, environment
 * only) on the real kube-apiserver, the Temporal dev server and a UFM simulator. Each scenario
 * asserts pod annotations, Events, the simulator's PKey members and the pool.
 */
import { NETWORKS_ANNOTATION } from '../../domain/annotations';
import { metricValue } from '../support/processes';
import { startEndToEnd, type EndToEnd, type Running } from '../support/e2e';
import { guidsRemovedIn } from '../support/ufm-log';
import { waitFor } from '../support/wait';

jest.setTimeout(120_000);

const hex = (guid: string) => guid.replaceAll(':', '').toLowerCase();
let e: EndToEnd;
let worker: Running;
let watcher: Running;
/** Every GUID ever configured here, with the pod that had it, for the no-flapping check. */
const live = new Map<string, string>();

beforeAll(async () => {
  e = await startEndToEnd({
    env: { GUID_POOL_RANGE_START: '02:00:00:00:00:00:00:00', GUID_POOL_RANGE_END: '02:00:00:00:00:00:ff:ff' },
  });
  e.sim.setKnobs({ requestLogLimit: 100_000 });
  await e.createNad('ib', e.pkeys[0]);
  await e.createNad('ib-b', e.pkeys[1], { capabilities: { infinibandGUID: true } });
  await e.createNad('macvlan', undefined, { type: 'macvlan' });
  [worker, watcher] = await Promise.all([e.startWorker('worker'), e.startWatcher('watcher')]);
}, 120_000);
afterAll(() => e?.close(), 60_000);

async function createPod(name: string, networks: string, extra: { hostNetwork?: boolean } = {}) {
  const created = await e.core.createNamespacedPod({
    namespace: e.namespace,
    body: {
      metadata: { name, annotations: { [NETWORKS_ANNOTATION]: networks } },
      spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox' }], ...extra },
    },
  });
  return { uid: created.metadata!.uid!, name };
}

async function released(uid: string) {
  return waitFor(`workflow of ${uid} to finish`, () => e.result(uid), { timeoutMs: 30_000 });
}

it('the example NAD and pod from deployment/examples/ go to configured', async () => {
  await e.applyExample('ib-sriov-nad.yaml');
  const pod = await e.applyExample('test-pod.yaml');
  const guid = await e.configuredGuid(pod.name, 30_000);
  expect(e.sim.members('0x6')).toContain(hex(guid));
  live.set(guid, pod.name);
  const two = await e.applyExample('two-interfaces-pod.yaml');
  const elements = await waitFor('both interfaces configured', async () => {
    const a = await e.annotation(two.name);
    return (
      a?.every((x) => (x['cni-args'] as Record<string, string>)?.['mellanox.infiniband.app'] === 'configured') && a
    );
  });
  const guids = elements!.map((x) => (x['cni-args'] as Record<string, string>).guid!);
  expect(guids[1]).toBe('02:00:00:00:00:00:01:00');
  expect(new Set(guids).size).toBe(2);
  for (const g of guids) expect(e.sim.members('0x6')).toContain(hex(g));
  guids.forEach((g) => live.set(g, two.name));
});

it('pods that are not ours are left alone: hostNetwork, no annotation, a non-IB network', async () => {
  const host = await createPod('host-net', 'ib', { hostNetwork: true });
  const other = await createPod('macvlan-only', 'macvlan');
  const plain = await e.core.createNamespacedPod({
    namespace: e.namespace,
    body: { metadata: { name: 'plain' }, spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox' }] } },
  });
  // A marker pod created after them: once it is configured, the watcher has seen the others.
  const marker = await createPod('marker', 'ib');
  live.set(await e.configuredGuid('marker', 30_000), 'marker');
  for (const uid of [host.uid, other.uid, plain.metadata!.uid!]) expect(await e.hasWorkflow(uid)).toBe(false);
  expect(
    (await e.core.readNamespacedPod({ namespace: e.namespace, name: 'macvlan-only' })).metadata!.annotations,
  ).toEqual({
    [NETWORKS_ANNOTATION]: 'macvlan',
  });
  expect(
    metricValue(await watcher.metrics(), 'ib_watcher_pod_decisions_total', { outcome: 'not-infiniband' }),
  ).toBeGreaterThan(0);
  expect(marker.uid).toBeTruthy();
});

it('a NAD created after its pod: the pod waits, then is configured at once', async () => {
  const pod = await createPod('late-nad', 'ib-late');
  await waitFor('waiting on its NAD', async () => (await e.pods.status(pod.uid))?.reason === 'nad-missing', {
    timeoutMs: 30_000,
  });
  const before = Date.now();
  await e.createNad('ib-late', e.pkeys[0]);
  live.set(await e.configuredGuid('late-nad', 30_000), 'late-nad');
  // The watcher's NAD signal, not the workflow's 5 s backoff, woke it (the backoff had just begun).
  console.log(`configured ${Date.now() - before} ms after its NAD appeared`);
});

it('a malformed annotation waits with an Event, and a user fix configures it', async () => {
  const pod = await createPod('malformed', '[{"name": "ib"');
  await waitFor(
    'waiting on its annotation',
    async () => (await e.pods.status(pod.uid))?.reason === 'annotation-invalid',
    {
      timeoutMs: 30_000,
    },
  );
  await e.warningEvent('malformed', 'InvalidNetworkAnnotation');
  await e.core.patchNamespacedPod({
    namespace: e.namespace,
    name: 'malformed',
    body: [{ op: 'replace', path: `/metadata/annotations/${NETWORKS_ANNOTATION.replace('/', '~1')}`, value: 'ib' }],
  });
  live.set(await e.configuredGuid('malformed', 30_000), 'malformed');
});

it.each([
  ['deleted (grace 0)', 'deleted'],
  ['Succeeded', 'Succeeded'],
  ['Failed', 'Failed'],
] as const)('pod %s: its GUID leaves the PKey and returns to the pool', async (_label, how) => {
  const name = `gone-${how.toLowerCase()}`;
  const pod = await createPod(name, 'ib');
  const guid = await e.configuredGuid(name, 30_000);
  expect(e.sim.members(e.pkeys[0])).toContain(hex(guid));
  if (how === 'deleted') await e.removePod(name);
  else await e.setPhase(name, how);
  const result = (await released(pod.uid)) as { outcome: string; reason: string };
  expect(result).toMatchObject({ outcome: 'released', reason: how === 'deleted' ? 'deleted' : how.toLowerCase() });
  expect(e.sim.members(e.pkeys[0])).not.toContain(hex(guid));
  expect(await e.pool.held([{ owner: `${pod.uid}_ib_idx_0`, guid }])).toEqual([false]);
  if (how !== 'deleted') await e.removePod(name);
});

it('watcher down: 20 pods deleted and 20 created meanwhile; on restart everything converges', async () => {
  const old = await Promise.all(Array.from({ length: 20 }, (_, i) => createPod(`old-${i}`, 'ib')));
  const oldGuids = await Promise.all(old.map((p) => e.configuredGuid(p.name, 60_000)));
  expect(await watcher.stop()).toBe(0);
  await Promise.all(old.map((p) => e.removePod(p.name)));
  const fresh = await Promise.all(Array.from({ length: 20 }, (_, i) => createPod(`fresh-${i}`, 'ib')));
  watcher = await e.startWatcher('watcher-restarted');
  const freshGuids = await Promise.all(fresh.map((p) => e.configuredGuid(p.name, 60_000)));
  fresh.forEach((p, i) => live.set(freshGuids[i]!, p.name));
  await Promise.all(old.map((p) => released(p.uid)));
  const members = e.sim.members(e.pkeys[0]);
  for (const g of oldGuids) if (!freshGuids.includes(g)) expect(members).not.toContain(hex(g));
  for (const g of freshGuids) expect(members).toContain(hex(g));
  expect(metricValue(await watcher.metrics(), 'ib_watcher_repairs_total', { kind: 'gone' })).toBe(20);
  await Promise.all(fresh.map((p) => e.removePod(p.name)));
  await Promise.all(fresh.map((p) => released(p.uid)));
  fresh.forEach((_, i) => live.delete(freshGuids[i]!));
});

it('two watcher replicas: one leads; kill it and the other takes over within 20 s', async () => {
  const standby = await e.startWatcher('watcher-standby');
  const page = await standby.metrics();
  expect(metricValue(page, 'ib_watcher_leader')).toBe(0);
  expect(metricValue(await watcher.metrics(), 'ib_watcher_leader')).toBe(1);
  await watcher.kill();
  const killedAt = Date.now();
  await waitFor('the standby to lead', async () => metricValue(await standby.metrics(), 'ib_watcher_leader') === 1, {
    timeoutMs: 20_000,
    intervalMs: 200,
  });
  console.log(`standby took over ${Date.now() - killedAt} ms after the leader was killed`);
  const pod = await createPod('after-takeover', 'ib');
  live.set(await e.configuredGuid('after-takeover', 30_000), 'after-takeover');
  watcher = standby;
  expect(pod.uid).toBeTruthy();
});

it('no live pod GUID was ever removed from its PKey (simulator request log)', async () => {
  const stillLive = new Set<string>();
  for (const [guid, name] of live) {
    const exists = await e.core.readNamespacedPod({ namespace: e.namespace, name }).then(
      () => true,
      () => false,
    );
    if (exists) stillLive.add(hex(guid));
  }
  expect(stillLive.size).toBeGreaterThan(5);
  const removed = guidsRemovedIn(e.sim.requestLog());
  expect(removed.filter((g) => stillLive.has(g))).toEqual([]);
  expect(worker.run.result).toBeUndefined();
});
