/**
 * One burst through the real watcher and worker processes, shared by bench:e2e and bench:cluster:
 * N pods created at once (50 requests in flight), timed from a watch until each is `configured`;
 * then all deleted, timed until each GUID has left the PKey. Reports makespan, latency
 * percentiles, UFM calls, CPU per pod of every measured process, and history events per pod.
 */
import * as k8s from '@kubernetes/client-node';
import { NETWORKS_ANNOTATION } from '../domain/annotations';
import { podWorkflowId } from '../workflows/definitions';
import type { EndToEnd } from '../test/support/e2e';
import { pool, summary } from './measure';

const CONCURRENCY = 50;

/** A measured process: a name and how to read its CPU seconds so far. */
export interface Measured {
  readonly name: string;
  cpu(): number;
}

export interface PhaseFigures {
  readonly makespanS: number;
  readonly latency: string;
  readonly ufmCalls: Record<string, number>;
  /** CPU milliseconds per pod, by process. */
  readonly cpuMsPerPod: Record<string, number>;
}

export interface BurstFigures {
  readonly create: PhaseFigures;
  readonly remove: PhaseFigures;
  readonly eventsPerPod: number;
}

function cpuNow(processes: readonly Measured[]): Map<string, number> {
  return new Map(processes.map((p) => [p.name, p.cpu()]));
}

function cpuPerPod(processes: readonly Measured[], before: Map<string, number>, n: number): Record<string, number> {
  return Object.fromEntries(processes.map((p) => [p.name, ((p.cpu() - before.get(p.name)!) / n) * 1000]));
}

export function formatCpu(cpu: Record<string, number>): string {
  const total = Object.values(cpu).reduce((a, b) => a + b, 0);
  return `${Object.entries(cpu)
    .map(([name, ms]) => `${name} ${ms.toFixed(1)}`)
    .join(', ')}; total ${total.toFixed(1)} ms`;
}

function callDiff(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const keys = new Set([...Object.keys(after), ...Object.keys(before)]);
  return Object.fromEntries(
    [...keys].map((k) => [k, (after[k] ?? 0) - (before[k] ?? 0)] as const).filter(([, v]) => v > 0),
  );
}

/**
 * First time each pod's annotation was seen configured, from a watch on the namespace. The client
 * ends a watch after 30 s without events or on an error: each end relists (a pod first seen
 * configured in a list gets the list's time, an upper bound) and watches again from that list.
 */
function watchConfigured(e: EndToEnd, seen: Map<string, number>): { stop(): void } {
  let stopped = false;
  let current: AbortController | undefined;
  const note = (pod: k8s.V1Pod) => {
    const name = pod.metadata?.name ?? '';
    const text = pod.metadata?.annotations?.[NETWORKS_ANNOTATION] ?? '';
    if (text.includes('"configured"') && !seen.has(name)) seen.set(name, performance.now());
  };
  const watch = async (): Promise<void> => {
    if (stopped) return;
    try {
      const list = await e.core.listNamespacedPod({ namespace: e.namespace });
      list.items.forEach(note);
      current = await new k8s.Watch(e.kubeConfig).watch(
        `/api/v1/namespaces/${e.namespace}/pods`,
        { resourceVersion: list.metadata?.resourceVersion, allowWatchBookmarks: true },
        (_type: string, pod: k8s.V1Pod) => note(pod),
        () => void watch(),
      );
    } catch {
      setTimeout(() => void watch(), 1000);
    }
  };
  void watch();
  return {
    stop() {
      stopped = true;
      current?.abort();
    },
  };
}

export async function createPod(e: EndToEnd, name: string, networks: string): Promise<{ uid: string; name: string }> {
  const created = await e.core.createNamespacedPod({
    namespace: e.namespace,
    body: {
      metadata: { name, annotations: { [NETWORKS_ANNOTATION]: networks } },
      spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox' }] },
    },
  });
  return { uid: created.metadata!.uid!, name };
}

/**
 * A line every 30 s on long runs: how many pods reached the goal and at what rate in the last
 * interval, so a run that slows down can be told from one that stalls.
 */
