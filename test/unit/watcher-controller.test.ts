import type { PodFacts } from '../../domain/pod-relevance';
import { nadFactsOf } from '../../domain/watched-objects';
import { PodController, type PodWorkflowPort } from '../../watcher/controller';
import type { PodRef } from '../../workflows/definitions';

const IB = nadFactsOf(
  { metadata: { name: 'ib', namespace: 'ns' }, spec: { config: '{"type":"ib-sriov","pkey":"0x6"}' } },
  [],
);
const MACVLAN = nadFactsOf({ metadata: { name: 'mv', namespace: 'ns' }, spec: { config: '{"type":"macvlan"}' } }, []);

class FakeWorkflows implements PodWorkflowPort {
  calls: string[] = [];
  open: Array<{ uid: string; startedAt: number; namespace?: string; name?: string }> = [];
  existing = new Set<string>();
  failEnsureFor = new Set<string>();
  async ensure(pod: PodRef) {
    if (this.failEnsureFor.has(pod.uid)) throw new Error('temporal unavailable');
    this.calls.push(`ensure ${pod.uid}`);
    return 'running' as const;
  }
  async gone(uid: string, reason: string) {
    this.calls.push(`gone ${uid} ${reason}`);
    return true;
  }
  async changed(uid: string) {
    this.calls.push(`changed ${uid}`);
    return true;
  }
  async nadChanged(uid: string, networkId: string) {
    this.calls.push(`nad ${uid} ${networkId}`);
    return true;
  }
  async *openPodWorkflows() {
    yield* this.open;
  }
  async podExists(pod: { uid: string }) {
    return this.existing.has(pod.uid);
  }
}

const metrics = { podDecision() {}, workflowStarted() {}, signalSent() {}, repaired() {} };
const logger = { debug() {}, info() {}, warn() {}, error() {} };
const pod = (uid: string, overrides: Partial<PodFacts> = {}): PodFacts => ({
  uid,
  namespace: 'ns',
  name: `pod-${uid}`,
  nodeName: 'node-1',
  phase: 'Pending',
  networksAnnotation: 'ib',
  ...overrides,
});

async function leader(workflows = new FakeWorkflows()) {
  const controller = new PodController(workflows, metrics, logger);
  controller.nadUpserted('ns_ib', IB);
  controller.nadUpserted('ns_mv', MACVLAN);
  await controller.lead();
  return { controller, workflows };
}

it('starts a relevant pod once, however many updates it gets', async () => {
  const { controller, workflows } = await leader();
  for (let i = 0; i < 5; i++) controller.podUpserted(pod('a', { phase: i > 2 ? 'Running' : 'Pending' }));
  await controller.idle();
  expect(workflows.calls).toEqual(['ensure a']);
});

it('a pod whose networks are all known and not ib-sriov costs nothing; an unknown NAD starts it', async () => {
  const { controller, workflows } = await leader();
  controller.podUpserted(pod('mv', { networksAnnotation: 'mv' }));
  controller.podUpserted(pod('unknown', { networksAnnotation: 'not-yet' }));
  controller.podUpserted(pod('bad', { networksAnnotation: '[{"name":' }));
  controller.podUpserted(pod('host', { hostNetwork: true }));
  controller.podUpserted(pod('unscheduled', { nodeName: undefined }));
  await controller.idle();
  expect(workflows.calls.sort()).toEqual(['ensure bad', 'ensure unknown']);
  // Deleting the macvlan and host-network pods tells nobody.
  controller.podRemoved(pod('mv', { networksAnnotation: 'mv' }));
  controller.podRemoved(pod('host', { hostNetwork: true }));
  await controller.idle();
  expect(workflows.calls).toHaveLength(2);
});

it('a NAD that appears or changes wakes the pods naming it; a non-IB pod becomes ours when its NAD turns ib-sriov', async () => {
  const { controller, workflows } = await leader();
  controller.nadUpserted('ns_flip', MACVLAN);
  controller.podUpserted(pod('w', { networksAnnotation: 'later' }));
  controller.podUpserted(pod('m', { networksAnnotation: 'flip' }));
  await controller.idle();
  expect(workflows.calls).toEqual(['ensure w']);
  controller.nadUpserted('ns_later', IB);
  controller.nadUpserted('ns_later', IB); // same fingerprint: nothing new
  controller.nadUpserted('ns_flip', IB);
  await controller.idle();
  expect(workflows.calls).toEqual(['ensure w', 'nad w ns_later', 'ensure m']);
});

