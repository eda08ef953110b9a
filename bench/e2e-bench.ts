/**
 * `npm run bench:e2e` (not part of make test): the product as deployed, on the stack (`make stack-up`):
 * the real watcher and worker processes (built output, environment only), a UFM simulator answering
 * in 20 ms. N pods (BENCH_PODS, default 1000) created at once: makespan from first create to last
 * `configured` annotation and per-pod latency (both from a watch), UFM calls, history events per pod,
 * CPU per pod of every process; then the same for deleting them all (delete → GUID out of the PKey);
 * a lone pod (BENCH_LONE, default 50, in sequence); and the watcher's RSS with BENCH_WATCHER_PODS
 * (default 10,000) pods present.
 */
import { startEndToEnd, type EndToEnd, type Running } from '../test/support/e2e';
import { burst, createPod, report, type Measured } from './burst';
import { cpuSeconds, memoryMb, pool, stackPid, summary } from './measure';

const N = Number(process.env.BENCH_PODS ?? 1000);
const LONE = Number(process.env.BENCH_LONE ?? 50);
const WATCHER_PODS = Number(process.env.BENCH_WATCHER_PODS ?? 10_000);
const CONCURRENCY = 50;

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
    const pids: Record<string, number> = {
      'Temporal server': stackPid('temporal'),
      worker: worker.run.child.pid!,
      watcher: watcher.run.child.pid!,
      'kube-apiserver': stackPid('kube-apiserver'),
      etcd: stackPid('etcd'),
    };
    const measured: Measured[] = Object.entries(pids).map(([name, pid]) => ({ name, cpu: () => cpuSeconds(pid) }));
    console.log(`stack Temporal (SQLite file); ${N} pods; UFM latency 20 ms; DAEMON_PERIODIC_UPDATE=1`);
    if (LONE > 0) await lone(e);
    if (N > 0) report(N, await burst(e, measured, N));
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