function progressReporter(goal: string, done: () => number, n: number, everyMs = 30_000) {
  const started = performance.now();
  let last = { at: started, done: 0 };
  return {
    tick(context: string) {
      const now = performance.now();
      if (n < 2000 || now - last.at < everyMs) return;
      const count = done();
      const rate = ((count - last.done) * 1000) / (now - last.at);
      console.log(`  ${((now - started) / 1000).toFixed(0)} s: ${context}, ${count} ${goal} (${rate.toFixed(1)}/s)`);
      last = { at: now, done: count };
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The GUID (UFM hex) of every configured pod whose name starts with `prefix`. */
async function guidsByPod(e: EndToEnd, prefix: string): Promise<Map<string, string>> {
  const guids = new Map<string, string>();
  const listed = await e.core.listNamespacedPod({ namespace: e.namespace });
  for (const pod of listed.items) {
    const elements = JSON.parse(pod.metadata?.annotations?.[NETWORKS_ANNOTATION] ?? '[]') as Array<{
      'cni-args'?: { guid?: string };
    }>;
    const guid = elements[0]?.['cni-args']?.guid;
    if (guid && pod.metadata?.name?.startsWith(prefix)) guids.set(pod.metadata.name, guid.replaceAll(':', ''));
  }
  return guids;
}

/**
 * Runs the burst of `n` pods named `<prefix>-<i>` and their deletion; `between` runs once all are
 * configured, before the deletion (to read the entities' state at the peak, for instance).
 */
export async function burst(
  e: EndToEnd,
  processes: readonly Measured[],
  n: number,
  prefix = 'burst',
  between: () => Promise<void> = async () => {},
): Promise<BurstFigures> {
  const before = { calls: e.sim.counters(), cpu: cpuNow(processes) };
  const createdAt = new Map<string, number>();
  const configuredAt = new Map<string, number>();
  const names = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
  const watch = watchConfigured(e, configuredAt);
  const started = performance.now();
  const pods: Array<{ uid: string; name: string }> = [];
  await pool(names, CONCURRENCY, async (name) => {
    createdAt.set(name, performance.now());
    pods.push(await createPod(e, name, 'ib'));
  });
  const progress = progressReporter('configured', () => configuredAt.size, n);
  while (configuredAt.size < n) {
    progress.tick(`${createdAt.size} created`);
    await sleep(50);
  }
  watch.stop();
  const create: PhaseFigures = {
    makespanS: (Math.max(...configuredAt.values()) - started) / 1000,
    latency: summary(names.map((name) => configuredAt.get(name)! - createdAt.get(name)!)),
    ufmCalls: callDiff(e.sim.counters(), before.calls),
    cpuMsPerPod: cpuPerPod(processes, before.cpu, n),
  };
  await between();

  const guids = await guidsByPod(e, `${prefix}-`);
  const del = { calls: e.sim.counters(), cpu: cpuNow(processes) };
  const deletedAt = new Map<string, number>();
  const removedAt = new Map<string, number>();
  const delStarted = performance.now();
  await pool(pods, CONCURRENCY, async (pod) => {
    deletedAt.set(pod.name, performance.now());
    await e.removePod(pod.name);
  });
  const removal = progressReporter('out of the PKey', () => removedAt.size, n);
  while (removedAt.size < n) {
    removal.tick(`${deletedAt.size} deleted`);
    const members = new Set(e.sim.members(e.pkeys[0]));
    for (const [name, guid] of guids) {
      if (!removedAt.has(name) && !members.has(guid)) removedAt.set(name, performance.now());
    }
    await sleep(n > 2000 ? 200 : 20);
  }
  const remove: PhaseFigures = {
    makespanS: (Math.max(...removedAt.values()) - delStarted) / 1000,
    latency: summary(pods.map((p) => removedAt.get(p.name)! - deletedAt.get(p.name)!)),
    ufmCalls: callDiff(e.sim.counters(), del.calls),
    cpuMsPerPod: cpuPerPod(processes, del.cpu, n),
  };
  await pool(pods, CONCURRENCY, async (p) => void (await e.result(p.uid)));
  const sample = pods.slice(0, 20);
  let events = 0;
  for (const pod of sample) {
    events += (await e.temporal.client.workflow.getHandle(podWorkflowId(pod.uid)).fetchHistory()).events?.length ?? 0;
  }
  return { create, remove, eventsPerPod: events / sample.length };
}

/** Prints a burst's figures. */
export function report(n: number, figures: BurstFigures): void {
  const phase = (what: string, f: PhaseFigures) => {
    console.log(`${what}`);
    console.log(`  makespan ${f.makespanS.toFixed(1)} s; latency ${f.latency}`);
    console.log(`  UFM calls: ${JSON.stringify(f.ufmCalls)}`);
    console.log(`  CPU per pod (ms): ${formatCpu(f.cpuMsPerPod)}`);
  };
  phase(`${n} pods created at once → configured`, figures.create);
  phase(`${n} pods deleted → GUID out of the PKey`, figures.remove);
  console.log(`  history events per pod (whole life, mean of 20): ${figures.eventsPerPod.toFixed(1)}`);
}
