/**
 * Composition root of a worker: the plugin, the Kubernetes and Temporal clients, the activities and
 * the Temporal Worker on the task queue. Used by `main.ts` and by the integration tests, which run
 * the same worker in-process against the local stack.
 */
import type { Client } from '@temporalio/client';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type * as k8s from '@kubernetes/client-node';
import { createActivities } from '../activities';
import { KubeAccess } from '../activities/kube';
import { PoolClient } from '../activities/pool-client';
import type { Config } from '../domain/config';
import { poolShardCount } from '../domain/guid-range';
import type { PluginLogger, SubnetManagerPlugin } from '../plugins/types';
import type { ReconcileReport } from '../workflows/definitions';
import type { IbMetrics } from './metrics';

/** What a worker is built from. */
export interface IbWorkerDeps {
  readonly config: Config;
  readonly client: Client;
  readonly connection: NativeConnection;
  readonly kubeConfig: k8s.KubeConfig;
  readonly plugin: SubnetManagerPlugin;
  readonly logger: PluginLogger;
  /** Allocation and pool-update counters; default: not recorded. */
  readonly metrics?: Pick<IbMetrics, 'guidsAllocated' | 'poolUpdate' | 'reconciled'>;
  /** A pre-built workflow bundle (tests bundle once); default: bundle `workflows/` at start. */
  readonly workflowBundle?: WorkerOptions['workflowBundle'];
  /** Overrides of the Worker's tuning, for tests. */
  readonly tuning?: Partial<
    Pick<WorkerOptions, 'maxCachedWorkflows' | 'maxConcurrentWorkflowTaskExecutions' | 'shutdownGraceTime'>
  >;
}

/** A built worker and the counters behind its coalescing, for metrics and benchmarks. */
export interface IbWorker {
  readonly worker: Worker;
  readonly kube: KubeAccess;
  readonly pool: PoolClient;
}

/** Builds (does not run) the worker. */
export async function createIbWorker(deps: IbWorkerDeps): Promise<IbWorker> {
  const { config } = deps;
  const kube = new KubeAccess(deps.kubeConfig);
  const shards = poolShardCount(config.guidPool, config.guidPoolShards);
  const pool = new PoolClient(deps.client, config.temporal.taskQueue, config.guidPool, shards, (kind) =>
    deps.metrics?.poolUpdate(kind),
  );
  const activities = createActivities({
    client: deps.client,
    taskQueue: config.temporal.taskQueue,
    kube,
    plugin: deps.plugin,
    pool,
    partitions: config.partitions,
    periodMs: config.periodicUpdateMs,
    logger: deps.logger,
    ...(deps.metrics && {
      onGuidsAllocated: (count: number) => deps.metrics!.guidsAllocated(count),
      onReconciled: (report: ReconcileReport) => {
        const rejoined = Object.values(report.rejoined).reduce((a, b) => a + b, 0);
        deps.metrics!.reconciled('rejoined', rejoined);
        deps.metrics!.reconciled('freed', report.freed.viaFlush + report.freed.direct);
        deps.metrics!.reconciled('conflict', report.conflicts);
      },
    }),
  });
  const worker = await Worker.create({
    connection: deps.connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    ...(deps.workflowBundle
      ? { workflowBundle: deps.workflowBundle }
      : { workflowsPath: require.resolve('../workflows') }),
    activities,
    // Pod workflows wait for their pod for days: keep them cached so a signal needs no replay.
    maxCachedWorkflows: 5000,
    maxConcurrentLocalActivityExecutions: 500,
    maxConcurrentWorkflowTaskExecutions: 100,
    shutdownGraceTime: '20 seconds',
    ...deps.tuning,
  });
  return { worker, kube, pool };
}
