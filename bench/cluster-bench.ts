/**
 * `npm run bench:cluster` (not part of make test), with both stacks up:
 * `make stack-up && make stack-up PROFILE=cluster && npm run bench:cluster`.
 *
 * 1. The same burst of BENCH_COMPARE_PODS (default 1,000) on the dev profile (SQLite dev server) and
 *    on the cluster profile (the Temporal server on PostgreSQL), in one run, same processes.
 * 2. BENCH_PODS (default 10,000) pods created at once on the cluster profile, then all deleted.
 *
 * Each run is a child process on one stack's environment, with two worker and two watcher
 * processes from the built output and a UFM simulator answering in 20 ms. Printed per run:
 * makespan, latency p50/p95/p99, UFM calls, history events per pod, CPU ms per pod of every
 * process (Temporal server, PostgreSQL with all its backends, each worker and watcher, the
 * apiserver, etcd, this process with the simulator), peak RSS of each, and on the cluster the pool
 * shards' state size and how often each entity continued as new.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  guidPoolShardWorkflowId,
  pkeyFlushWorkflowId,
  poolShardStatsQuery,
  type PoolShardStats,
} from '../workflows/definitions';
import { DEFAULT_POD_TASK_SLOTS } from '../domain/config';
import { startEndToEnd, type EndToEnd, type Running } from '../test/support/e2e';
import { metricValue, REPO_ROOT } from '../test/support/processes';
import { burst, formatCpu, report, type BurstFigures, type Measured } from './burst';
import { cpuSeconds, memoryMb, stackPid, treeCpuSeconds, treePssMb } from './measure';

const PODS = Number(process.env.BENCH_PODS ?? 10_000);
const COMPARE_PODS = Number(process.env.BENCH_COMPARE_PODS ?? 1000);

interface RunResult {
  readonly profile: string;
  readonly pods: number;
  readonly figures: BurstFigures;
  readonly peakRssMb: Record<string, number>;
}

// ---- one run, in a child process on one stack ----

/** How many runs each entity has had (1 + its continue-as-new count), from visibility. */
async function runsOf(e: EndToEnd, workflowId: string): Promise<number> {
  let runs = 0;
  for await (const execution of e.temporal.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    if (execution.workflowId === workflowId) runs++;
  }
  return runs;
}

/** Bytes of the Temporal databases, read as the `postgres` user over the stack's socket. */
function databaseBytes(): { temporal: number; visibility: number } {
  const dir = process.env.IBK_STACK_DIR!;
  const port = String(Number(process.env.IBK_PORT_BASE) + 32);
  const sql = "SELECT pg_database_size('temporal') || ' ' || pg_database_size('temporal_visibility')";
  const psql = ['/usr/lib/postgresql/15/bin/psql', '-h', `${dir}/postgres`, '-p', port, '-U', 'postgres'];
  const out = execFileSync(
    'setpriv',
    ['--reuid=postgres', '--regid=postgres', '--init-groups', ...psql, '-qtAX', '-c', sql],
    {
      encoding: 'utf8',
    },
  );
  const [temporal, visibility] = out.trim().split(' ').map(Number);
  return { temporal: temporal!, visibility: visibility! };
}

/** Pool Updates the workers sent, from their /metrics. */
async function poolUpdates(workers: readonly Running[]): Promise<Record<string, number>> {
  const totals: Record<string, number> = {};
  for (const worker of workers) {
    const page = await worker.metrics();
    for (const kind of ['allocate', 'release']) {
      totals[kind] = (totals[kind] ?? 0) + metricValue(page, 'ib_pool_updates_total', { kind });
    }
  }
  return totals;
}

/**
 * How the pod workflow tasks fared in each worker, from the SDK's metrics (cumulative): forced
 * evictions (each costs a replay, and a task that timed out also loses its local activities'
 * results), the mean wait for a task to start and its mean run time, and failed tasks.
 */
async function workflowTaskReport(e: EndToEnd, workers: readonly Running[], moment: string): Promise<void> {
  const queue = { task_queue: e.config.temporal.taskQueue };
  const mean = (page: string, name: string) =>
    metricValue(page, `${name}_sum`, queue) / Math.max(1, metricValue(page, `${name}_count`, queue));
  const lines = await Promise.all(
    workers.map(async (worker, i) => {
      const page = await worker.sdkMetrics();
      const evictions = metricValue(page, 'temporal_sticky_cache_total_forced_eviction', queue);
      const failed = metricValue(page, 'temporal_workflow_task_execution_failed', queue);
      const tasks = metricValue(page, 'temporal_workflow_task_execution_latency_count', queue);
      return (
        `worker ${i + 1}: ${tasks} tasks, ${evictions} forced evictions, ${failed} failed; ` +
        `mean wait to start ${mean(page, 'temporal_workflow_task_schedule_to_start_latency').toFixed(0)} ms, ` +
        `mean run ${mean(page, 'temporal_workflow_task_execution_latency').toFixed(0)} ms`
      );
    }),
  );
  console.log(`pod workflow tasks ${moment}:\n  ${lines.join('\n  ')}`);
}

