/**
 * Pod workflows end to end on the real stack (kube-apiserver, Temporal dev server, the worker and
 * its activities, a UFM simulator): configured only after the GUID is in the PKey, released only
 * after it left it, and every shape of pod the controller must handle.
 */
import { podWorkflowId } from '../../workflows/definitions';
import { startOrchestration, type Orchestration } from '../support/orchestration';
import { waitFor } from '../support/wait';

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
  expect(guid).toMatch(/^02:[0-9a-f]{2}:00:00:00:00:[0-9a-f]{2}:[0-9a-f]{2}$/);
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
}, 30_000);
