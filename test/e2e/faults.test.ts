/**
 * End to end under faults (real watcher and worker processes): the worker down while pods come and
 * go, the worker killed with SIGKILL during a 200-pod burst, UFM down for a while, and the Temporal
 * dev server restarted on the same persistence file. Each converges, with zero duplicate GUIDs and
 * no live pod's GUID ever removed from its PKey.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { NETWORKS_ANNOTATION } from '../../domain/annotations';
import { startEndToEnd, type EndToEnd, type Running } from '../support/e2e';
import { waitFor } from '../support/wait';

jest.setTimeout(240_000);

const hex = (guid: string) => guid.replaceAll(':', '').toLowerCase();
let e: EndToEnd;
let worker: Running;
/**
 * Each pod's life in request-log positions: from when we saw it configured until we deleted it.
 * A removal of its GUID inside that window is membership flapping.
 */
const lives = new Map<string, { guid: string; from: number; to?: number }>();

beforeAll(async () => {
  e = await startEndToEnd();
  e.sim.setKnobs({ requestLogLimit: 200_000, baseLatencyMs: 20 });
  await e.createNad('ib', e.pkeys[0]);
  [worker] = await Promise.all([e.startWorker('worker-1'), e.startWatcher('watcher')]);
}, 120_000);
afterAll(() => e?.close(), 60_000);

async function createPods(prefix: string, count: number) {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const name = `${prefix}-${i}`;
      const created = await e.core.createNamespacedPod({
        namespace: e.namespace,
        body: {
          metadata: { name, annotations: { [NETWORKS_ANNOTATION]: 'ib' } },
          spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox' }] },
        },
      });
      return { uid: created.metadata!.uid!, name };
    }),
  );
}

async function configureAll(pods: ReadonlyArray<{ name: string }>, timeoutMs = 90_000): Promise<string[]> {
  const guids = await Promise.all(pods.map((p) => e.configuredGuid(p.name, timeoutMs)));
  const from = e.sim.requestLog().length;
  pods.forEach((p, i) => lives.set(p.name, { guid: hex(guids[i]!), from }));
  return guids;
}

/** Deletes a pod, noting where the request log stood: a removal of its GUID before that is flapping. */
async function remove(name: string): Promise<void> {
  const life = lives.get(name);
  if (life) life.to = e.sim.requestLog().length;
  await e.removePod(name);
}

async function removeAll(pods: ReadonlyArray<{ uid: string; name: string }>) {
  await Promise.all(pods.map((p) => remove(p.name)));
  await Promise.all(pods.map((p) => waitFor(`${p.name} released`, () => e.result(p.uid), { timeoutMs: 90_000 })));
}

it('worker stopped: 20 pods deleted and 20 created meanwhile; on restart everything converges', async () => {
  const old = await createPods('old', 20);
  const oldGuids = await configureAll(old);
  expect(await worker.stop()).toBe(0);
  await Promise.all(old.map((p) => remove(p.name)));
  const fresh = await createPods('fresh', 20);
  worker = await e.startWorker('worker-2');
  const freshGuids = await configureAll(fresh);
  await Promise.all(old.map((p) => waitFor(`${p.name} released`, () => e.result(p.uid), { timeoutMs: 60_000 })));
  const members = new Set(e.sim.members(e.pkeys[0]));
  for (const g of freshGuids) expect(members).toContain(hex(g));
  for (const g of oldGuids.filter((g) => !freshGuids.includes(g))) expect(members).not.toContain(hex(g));
  await removeAll(fresh);
});

it('worker killed with SIGKILL during a 200-pod burst: converges, zero duplicate GUIDs', async () => {
  const burst = await createPods('burst', 200);
  await waitFor('some pods configured', async () => (await e.annotation(burst[0]!.name)) !== null, {
    timeoutMs: 60_000,
  });
  await waitFor(
    'a first configured pod of the burst',
    async () => {
      const list = await e.core.listNamespacedPod({ namespace: e.namespace });
      return list.items.some((p) => p.metadata?.annotations?.[NETWORKS_ANNOTATION]?.includes('"configured"'));
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  );
  await worker.kill();
  worker = await e.startWorker('worker-3');
  const guids = await configureAll(burst, 120_000);
  expect(new Set(guids).size).toBe(200);
  const members = new Set(e.sim.members(e.pkeys[0]));
  for (const g of guids) expect(members).toContain(hex(g));
  await removeAll(burst);
});

it('UFM down for a while: pods wait, then converge once it is back', async () => {
  const rule = e.sim.addFault({ kind: 'status', status: 503 });
  const pods = await createPods('ufm-down', 10);
  await waitFor(
    'pods held up by UFM',
    async () => {
      const status = await e.pods.status(pods[0]!.uid);
      return status !== undefined && status.stage !== 'configured';
    },
    { timeoutMs: 30_000 },
  );
  e.sim.removeFault(rule);
  await configureAll(pods);
  await removeAll(pods);
});

it('the Temporal dev server restarted on the same file: converges', async () => {
  const before = await createPods('pre-restart', 10);
  await configureAll(before);
  execFileSync('bash', [path.resolve(__dirname, '../../hack/stack.sh'), 'restart-temporal'], {
    env: process.env,
    stdio: 'ignore',
  });
  const after = await createPods('post-restart', 10);
  await configureAll(after, 120_000);
  await removeAll([...before, ...after]);
});

it('no live pod GUID was ever removed from its PKey (request log), and none is left behind', async () => {
  expect(lives.size).toBeGreaterThan(250);
  const log = e.sim.requestLog();
  const flapped: string[] = [];
  log.forEach((entry, index) => {
    if (entry.method !== 'DELETE') return;
    for (const guid of entry.path.split('/guids/')[1]?.split(',') ?? []) {
      for (const [name, life] of lives) {
        if (life.guid === guid.toLowerCase() && index >= life.from && index < (life.to ?? Infinity))
          flapped.push(`${guid} of ${name}`);
      }
    }
  });
  expect(flapped).toEqual([]);
  const ours = new Set([...lives.values()].map((l) => l.guid));
  expect(e.sim.members(e.pkeys[0]).filter((g) => ours.has(g))).toEqual([]);
});