it('our own patch of the annotation sends nothing; a user edit is signalled', async () => {
  const { controller, workflows } = await leader();
  controller.podUpserted(pod('a', { networksAnnotation: 'ib' }));
  await controller.idle();
  const ours = JSON.stringify([
    {
      name: 'ib',
      namespace: 'ns',
      'cni-args': { guid: '02:00:00:00:00:00:00:01', pkey: '0x6', 'mellanox.infiniband.app': 'configured' },
    },
  ]);
  controller.podUpserted(pod('a', { networksAnnotation: ours }));
  await controller.idle();
  expect(workflows.calls).toEqual(['ensure a']);
  controller.podUpserted(pod('a', { networksAnnotation: 'ib, ib' }));
  await controller.idle();
  expect(workflows.calls).toEqual(['ensure a', 'changed a']);
});

it('a finished pod is reported once: not on later events, not when deleted', async () => {
  const { controller, workflows } = await leader();
  controller.podUpserted(pod('j'));
  await controller.idle();
  for (let i = 0; i < 3; i++) controller.podUpserted(pod('j', { phase: 'Succeeded' }));
  await controller.idle();
  controller.podRemoved(pod('j', { phase: 'Succeeded' }));
  await controller.idle();
  expect(workflows.calls).toEqual(['ensure j', 'gone j succeeded']);
  controller.podUpserted(pod('f', { phase: 'Failed' }));
  await controller.idle();
  // Failed at first sight: told nothing to start, only released (a no-op for a workflow never started).
  expect(workflows.calls.slice(2)).toEqual(['gone f failed']);
});

it('a deleted pod is reported, even one this replica never started (the previous leader did)', async () => {
  const { controller, workflows } = await leader();
  controller.podRemoved(pod('z'));
  await controller.idle();
  expect(workflows.calls).toEqual(['gone z deleted']);
});

it('a standby keeps facts but acts only once it leads', async () => {
  const workflows = new FakeWorkflows();
  const controller = new PodController(workflows, metrics, logger);
  controller.nadUpserted('ns_ib', IB);
  controller.podUpserted(pod('a'));
  controller.podUpserted(pod('b'));
  controller.podRemoved(pod('b'));
  await controller.idle();
  expect(workflows.calls).toEqual([]);
  await controller.lead();
  await controller.idle();
  expect(workflows.calls).toEqual(['ensure a']);
  controller.follow();
  controller.podUpserted(pod('c'));
  await controller.idle();
  expect(workflows.calls).toEqual(['ensure a']);
});

it('repair: an open workflow whose pod is gone is told; one whose pod exists, or started after the list, is not', async () => {
  const workflows = new FakeWorkflows();
  const listedAt = Date.now();
  workflows.open = [
    { uid: 'orphan', startedAt: listedAt - 10_000, namespace: 'ns', name: 'x' },
    { uid: 'cache-lags', startedAt: listedAt - 10_000, namespace: 'ns', name: 'y' },
    { uid: 'brand-new', startedAt: listedAt + 5 },
    { uid: 'known', startedAt: listedAt - 10_000 },
  ];
  workflows.existing.add('cache-lags');
  const controller = new PodController(workflows, metrics, logger);
  controller.podUpserted(pod('known'));
  await controller.lead();
  await controller.idle();
  expect(workflows.calls.filter((c) => c.startsWith('gone'))).toEqual(['gone orphan deleted']);
  expect(await controller.repair(listedAt)).toEqual({ gone: 1, ensured: 0 });
});

it('repair: a relevant pod whose workflow is no longer open is ensured again', async () => {
  const { controller, workflows } = await leader();
  controller.podUpserted(pod('a'));
  await controller.idle();
  workflows.open = []; // e.g. terminated by an operator, or lost with Temporal's data
  // Right after the start, visibility may lag: no second start yet...
  expect(await controller.repair(Date.now())).toEqual({ gone: 0, ensured: 0 });
  // ...but a relist a while later (as of 20 s from now) ensures it again.
  expect(await controller.repair(Date.now() + 20_000)).toEqual({ gone: 0, ensured: 1 });
  await controller.idle();
  expect(workflows.calls).toEqual(['ensure a', 'ensure a']);
});

it('a pod whose start keeps failing does not hold up the others, and is retried', async () => {
  const workflows = new FakeWorkflows();
  workflows.failEnsureFor.add('stuck');
  const { controller } = await leader(workflows);
  controller.podUpserted(pod('stuck'));
  for (let i = 0; i < 40; i++) controller.podUpserted(pod(`ok-${i}`));
  await controller.idle();
  expect(workflows.calls).toHaveLength(40);
  workflows.failEnsureFor.clear();
  const deadline = Date.now() + 5_000;
  while (!workflows.calls.includes('ensure stuck') && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  expect(workflows.calls).toContain('ensure stuck');
});
