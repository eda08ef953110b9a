/**
 * `npm run bench:orchestration` (not part of make test): N pods (default 1000, one InfiniBand
 * interface each, one PKey) created in the stack's kube-apiserver and driven through pod workflows by
 * the client the watcher uses, the real worker in this process, a UFM simulator answering in 20 ms.
 * Prints makespan, latency percentiles, UFM calls, history events per pod, CPU per pod (Temporal
 * server from /proc, this process for the worker), peak RSS; the same for deleting them all; and a
 * lone pod 50 times in sequence. Needs `make stack-up`; `BENCH_TEMPORAL=memory` (default) runs its
 * own in-memory dev server, `BENCH_TEMPORAL=stack` uses the stack's (SQLite file).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { podWorkflowId, SEARCH_ATTRIBUTES } from '../workflows/definitions';
import { startOrchestration, type Orchestration } from '../test/support/orchestration';
import { cpuSeconds, pool, stackPid, summary } from './measure';

const N = Number(process.env.BENCH_PODS ?? 1000);
const LONE = Number(process.env.BENCH_LONE ?? 50);
const CONCURRENCY = 50;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startMemoryServer(): Promise<{ address: string; pid: number; child: ChildProcess }> {
  const port = await freePort();
  const args = [
    'server',
    'start-dev',
    '--headless',
    '--port',
    String(port),
    '--ip',
    '127.0.0.1',
    '--log-level',
    'error',
  ];
  for (const key of SEARCH_ATTRIBUTES)
    args.push('--search-attribute', `${key.name}=${key.type === 'KEYWORD' ? 'Keyword' : 'KeywordList'}`);
  const child = spawn(process.env.TEMPORAL_CLI ?? 'temporal', args, { stdio: 'ignore' });
  const address = `127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const probe = spawn(
        process.env.TEMPORAL_CLI ?? 'temporal',
        ['operator', 'cluster', 'health', '--address', address],
        { stdio: 'ignore' },
      );
      probe.on('exit', (code) => resolve(code === 0));
    });
    if (ok) return { address, pid: child.pid!, child };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the in-memory Temporal dev server did not start');
}

function temporalPid(): number {
  return stackPid('temporal');
}

async function burst(o: Orchestration, serverPid: number, label: string, count: number): Promise<void> {
  const calls = () => o.sim.counters();
  const before = { calls: calls(), server: cpuSeconds(serverPid), worker: process.cpuUsage() };
  const createdAt = new Map<string, number>();
  const configuredAt = new Map<string, number>();
  const names = Array.from({ length: count }, (_, i) => `${label}-${i}`);
  const started = performance.now();
  const pods: Array<{ uid: string; namespace: string; name: string; node: string }> = [];
  // A watch, not a list poll: client-node deserialises every listed pod, which would cost this
  // process (the worker's) more CPU than the pods' own work.
  const watcher = await new k8s.Watch(o.kubeConfig).watch(
    `/api/v1/namespaces/${o.namespace}/pods`,
    {},
    (_type: string, pod: { metadata?: { name?: string; annotations?: Record<string, string> } }) => {
      const name = pod.metadata?.name ?? '';
      const text = pod.metadata?.annotations?.['k8s.v1.cni.cncf.io/networks'] ?? '';
      if (text.includes('"configured"') && !configuredAt.has(name)) configuredAt.set(name, performance.now());
    },
    () => undefined,
  );
  await pool(names, CONCURRENCY, async (name) => {
    createdAt.set(name, performance.now());
    const pod = await o.createPod(name, 'ib');
    pods.push(pod);
    await o.pods.ensure(pod);
  });
  while (configuredAt.size < count) await new Promise((r) => setTimeout(r, 50));
  watcher.abort();
  const makespan = Math.max(...configuredAt.values()) - started;
  const latencies = names.map((n) => configuredAt.get(n)! - createdAt.get(n)!);
  const after = { calls: calls(), server: cpuSeconds(serverPid), worker: process.cpuUsage(before.worker) };
  const diff = (k: string) => (after.calls[k] ?? 0) - (before.calls[k] ?? 0);
  console.log(`\n${count} pods at once → configured`);
  console.log(`  makespan ${(makespan / 1000).toFixed(1)} s; latency ${summary(latencies)}`);
  console.log(`  UFM calls: add ${diff('POST /resources/pkeys')}, list ${diff('GET /resources/pkeys')}`);
  console.log(`  pool Updates (allocate): ${o.pool.updates.allocate}`);
  const workerCpu = (after.worker.user + after.worker.system) / 1e6;
  console.log(
    `  CPU per pod: Temporal server ${(((after.server - before.server) / count) * 1000).toFixed(1)} ms, worker+bench ${((workerCpu / count) * 1000).toFixed(1)} ms`,
  );
  console.log(`  peak RSS of this process ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);

  // Deletion: every pod deleted and its workflow told, as the watcher does.
  const del = { calls: calls(), server: cpuSeconds(serverPid), worker: process.cpuUsage() };
  const delStarted = performance.now();
  const doneLatency: number[] = [];
  await pool(pods, CONCURRENCY, async (pod) => {
    const t0 = performance.now();
    await o.deletePod(pod);
    await o.temporal.client.workflow.getHandle(podWorkflowId(pod.uid)).result();
    doneLatency.push(performance.now() - t0);
  });
  const delSpan = performance.now() - delStarted;
  const delCalls = calls();
  const delWorker = process.cpuUsage(del.worker);
  console.log(`${count} pods deleted → out of the PKey and back in the pool`);
  console.log(`  makespan ${(delSpan / 1000).toFixed(1)} s; latency ${summary(doneLatency)}`);
  console.log(
    `  UFM calls: remove ${(delCalls['DELETE /resources/pkeys/:pkey/guids/:guids'] ?? 0) - (del.calls['DELETE /resources/pkeys/:pkey/guids/:guids'] ?? 0)}`,
  );
  console.log(
    `  CPU per pod: Temporal server ${(((cpuSeconds(serverPid) - del.server) / count) * 1000).toFixed(1)} ms, worker+bench ${((delWorker.user + delWorker.system) / 1e3 / count).toFixed(1)} ms`,
  );
  const sample = pods.slice(0, 20);
  let events = 0;
  for (const pod of sample)
    events += (await o.temporal.client.workflow.getHandle(podWorkflowId(pod.uid)).fetchHistory()).events?.length ?? 0;
  console.log(
    `  history events per pod (whole life, mean of ${sample.length}): ${(events / sample.length).toFixed(1)}`,
  );
}

async function lone(o: Orchestration): Promise<void> {
  const configured: number[] = [];
  const removed: number[] = [];
  for (let i = 0; i < LONE; i++) {
    const t0 = performance.now();
    const pod = await o.createPod(`lone-${i}`, 'ib');
    await o.pods.ensure(pod);
    for (;;) {
      const p = await o.core.readNamespacedPod({ namespace: o.namespace, name: pod.name });
      if ((p.metadata?.annotations?.['k8s.v1.cni.cncf.io/networks'] ?? '').includes('"configured"')) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    configured.push(performance.now() - t0);
    const t1 = performance.now();
    await o.deletePod(pod);
    await o.temporal.client.workflow.getHandle(podWorkflowId(pod.uid)).result();
    removed.push(performance.now() - t1);
  }
  console.log(
    `\nlone pod, ${LONE} in sequence: create → configured ${summary(configured)}; delete → released ${summary(removed)}`,
  );
}

async function main(): Promise<void> {
  const mode = process.env.BENCH_TEMPORAL ?? 'memory';
  const memory = mode === 'memory' ? await startMemoryServer() : undefined;
  if (memory) process.env.TEMPORAL_ADDRESS = memory.address;
  const serverPid = memory?.pid ?? temporalPid();
  console.log(
    `Temporal: ${memory ? 'in-memory dev server' : 'the stack dev server (SQLite file)'}; ${N} pods; UFM latency 20 ms`,
  );
  const o = await startOrchestration({ env: { DAEMON_PERIODIC_UPDATE: '1' } });
  o.sim.setKnobs({ baseLatencyMs: 20, requestLogLimit: 0 });
  await o.createNad('ib', o.pkeys[0]);
  try {
    await lone(o);
    await burst(o, serverPid, 'burst', N);
  } finally {
    await o.close();
    memory?.child.kill('SIGTERM');
  }
}

void main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
