/**
 * Pod workflows end to end on the real stack (kube-apiserver, Temporal dev server, the worker and
 * its activities, a UFM simulator): configured only after the GUID is in the PKey, released only
 * after it left it, and every shape of pod the controller must handle.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import { findGuidShard } from '../../domain/guid-range';
import { guidPoolShardWorkflowId, pkeyFlushWorkflowId, podWorkflowId } from '../../workflows/definitions';
import { recordHistories as record, recording } from '../support/histories';
import { startOrchestration, type Orchestration } from '../support/orchestration';
import { waitFor } from '../support/wait';

jest.setTimeout(30_000);

let o: Orchestration;
const ufmHex = (guid: string) => guid.replaceAll(':', '');

beforeAll(async () => {
  o = await startOrchestration();
  await o.createNad('ib-a', o.pkeys[0]);
  await o.createNad('ib-b', o.pkeys[1], { capabilities: { infinibandGUID: true } });
}, 60_000);
afterAll(() => o?.close(), 30_000);

type Element = { name: string; 'cni-args'?: Record<string, string>; 'infiniband-guid'?: string };

async function configured(name: string, count = 1): Promise<Element[]> {
  return waitFor(`pod ${name} configured`, async () => {
    const elements = (await o.annotation(name)) as Element[] | null;
    const done = elements?.filter((e) => e['cni-args']?.['mellanox.infiniband.app'] === 'configured') ?? [];
    return done.length >= count ? elements! : undefined;
  });
}

const guidOf = (e: Element) => e['infiniband-guid'] ?? e['cni-args']?.guid ?? '';

it('configures one interface: GUID in the PKey first, then the annotation', async () => {
  const pod = await o.createPod('one', 'ib-a');
  await o.pods.ensure(pod);
  const [element] = await configured('one');
  const guid = guidOf(element!);
  expect(guid.startsWith(o.config.guidPool.start.slice(0, 18))).toBe(true);
  expect(element!['cni-args']).toMatchObject({ guid, pkey: o.pkeys[0], 'mellanox.infiniband.app': 'configured' });
  expect(o.sim.members(o.pkeys[0])).toContain(ufmHex(guid));
  // The add reached UFM before the patch reached the apiserver (invariant 1).
  const add = o.sim.requestLog().find((e) => e.method === 'POST' && JSON.stringify(e.body).includes(ufmHex(guid)));
  expect(add).toBeDefined();
  // The query answers from the last finished workflow task, a moment after the patch.
  const status = await waitFor('configured stage', async () => {
    const s = await o.pods.status(pod.uid);
    return s?.stage === 'configured' ? s : undefined;
  });
  expect(status).toMatchObject({ pkeys: [o.pkeys[0]], interfaces: [{ guid, pkey: o.pkeys[0], configured: false }] });

  await o.deletePod(pod);
  const handle = o.temporal.client.workflow.getHandle(podWorkflowId(pod.uid));
  expect(await handle.result()).toMatchObject({ outcome: 'released', reason: 'deleted', guids: [guid] });
  expect(o.sim.members(o.pkeys[0])).not.toContain(ufmHex(guid));
  if (recording()) await recordHistories(pod.uid, guid);
}, 30_000);

it('names its steps for the web UI: activity summaries in the histories', async () => {
  const summaries = async (workflowId: string) => {
    const history = await o.temporal.client.workflow.getHandle(workflowId).fetchHistory();
    return (history.events ?? []).flatMap((e) => {
      const payload = e.userMetadata?.summary;
      return payload ? [String(defaultPayloadConverter.fromPayload(payload))] : [];
    });
  };
  const pod = await o.createPod('summaries', 'ib-a');
  await o.pods.ensure(pod);
  const guid = await o.configuredGuid('summaries');
  await o.deletePod(pod);
  await o.result(pod.uid);
  expect(await summaries(podWorkflowId(pod.uid))).toEqual(
    expect.arrayContaining([
      `read pod ${o.namespace}/summaries and its NADs`,
      'allocate 1 GUID(s)',
      `add ${guid} to PKey ${o.pkeys[0]}`,
      'hand 1 GUID(s) to the PKey flush',
    ]),
  );
  expect(await summaries(pkeyFlushWorkflowId(o.pkeys[0], o.config.temporal.taskQueue))).toContain(
    `remove 1 GUID(s) from PKey ${o.pkeys[0]}`,
  );
});

/** Records the replay fixtures of this release (test/support/histories.ts), on purpose only. */
async function recordHistories(uid: string, guid: string): Promise<void> {
  const shard = o.pool.shards[findGuidShard(o.config.guidPool, o.pool.shards.length, guid)]!;
  await record(o.temporal.client, {
    'pod-workflow.json': podWorkflowId(uid),
    'pkey-flush-workflow.json': pkeyFlushWorkflowId(o.pkeys[0], o.config.temporal.taskQueue),
    'guid-pool-shard-workflow.json': guidPoolShardWorkflowId(shard, o.config.temporal.taskQueue),
  });
}

