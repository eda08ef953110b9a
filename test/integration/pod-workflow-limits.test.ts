/**
 * A pool of three GUIDs and a limited partition (`DEFAULT_LIMITED_PARTITION`): an exhausted pool
 * makes a pod wait with a clear reason until a GUID frees up; every pod GUID also joins the existing
 * limited partition, leaves it with the pod, and a missing limited partition never holds up the
 * pod's own PKey.
 */
import { startOrchestration, type Orchestration } from '../support/orchestration';
import { waitFor } from '../support/wait';

jest.setTimeout(60_000);

let o: Orchestration;
const LIMITED = `0x${(0x7000 + Math.floor(Math.random() * 0xf00)).toString(16)}`;
const STORAGE = '0200000000000f00'; // a storage server, full member of the limited partition
const ufmHex = (guid: string) => guid.replaceAll(':', '');

beforeAll(async () => {
  const high = Math.floor(Math.random() * 0x100)
    .toString(16)
    .padStart(2, '0');
  o = await startOrchestration({
    env: {
      GUID_POOL_RANGE_START: `02:ee:${high}:00:00:00:00:01`,
      GUID_POOL_RANGE_END: `02:ee:${high}:00:00:00:00:03`,
      DEFAULT_LIMITED_PARTITION: LIMITED,
    },
  });
  o.sim.seed(LIMITED, [STORAGE]);
  await o.createNad('ib', o.pkeys[0]);
}, 60_000);
afterAll(() => o?.close(), 30_000);

it('joins the limited partition as a limited member and leaves it with the pod', async () => {
  const pod = await o.createPod('limited', 'ib');
  await o.pods.ensure(pod);
  const guid = ufmHex(await o.configuredGuid('limited'));
  await waitFor('limited join reported', async () => (await o.pods.status(pod.uid))?.limited?.joined === true);
  expect(o.sim.snapshot()[LIMITED]?.guids).toContainEqual({ guid, membership: 'limited', index0: false });
  expect(o.sim.snapshot()[o.pkeys[0]]?.guids).toContainEqual({ guid, membership: 'full', index0: true });
  await o.deletePod(pod);
  await o.result(pod.uid);
  expect(o.sim.members(LIMITED)).toEqual([STORAGE]);
  expect(o.sim.members(o.pkeys[0])).not.toContain(guid);
});

it('an exhausted pool: the fourth pod waits with pool-exhausted, then gets the GUID the first frees', async () => {
  const pods = await Promise.all([1, 2, 3].map((i) => o.createPod(`full-${i}`, 'ib')));
  await Promise.all(pods.map((p) => o.pods.ensure(p)));
  const guids = await Promise.all(pods.map((p) => o.configuredGuid(p.name)));
  expect(new Set(guids).size).toBe(3);
  const fourth = await o.createPod('full-4', 'ib');
  await o.pods.ensure(fourth);
  await waitFor('pool-exhausted', async () => (await o.pods.status(fourth.uid))?.reason === 'pool-exhausted');
  await o.deletePod(pods[0]!);
  await o.result(pods[0]!.uid);
  await o.pods.retry(fourth.uid);
  expect(await o.configuredGuid('full-4')).toBe(guids[0]);
  await Promise.all([...pods.slice(1), fourth].map((p) => o.deletePod(p)));
  await Promise.all([...pods.slice(1), fourth].map((p) => o.result(p.uid)));
});

it('a missing limited partition never holds up the pod: configured, with the error visible', async () => {
  o.sim.reset(); // the limited partition is gone
  const pod = await o.createPod('no-limited', 'ib');
  await o.pods.ensure(pod);
  const guid = ufmHex(await o.configuredGuid('no-limited'));
  expect(o.sim.members(o.pkeys[0])).toContain(guid);
  const status = await waitFor('limited error reported', async () => {
    const s = await o.pods.status(pod.uid);
    return s?.limited?.joined === false ? s : undefined;
  });
  expect(status.limited?.error).toMatch(/DEFAULT_LIMITED_PARTITION/);
  expect(o.sim.snapshot()[LIMITED]).toBeUndefined(); // never created by us
  await o.deletePod(pod);
  await o.result(pod.uid);
});