async function entityReport(e: EndToEnd, moment: string): Promise<void> {
  const queue = e.config.temporal.taskQueue;
  // A shard starts with its first request: a small burst leaves some never started.
  const answers = await Promise.allSettled(
    e.pool.shards.map((shard) =>
      e.temporal.client.workflow.getHandle(guidPoolShardWorkflowId(shard, queue)).query(poolShardStatsQuery),
    ),
  );
  const stats: PoolShardStats[] = answers.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
  const spread = (values: number[]) => {
    const s = [...values].sort((a, b) => a - b);
    return `min ${s[0]}, median ${s[Math.floor(s.length / 2)]}, max ${s.at(-1)}`;
  };
  const flushId = pkeyFlushWorkflowId(e.pkeys[0], queue);
  console.log(`entities ${moment} (${stats.length} of ${e.pool.shards.length} pool shards started):`);
  console.log(`  GUIDs owned per shard: ${spread(stats.map((s) => s.owned))}`);
  console.log(
    `  pool state per shard (bytes, what continue-as-new carries): ${spread(stats.map((s) => s.stateBytes))}`,
  );
  console.log(`  in-use runs per shard (the state's run-length encoding): ${spread(stats.map((s) => s.runs))}`);
  const shardRuns = await Promise.all(e.pool.shards.map((shard) => runsOf(e, guidPoolShardWorkflowId(shard, queue))));
  console.log(`  workflow runs per shard (1 + continue-as-new): ${spread(shardRuns.filter((r) => r > 0))}`);
  console.log(`  PKey flush ${flushId}: ${await runsOf(e, flushId)} run(s)`);
}

async function child(): Promise<void> {
  const profile = process.env.IBK_PROFILE ?? 'dev';
  const e = await startEndToEnd({ env: { DAEMON_PERIODIC_UPDATE: '1' } });
  e.sim.setKnobs({ baseLatencyMs: 20, requestLogLimit: 0 });
  await e.createNad('ib', e.pkeys[0]);
  try {
    // The product's default UFM timeout (the fixture's is 2 s, for fast failure tests).
    // POD_TASK_SLOTS from the bench's environment, to compare admission bounds.
    const workerEnv = {
      UFM_REQUEST_TIMEOUT: '10',
      ...(process.env.POD_TASK_SLOTS ? { POD_TASK_SLOTS: process.env.POD_TASK_SLOTS } : {}),
    };
    const [workerA, workerB] = await Promise.all([
      e.startWorker('worker-a', workerEnv),
      e.startWorker('worker-b', workerEnv),
    ]);
    const watcherA = await e.startWatcher('watcher-a');
    const watcherB = await e.startWatcher('watcher-b');
    const pids: Record<string, number> = {
      'Temporal server': stackPid('temporal'),
      'worker-a': workerA.run.child.pid!,
      'worker-b': workerB.run.child.pid!,
      'watcher-a': watcherA.run.child.pid!,
      'watcher-b': watcherB.run.child.pid!,
      'kube-apiserver': stackPid('kube-apiserver'),
      etcd: stackPid('etcd'),
      'bench+UFM sim': process.pid,
    };
    const measured: Measured[] = Object.entries(pids).map(([name, pid]) => ({ name, cpu: () => cpuSeconds(pid) }));
    let postgresPssMb = 0;
    const dbBefore = profile === 'cluster' ? databaseBytes() : undefined;
    if (profile === 'cluster') {
      const postmaster = stackPid('postgres');
      measured.splice(1, 0, { name: 'PostgreSQL', cpu: () => treeCpuSeconds(postmaster) });
    }
    console.log(
      `\n=== ${profile} profile: ${PODS} pods, 2 workers (POD_TASK_SLOTS ${workerEnv.POD_TASK_SLOTS ?? `default ${DEFAULT_POD_TASK_SLOTS}`}), 2 watchers, UFM 20 ms, ` +
        'DAEMON_PERIODIC_UPDATE=1 ===',
    );
    const figures = await burst(e, measured, PODS, 'burst', async () => {
      if (profile === 'cluster') {
        postgresPssMb = treePssMb(stackPid('postgres'));
        const db = databaseBytes();
        const perPod = (now: number, then: number) => ((now - then) / PODS).toFixed(0);
        console.log(
          `databases with every pod configured: temporal ${(db.temporal / 2 ** 20).toFixed(0)} MB ` +
            `(+${perPod(db.temporal, dbBefore!.temporal)} B per pod), visibility ${(db.visibility / 2 ** 20).toFixed(0)} MB ` +
            `(+${perPod(db.visibility, dbBefore!.visibility)} B per pod)`,
        );
        await entityReport(e, 'with every pod configured');
      }
      await workflowTaskReport(e, [workerA, workerB], 'with every pod configured');
    });
    report(PODS, figures);
    console.log(`  pool Updates sent (both workers): ${JSON.stringify(await poolUpdates([workerA, workerB]))}`);
    await workflowTaskReport(e, [workerA, workerB], 'after every pod was deleted');
    if (profile === 'cluster') await entityReport(e, 'after every pod was deleted');
    const peakRssMb: Record<string, number> = Object.fromEntries(
      Object.entries(pids).map(([name, pid]) => [name, Math.round(memoryMb(pid).peak)]),
    );
    if (profile === 'cluster') peakRssMb['PostgreSQL (PSS at the peak)'] = Math.round(postgresPssMb);
    console.log(`  peak RSS (MB): ${JSON.stringify(peakRssMb)}`);
    const result: RunResult = { profile, pods: PODS, figures, peakRssMb };
    console.log(`RESULT ${JSON.stringify(result)}`);
  } finally {
    await e.close();
  }
}