/** The owner ids of a pod's interfaces, as the pool knows them. */
const owner = (uid: string, network: string, key: string) => `${uid}_${network}_${key}`;

async function released(pod: { uid: string }): Promise<unknown> {
  return o.temporal.client.workflow.getHandle(podWorkflowId(pod.uid)).result();
}

async function waiting(uid: string, reason: string) {
  return waitFor(`pod ${uid} waiting for ${reason}`, async () => {
    const status = await o.pods.status(uid);
    return status?.stage === 'waiting' && status.reason === reason ? status : undefined;
  });
}

describe('shapes of pods', () => {
  it('several interfaces on one network get distinct GUIDs in one PKey', async () => {
    const pod = await o.createPod('multi', 'ib-a, ib-a@ib1');
    await o.pods.ensure(pod);
    const elements = await configured('multi', 2);
    const guids = elements.map(guidOf);
    expect(new Set(guids).size).toBe(2);
    for (const guid of guids) expect(o.sim.members(o.pkeys[0])).toContain(ufmHex(guid));
    expect(
      await o.pool.held(guids.map((g, i) => ({ guid: g, owner: owner(pod.uid, 'ib-a', ['idx_0', 'ib1'][i]!) }))),
    ).toEqual([true, true]);
    await o.deletePod(pod);
    await released(pod);
    for (const guid of guids) expect(o.sim.members(o.pkeys[0])).not.toContain(ufmHex(guid));
  });

  it('two networks with different PKeys; the infinibandGUID capability writes infiniband-guid', async () => {
    const pod = await o.createPod('two-nets', 'ib-a, ib-b');
    await o.pods.ensure(pod);
    const [a, b] = await configured('two-nets', 2);
    expect(a!['cni-args']?.guid).toBeDefined();
    expect(b!['infiniband-guid']).toMatch(/^02:/);
    expect(b!['cni-args']).toEqual({ 'mellanox.infiniband.app': 'configured', pkey: o.pkeys[1] });
    expect(o.sim.members(o.pkeys[0])).toContain(ufmHex(guidOf(a!)));
    expect(o.sim.members(o.pkeys[1])).toContain(ufmHex(guidOf(b!)));
    await o.deletePod(pod);
    await released(pod);
  });

  it.each([
    ['cni-args.guid', (guid: string) => [{ name: 'ib-a', 'cni-args': { guid, keep: 'me' }, 'x-vendor': { a: 1 } }]],
    ['infiniband-guid', (guid: string) => [{ name: 'ib-a', 'infiniband-guid': guid, 'x-vendor': { a: 1 } }]],
  ])('a GUID requested through %s is the one used; unknown fields survive', async (_how, annotation) => {
    const guid = `${o.config.guidPool.start.slice(0, 18)}12:${_how.length.toString(16).padStart(2, '0')}`;
    const name = `req-${_how.length}`;
    const pod = await o.createPod(name, JSON.stringify(annotation(guid)));
    await o.pods.ensure(pod);
    const [element] = await configured(name);
    expect(guidOf(element!)).toBe(guid);
    expect(element).toMatchObject({ 'x-vendor': { a: 1 } });
    expect(o.sim.members(o.pkeys[0])).toContain(ufmHex(guid));
    await o.deletePod(pod);
    await released(pod);
    expect(o.sim.members(o.pkeys[0])).not.toContain(ufmHex(guid));
  });

  it('adopts a pod configured before (a restart, or upstream): registered, re-joined, annotation untouched', async () => {
    const guid = `${o.config.guidPool.start.slice(0, 18)}33:33`;
    const annotation = JSON.stringify([
      {
        name: 'ib-a',
        namespace: o.namespace,
        'cni-args': { guid, 'mellanox.infiniband.app': 'configured', pkey: o.pkeys[0] },
      },
    ]);
    const pod = await o.createPod('adopted', annotation);
    const before = (await o.core.readNamespacedPod({ namespace: o.namespace, name: 'adopted' })).metadata!
      .resourceVersion;
    await o.pods.ensure(pod);
    await waitFor('adopted pod configured', async () => (await o.pods.status(pod.uid))?.stage === 'configured');
    expect(o.sim.members(o.pkeys[0])).toContain(ufmHex(guid));
    expect(await o.pool.held([{ guid, owner: owner(pod.uid, 'ib-a', 'idx_0') }])).toEqual([true]);
    const after = await o.core.readNamespacedPod({ namespace: o.namespace, name: 'adopted' });
    expect(after.metadata!.resourceVersion).toBe(before);
    await o.deletePod(pod);
    await released(pod);
  });

  it('leaves a pod whose networks are not ib-sriov untouched', async () => {
    await o.createNad('plain', undefined, { type: 'macvlan' });
    const pod = await o.createPod('not-ib', 'plain');
    await o.pods.ensure(pod);
    await waitFor('not-infiniband stage', async () => (await o.pods.status(pod.uid))?.stage === 'not-infiniband');
    expect(await o.annotation('not-ib').catch(() => null)).toBeNull(); // the short form is not JSON: unchanged
    await o.deletePod(pod);
    expect(await released(pod)).toMatchObject({ outcome: 'not-infiniband', guids: [] });
  });
});

