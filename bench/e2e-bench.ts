/**
 * `npm run bench:e2e` (not part of make test): the product as deployed, on the stack (`make stack-up`):
 * the real watcher and worker processes (built output, environment only), a UFM simulator answering
 * in 20 ms. N pods (BENCH_PODS, default 1000) created at once: makespan from first create to last
 * `configured` annotation and per-pod latency (both from a watch), UFM calls, history events per pod,
 * CPU per pod of every process; then the same for deleting them all (delete → GUID out of the PKey);
 * a lone pod (BENCH_LONE, default 50, in sequence); and the watcher's RSS with BENCH_WATCHER_PODS
 * (default 10,000) pods present.
 */
import * as k8s from '@kubernetes/client-node';
import { NETWORKS_ANNOTATION } from '../domain/annotations';
import { podWorkflowId } from '../workflows/definitions';
import { startEndToEnd, type EndToEnd, type Running } from '../test/support/e2e';
import { cpuSeconds, memoryMb, pool, stackPid, summary } from './measure';

const N = Number(process.env.BENCH_PODS ?? 1000);
const LONE = Number(process.env.BENCH_LONE ?? 50);
const WATCHER_PODS = Number(process.env.BENCH_WATCHER_PODS ?? 10_000);
const CONCURRENCY = 50;

interface Processes {
  readonly [name: string]: number;
}

function cpuOf(pids: Processes): Record<string, number> {
  return Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)]));
}

function cpuLine(pids: Processes, before: Record<string, number>, count: number): string {
  return Object.entries(pids)
    .map(([name, pid]) => `${name} ${(((cpuSeconds(pid) - before[name]!) / count) * 1000).toFixed(1)} ms`)
    .join(', ');
}

/** First time each pod's annotation was seen configured, from a watch on the namespace. */
function watchConfigured(e: EndToEnd, seen: Map<string, number>): Promise<AbortController> {
  return new k8s.Watch(e.kubeConfig).watch(
    `/api/v1/namespaces/${e.namespace}/pods`,
    {},
    (_type: string, pod: { metadata?: { name?: string; annotations?: Record<string, string> } }) => {
      const name = pod.metadata?.name ?? '';
      const text = pod.metadata?.annotations?.[NETWORKS_ANNOTATION] ?? '';
      if (text.includes('"configured"') && !seen.has(name)) seen.set(name, performance.now());
    },
    () => undefined,
  );
}

async function createPod(e: EndToEnd, name: string, networks: string) {
  const created = await e.core.createNamespacedPod({
    namespace: e.namespace,
    body: {
      metadata: { name, annotations: { [NETWORKS_ANNOTATION]: networks } },
      spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox' }] },
    },
  });
  return { uid: created.metadata!.uid!, name };
}

async function burst(e: EndToEnd, pids: Processes): Promise<void> {
  const counters = () => e.sim.counters();
  const before = { calls: counters(), cpu: cpuOf(pids) };
  const createdAt = new Map<string, number>();
  const configuredAt = new Map<string, number>();
  const names = Array.from({ length: N }, (_, i) => `burst-${i}`);
  const watch = await watchConfigured(e, configuredAt);
  const started = performance.now();
  const pods: Array<{ uid: string; name: string }> = [];
  await pool(names, CONCURRENCY, async (name) => {
    createdAt.set(name, performance.now());
    pods.push(await createPod(e, name, 'ib'));
  });
  while (configuredAt.size < N) await new Promise((r) => setTimeout(r, 50));
  watch.abort();
  const makespan = Math.max(...configuredAt.values()) - started;
  const calls = counters();
  const diff = (k: string) => (calls[k] ?? 0) - (before.calls[k] ?? 0);
  console.log(`\n${N} pods created at once → configured (watcher and worker processes)`);
  console.log(
    `  makespan ${(makespan / 1000).toFixed(1)} s; latency ${summary(names.map((n) => configuredAt.get(n)! - createdAt.get(n)!))}`,
  );
  console.log(`  UFM calls: add ${diff('POST /resources/pkeys')}, list ${diff('GET /resources/pkeys')}`);
  console.log(`  CPU per pod: ${cpuLine(pids, before.cpu, N)}`);

  const members = () => new Set(e.sim.members(e.pkeys[0]));
  const guids = new Map<string, string>();
  const listed = await e.core.listNamespacedPod({ namespace: e.namespace });
  for (const pod of listed.items) {
    const elements = JSON.parse(pod.metadata?.annotations?.[NETWORKS_ANNOTATION] ?? '[]') as Array<{
      'cni-args'?: { guid?: string };
    }>;
    const guid = elements[0]?.['cni-args']?.guid;
    if (guid && pod.metadata?.name?.startsWith('burst-')) guids.set(pod.metadata.name, guid.replaceAll(':', ''));
  }
  const del = { calls: counters(), cpu: cpuOf(pids) };
  const deletedAt = new Map<string, number>();
  const removedAt = new Map<string, number>();
  const delStarted = performance.now();
  await pool(pods, CONCURRENCY, async (pod) => {
    deletedAt.set(pod.name, performance.now());
    await e.removePod(pod.name);
  });
  while (removedAt.size < N) {
    const now = members();
    for (const [name, guid] of guids)
      if (!removedAt.has(name) && !now.has(guid)) removedAt.set(name, performance.now());
    await new Promise((r) => setTimeout(r, 20));
  }
  const delCalls = counters();
  const removes =
    (delCalls['DELETE /resources/pkeys/:pkey/guids/:guids'] ?? 0) -
    (del.calls['DELETE /resources/pkeys/:pkey/guids/:guids'] ?? 0);
  console.log(`${N} pods deleted → GUID out of the PKey`);
  console.log(
    `  makespan ${((Math.max(...removedAt.values()) - delStarted) / 1000).toFixed(1)} s; latency ${summary(pods.map((p) => removedAt.get(p.name)! - deletedAt.get(p.name)!))}`,
  );
  console.log(`  UFM calls: remove ${removes}`);
  console.log(`  CPU per pod: ${cpuLine(pids, del.cpu, N)}`);
  await Promise.all(pods.map((p) => e.result(p.uid)));
  const sample = pods.slice(0, 20);
  let events = 0;
  for (const pod of sample)
    events += (await e.temporal.client.workflow.getHandle(podWorkflowId(pod.uid)).fetchHistory()).events?.length ?? 0;
  console.log(
    `  history events per pod (whole life, mean of ${sample.length}): ${(events / sample.length).toFixed(1)}`,
  );
}

