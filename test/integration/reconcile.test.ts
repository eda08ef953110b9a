/**
 * The reconcile on the real stack: pods vs pool vs subnet manager. A live pod's membership lost
 * behind our back is added back; the GUID of a pod that vanished without its workflow telling
 * anyone leaves the PKey and the pool; a member UFM lists that we did not record, a port GUID
 * outside the range and every live pod's GUID are never touched; a second run finds nothing.
 */
import { ensureReconcileSchedule } from '../../client/reconcile-schedule';
import { parseUfmConfig } from '../../domain/config';
import { parsePKey } from '../../domain/pkey';
import { UfmPlugin } from '../../plugins/ufm';
import { entityTaskQueue, podWorkflowId, reconcileScheduleId, type ReconcileReport } from '../../workflows/definitions';
import { recordHistories, recording } from '../support/histories';
import { startOrchestration, type Orchestration } from '../support/orchestration';
import { uniqueName } from '../support/stack';
import { waitFor } from '../support/wait';

jest.setTimeout(60_000);

let o: Orchestration;
const hex = (guid: string) => guid.replaceAll(':', '');

beforeAll(async () => {
  o = await startOrchestration();
  o.sim.setKnobs({ requestLogLimit: 100_000 });
  await o.createNad('ib', o.pkeys[0]);
}, 60_000);
afterAll(() => o?.close(), 30_000);

/** Runs one reconcile; `fixture` records its history as this release's replay fixture (RECORD_HISTORIES=1). */
async function runReconcile(fixture = false): Promise<ReconcileReport> {
  const workflowId = uniqueName('reconcile');
  const report = await o.temporal.client.workflow.execute<() => Promise<ReconcileReport>>('reconcileWorkflow', {
    taskQueue: o.config.temporal.taskQueue,
    workflowId,
  });
  if (fixture && recording()) await recordHistories(o.temporal.client, { 'reconcile-workflow.json': workflowId });
  return report;
}

it('re-joins a lost membership, frees a vanished pod, and touches nothing else', async () => {
  const [a, b, c] = await Promise.all(['rec-a', 'rec-b', 'rec-c'].map((name) => o.createPod(name, 'ib')));
  await Promise.all([a, b, c].map((p) => o.pods.ensure(p!)));
  const [guidA, guidB, guidC] = await Promise.all(['rec-a', 'rec-b', 'rec-c'].map((n) => o.configuredGuid(n)));

  // Drift 1: someone removes a live pod's GUID from the PKey in UFM.
  const ufm = new UfmPlugin(parseUfmConfig(o.processEnv), { logger: { debug() {}, info() {}, warn() {}, error() {} } });
  await ufm.removeGuidsFromPKey(parsePKey(o.pkeys[0]), [guidA!]);
  await ufm.close();
  // Drift 2: a pod vanishes while nothing tells its workflow (terminated by hand, then the pod deleted).
  await o.temporal.client.workflow.getHandle(podWorkflowId(c!.uid)).terminate('test: lost workflow');
  await o.core.deleteNamespacedPod({ namespace: o.namespace, name: 'rec-c', gracePeriodSeconds: 0 });
  // Members that are not ours: an in-range GUID nobody recorded, and a port GUID outside the range.
  const prefix = hex(o.config.guidPool.start).slice(0, 12);
  const foreign = `${prefix}fff0`;
  const port = '0c42a10300000001';
  o.sim.seed(o.pkeys[0], [foreign, port]);
  const logFrom = o.sim.requestLog().length;

  const report = await runReconcile(true);
  expect(report).toMatchObject({ rejoined: { [o.pkeys[0]]: 1 }, freed: { viaFlush: 1, direct: 0 }, conflicts: 0 });

  expect(o.sim.members(o.pkeys[0])).toContain(hex(guidA!));
  await waitFor('the vanished pod GUID out of the PKey', () => !o.sim.members(o.pkeys[0]).includes(hex(guidC!)));
  await waitFor(
    'and back in the pool',
    async () => (await o.pool.held([{ owner: `${c!.uid}_ib_idx_0`, guid: guidC! }]))[0] === false,
  );
  expect(o.sim.members(o.pkeys[0])).toEqual(expect.arrayContaining([hex(guidA!), hex(guidB!), foreign, port]));
  const removed = o.sim
    .requestLog()
    .slice(logFrom)
    .filter((e) => e.method === 'DELETE')
    .flatMap((e) => e.path.split('/guids/')[1]?.split(',') ?? []);
  expect(removed).toEqual([hex(guidC!)]);
  await waitFor('the re-join Event', async () => {
    const list = await o.core.listNamespacedEvent({
      namespace: o.namespace,
      fieldSelector: 'involvedObject.name=rec-a',
    });
    return list.items.some((e) => e.reason === 'InfiniBandRejoined');
  });

  // Nothing left to fix.
  const again = await runReconcile();
  expect(again).toMatchObject({ rejoined: {}, freed: { viaFlush: 0, direct: 0 }, conflicts: 0 });
  await Promise.all([a, b].map((p) => o.deletePod(p!)));
  await Promise.all([a, b].map((p) => o.result(p!.uid)));
});

it('the Schedule is created once and its interval kept up to date by later workers', async () => {
  const queue = o.config.temporal.taskQueue;
  await ensureReconcileSchedule(o.temporal.client, queue, 300_000);
  await ensureReconcileSchedule(o.temporal.client, queue, 120_000);
  const handle = o.temporal.client.schedule.getHandle(reconcileScheduleId(queue));
  try {
    const described = await handle.describe();
    expect(described.spec.intervals?.[0]?.every).toBe(120_000);
    expect(described.action).toMatchObject({ workflowType: 'reconcileWorkflow', taskQueue: entityTaskQueue(queue) });
  } finally {
    await handle.delete();
  }
});