// ---- the driver ----

/** The environment a stack's `env` file exports. */
function stackEnvironment(dir: string): Record<string, string> {
  const file = path.join(REPO_ROOT, dir, 'env');
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^export ([A-Z_]+)=(.*)$/.exec(line);
    if (match) env[match[1]!] = match[2]!;
  }
  return env;
}

function runChild(dir: string, pods: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [__filename], {
      env: { ...process.env, ...stackEnvironment(dir), BENCH_CHILD: '1', BENCH_PODS: String(pods) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let result: RunResult | undefined;
    let buffered = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('RESULT ')) result = JSON.parse(line.slice('RESULT '.length)) as RunResult;
        else console.log(line);
      }
    });
    child.on('close', (code) =>
      code === 0 && result ? resolve(result) : reject(new Error(`the ${dir} run exited ${code}`)),
    );
  });
}

function compare(dev: RunResult, cluster: RunResult): void {
  const row = (what: string, a: string, b: string) => console.log(`| ${what} | ${a} | ${b} |`);
  console.log(`\n=== the same ${dev.pods}-pod burst on both profiles ===`);
  row('', 'dev (SQLite dev server)', 'cluster (server on PostgreSQL)');
  row('---', '---', '---');
  row(
    'create makespan',
    `${dev.figures.create.makespanS.toFixed(1)} s`,
    `${cluster.figures.create.makespanS.toFixed(1)} s`,
  );
  row('create latency', dev.figures.create.latency, cluster.figures.create.latency);
  row(
    'delete makespan',
    `${dev.figures.remove.makespanS.toFixed(1)} s`,
    `${cluster.figures.remove.makespanS.toFixed(1)} s`,
  );
  row('CPU per pod, create', formatCpu(dev.figures.create.cpuMsPerPod), formatCpu(cluster.figures.create.cpuMsPerPod));
  row('CPU per pod, delete', formatCpu(dev.figures.remove.cpuMsPerPod), formatCpu(cluster.figures.remove.cpuMsPerPod));
  row('events per pod', dev.figures.eventsPerPod.toFixed(1), cluster.figures.eventsPerPod.toFixed(1));
  console.log(
    `ratio cluster/dev, create makespan: ${(cluster.figures.create.makespanS / dev.figures.create.makespanS).toFixed(2)}`,
  );
}

async function driver(): Promise<void> {
  for (const dir of ['.stack', '.stack-cluster']) {
    stackEnvironment(dir); // fails early, naming the file, when a stack is not up
  }
  if (COMPARE_PODS > 0) {
    const dev = await runChild('.stack', COMPARE_PODS);
    const cluster = await runChild('.stack-cluster', COMPARE_PODS);
    compare(dev, cluster);
  }
  if (PODS > 0) await runChild('.stack-cluster', PODS);
}

(process.env.BENCH_CHILD === '1' ? child() : driver()).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