describe('bad input waits visibly and recovers', () => {
  it('a missing NAD: waits with a reason and an Event, then configures once the NAD appears', async () => {
    const pod = await o.createPod('late-nad', 'ib-late');
    await o.pods.ensure(pod);
    const status = await waiting(pod.uid, 'nad-missing');
    expect(status.lastError).toMatch(/ib-late not found/);
    await waitFor('a Warning Event on the pod', async () => {
      const events = await o.core.listNamespacedEvent({
        namespace: o.namespace,
        fieldSelector: `involvedObject.uid=${pod.uid}`,
      });
      return events.items.find((e) => e.reason === 'NetworkAttachmentDefinitionMissing' && e.type === 'Warning');
    });
    await o.createNad('ib-late', o.pkeys[0]);
    await o.pods.nadChanged(pod.uid, `${o.namespace}_ib-late`);
    const [element] = await configured('late-nad');
    expect(o.sim.members(o.pkeys[0])).toContain(ufmHex(guidOf(element!)));
    await o.deletePod(pod);
    await released(pod);
    if (recording()) await record(o.temporal.client, { 'pod-workflow-nad-late.json': podWorkflowId(pod.uid) });
  });

  it.each([
    ['a malformed annotation', '[{"name": "ib-a",', 'annotation-invalid'],
    [
      'an out-of-range requested GUID',
      JSON.stringify([{ name: 'ib-a', 'cni-args': { guid: '0a:00:00:00:00:00:00:01' } }]),
      'guid-out-of-range',
    ],
    [
      'an invalid requested GUID',
      JSON.stringify([{ name: 'ib-a', 'cni-args': { guid: 'not-a-guid' } }]),
      'guid-invalid',
    ],
    [
      'an interface-key collision',
      JSON.stringify([{ name: 'ib-a', interface: 'idx_1' }, { name: 'ib-a' }, { name: 'ib-a' }]),
      'interface-collision',
    ],
  ])('%s waits, and the pod goes cleanly', async (_what, annotation, reason) => {
    const pod = await o.createPod(`bad-${reason}`, annotation);
    await o.pods.ensure(pod);
    await waiting(pod.uid, reason);
    await o.deletePod(pod);
    expect(await released(pod)).toMatchObject({ outcome: 'never-configured' });
  });

  it('an invalid PKey in the NAD waits with pkey-invalid', async () => {
    await o.createNad('bad-pkey', '0x7fff');
    const pod = await o.createPod('bad-pkey-pod', 'bad-pkey');
    await o.pods.ensure(pod);
    await waiting(pod.uid, 'pkey-invalid');
    await o.deletePod(pod);
    await released(pod);
  });
});

describe('a requested GUID is never given to two live pods', () => {
  it('two pods asking at once: one gets it, the other waits and gets it once the first is gone', async () => {
    const guid = `${o.config.guidPool.start.slice(0, 18)}44:44`;
    const annotation = JSON.stringify([{ name: 'ib-a', 'cni-args': { guid } }]);
    const [p1, p2] = await Promise.all([o.createPod('twin-1', annotation), o.createPod('twin-2', annotation)]);
    await Promise.all([o.pods.ensure(p1), o.pods.ensure(p2)]);
    const states = await waitFor('one configured, one waiting', async () => {
      const both = await Promise.all([o.pods.status(p1.uid), o.pods.status(p2.uid)]);
      const stages = both.map((s) => s?.stage).sort();
      return stages[0] === 'configured' && stages[1] === 'waiting' ? both : undefined;
    });
    const [winner, loser] = states[0]!.stage === 'configured' ? [p1, p2] : [p2, p1];
    expect(states.find((s) => s?.stage === 'waiting')?.reason).toBe('guid-taken');
    await o.deletePod(winner);
    await released(winner);
    await o.pods.retry(loser.uid);
    const [element] = await configured(loser.name);
    expect(guidOf(element!)).toBe(guid);
    expect(o.sim.members(o.pkeys[0])).toContain(ufmHex(guid));
    await o.deletePod(loser);
    await released(loser);
  });
});