async function lone(e: EndToEnd): Promise<void> {
  const configured: number[] = [];
  const removed: number[] = [];
  for (let i = 0; i < LONE; i++) {
    const t0 = performance.now();
    const pod = await createPod(e, `lone-${i}`, 'ib');
    const guid = (await e.configuredGuid(pod.name)).replaceAll(':', '');
    configured.push(performance.now() - t0);
    const t1 = performance.now();
    await e.removePod(pod.name);
    while (e.sim.members(e.pkeys[0]).includes(guid)) await new Promise((r) => setTimeout(r, 5));
    removed.push(performance.now() - t1);
  }
  console.log(
    `\nlone pod, ${LONE} in sequence: create → configured ${summary(configured)}; delete → out of the PKey ${summary(removed)}`,
  );
}

async function watcherMemory(e: EndToEnd, watcher: Running): Promise<void> {
  // Pods the watcher must hold but that cost Temporal nothing: a network that is not ib-sriov.
  await e.createNad('plain', undefined, { type: 'macvlan' });
  const names = Array.from({ length: WATCHER_PODS }, (_, i) => `many-${i}`);
  const started = performance.now();
  await pool(names, CONCURRENCY, async (name) => void (await createPod(e, name, 'plain')));
  const pid = watcher.run.child.pid!;
  for (;;) {
    const page = await watcher.metrics();
    const known = Number(/^ib_watcher_pods (\d+)/m.exec(page)?.[1] ?? 0);
    if (known >= WATCHER_PODS) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const mem = memoryMb(pid);
  console.log(
    `\nwatcher with ${WATCHER_PODS} pods present (created in ${((performance.now() - started) / 1000).toFixed(0)} s): RSS ${mem.now.toFixed(0)} MB, peak ${mem.peak.toFixed(0)} MB`,
  );
  // The stack has no namespace controller: pods left behind would slow every later list.
  await e.core
    .deleteCollectionNamespacedPod({ namespace: e.namespace, gracePeriodSeconds: 0 })
    .catch((error: unknown) => console.log(`  (deleting the pods failed: ${String(error).slice(0, 100)})`));
}

async function main(): Promise<void> {
  const e = await startEndToEnd({ env: { DAEMON_PERIODIC_UPDATE: '1' } });
  e.sim.setKnobs({ baseLatencyMs: 20, requestLogLimit: 0 });
  await e.createNad('ib', e.pkeys[0]);
  try {
    const [worker, watcher] = await Promise.all([e.startWorker('worker'), e.startWatcher('watcher')]);
    const pids: Processes = {
      'Temporal server': stackPid('temporal'),
      worker: worker.run.child.pid!,
      watcher: watcher.run.child.pid!,
      'kube-apiserver': stackPid('kube-apiserver'),
      etcd: stackPid('etcd'),
    };
    console.log(`stack Temporal (SQLite file); ${N} pods; UFM latency 20 ms; DAEMON_PERIODIC_UPDATE=1`);
    if (LONE > 0) await lone(e);
    if (N > 0) await burst(e, pids);
    const peaks = Object.entries(pids)
      .map(([name, pid]) => `${name} ${memoryMb(pid).peak.toFixed(0)} MB`)
      .join(', ');
    console.log(`  peak RSS: ${peaks}`);
    if (WATCHER_PODS > 0) await watcherMemory(e, watcher);
  } finally {
    await e.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
