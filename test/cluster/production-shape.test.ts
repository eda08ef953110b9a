/**
 * The production shape (`IBK_PROFILE=cluster`): the Temporal server on PostgreSQL, two worker and
 * two watcher processes from the built output. A 500-pod burst survives one worker's SIGKILL, a
 * second burst survives a restart of the Temporal server, a third the loss of the leading watcher:
 * every pod configured, no GUID given twice, no live pod's GUID ever removed from its PKey; then
 * every pod deleted, and its GUID leaves the PKey.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { NETWORKS_ANNOTATION } from '../../domain/annotations';
import { startEndToEnd, type EndToEnd, type Running } from '../support/e2e';
import { metricValue, REPO_ROOT } from '../support/processes';
import { stackEnv } from '../support/stack';
import { guidsRemovedIn } from '../support/ufm-log';
import { waitFor } from '../support/wait';

jest.setTimeout(600_000);

const hex = (guid: string) => guid.replaceAll(':', '').toLowerCase();
let e: EndToEnd;
let workers: Running[];
let watchers: Running[];
/** GUID → pod name, of every pod configured so far. */
const live = new Map<string, string>();

beforeAll(async () => {
  expect(stackEnv('IBK_PROFILE')).toBe('cluster');
  e = await startEndToEnd();
  e.sim.setKnobs({ requestLogLimit: 200_000 });
  await e.createNad('ib', e.pkeys[0]);
  workers = await Promise.all([e.startWorker('worker-a'), e.startWorker('worker-b')]);
  watchers = [await e.startWatcher('watcher-a'), await e.startWatcher('watcher-b')];
}, 120_000);
afterAll(() => e?.close(), 120_000);

/** Creates `count` pods named `<prefix>-<i>`, 50 requests at a time, as a controller would. */
async function createPods(prefix: string, count: number): Promise<string[]> {
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  for (let i = 0; i < names.length; i += 50) {
    await Promise.all(names.slice(i, i + 50).map((name) => e.createPod(name, 'ib')));
  }
  return names;
}

/** The GUID of every configured pod among `names`, from one list of the namespace. */
async function configured(names: readonly string[]): Promise<Map<string, string>> {
  const wanted = new Set(names);
  const found = new Map<string, string>();
  for (const pod of (await e.core.listNamespacedPod({ namespace: e.namespace })).items) {
    const name = pod.metadata!.name!;
    const text = pod.metadata?.annotations?.[NETWORKS_ANNOTATION] ?? '';
    if (!wanted.has(name) || !text.includes('"configured"')) continue;
    found.set(name, (JSON.parse(text) as Array<{ 'cni-args': { guid: string } }>)[0]!['cni-args'].guid);
  }
  return found;
}

async function whenConfigured(names: readonly string[], atLeast: number, timeoutMs: number) {
  return waitFor(
    `${atLeast} of ${names.length} pods configured`,
    async () => {
      const done = await configured(names);
      return done.size >= atLeast ? done : undefined;
    },
    { timeoutMs, intervalMs: 500 },
  );
}

/** Every pod configured, each with its own GUID (none given before), and that GUID in the PKey. */
function expectAllConfigured(names: readonly string[], done: Map<string, string>): void {
  expect(done.size).toBe(names.length);
  const members = new Set(e.sim.members(e.pkeys[0]));
  for (const [name, guid] of done) {
    expect(live.get(guid) ?? name).toBe(name);
    live.set(guid, name);
    expect(members.has(hex(guid))).toBe(true);
  }
  expect(new Set(done.values()).size).toBe(names.length);
}

it('a 500-pod burst with one of the two workers killed with SIGKILL mid-way', async () => {
  const started = Date.now();
  const names = await createPods('burst', 500);
  await whenConfigured(names, 150, 300_000);
  await workers[0]!.kill();
  const atKill = (await configured(names)).size;
  expect(atKill).toBeLessThan(names.length);
  const done = await whenConfigured(names, names.length, 400_000);
  console.log(`500 pods configured in ${Date.now() - started} ms; worker-a killed at ${atKill}`);
  expectAllConfigured(names, done);
  expect(guidsRemovedIn(e.sim.requestLog())).toEqual([]);
  expect(workers[1]!.run.result).toBeUndefined();
  workers[0] = await e.startWorker('worker-c');
});

it('a burst with the Temporal server restarted mid-way converges', async () => {
  const names = await createPods('restart', 150);
  await whenConfigured(names, 20, 120_000);
  execFileSync('bash', [path.join(REPO_ROOT, 'hack/stack.sh'), 'restart-temporal'], {
    env: {
      ...process.env,
      IBK_STACK_DIR: stackEnv('IBK_STACK_DIR'),
      IBK_PORT_BASE: stackEnv('IBK_PORT_BASE'),
      IBK_PROFILE: 'cluster',
    },
    encoding: 'utf8',
    timeout: 400_000,
  });
  const restartedAt = Date.now();
  const done = await whenConfigured(names, names.length, 300_000);
  console.log(`after the server restart the burst converged in ${Date.now() - restartedAt} ms`);
  expectAllConfigured(names, done);
  expect(guidsRemovedIn(e.sim.requestLog())).toEqual([]);
  for (const process of [...workers, ...watchers]) expect(process.run.result).toBeUndefined();
});

it('the leading watcher killed: the other takes over and configures the next pods', async () => {
  const leading = async (w: Running) => metricValue(await w.metrics(), 'ib_watcher_leader') === 1;
  const leader = (await leading(watchers[0]!)) ? watchers[0]! : watchers[1]!;
  const standby = leader === watchers[0] ? watchers[1]! : watchers[0]!;
  expect(await leading(leader)).toBe(true);
  expect(await leading(standby)).toBe(false);
  await leader.kill();
  const names = await createPods('failover', 50);
  await waitFor('the standby to lead', () => leading(standby), { timeoutMs: 30_000, intervalMs: 200 });
  expectAllConfigured(names, await whenConfigured(names, names.length, 180_000));
  expect(guidsRemovedIn(e.sim.requestLog())).toEqual([]);
});

it('every pod deleted: each GUID leaves the PKey', async () => {
  const names = [...live.values()];
  expect(names.length).toBe(700);
  for (let i = 0; i < names.length; i += 50) {
    await Promise.all(names.slice(i, i + 50).map((name) => e.removePod(name)));
  }
  const ours = new Set([...live.keys()].map(hex));
  await waitFor('every GUID out of the PKey', () => e.sim.members(e.pkeys[0]).every((member) => !ours.has(member)), {
    timeoutMs: 400_000,
    intervalMs: 1000,
  });
  // Each was removed exactly once: nothing removed twice, nothing re-added after its removal.
  const removed = guidsRemovedIn(e.sim.requestLog());
  expect(removed.length).toBe(names.length);
  expect(new Set(removed)).toEqual(ours);
});
