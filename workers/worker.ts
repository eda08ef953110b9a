/**
 * Composition root of a worker: the plugin, the Kubernetes and Temporal clients, the activities and
 * the Temporal Worker on the task queue. Used by `main.ts` and by the integration tests, which run
 * the same worker in-process against the local stack.
 */
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type * as k8s from '@kubernetes/client-node';
import { createActivities } from '../activities';
import { KubeAccess } from '../activities/kube';
import { PoolClient } from '../activities/pool-client';
import type { Config } from '../domain/config';
import { poolShardCount } from '../domain/guid-range';
import type { PluginLogger, SubnetManagerPlugin } from '../plugins/types';
import { entityTaskQueue, type ReconcileReport } from '../workflows/definitions';
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

/** A built worker (two SDK Workers: pods, entities) and the counters behind its coalescing. */
export interface IbWorker {
  readonly workers: readonly Worker[];
  /** Runs both until shutdown; resolves when both stopped, rejects if either failed. */
  run(): Promise<void>;
  /** Begins a graceful shutdown of both. */
  shutdown(): void;
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
    managedResourceNames: config.managedResourceNames,
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
  const workflowBundle =
    deps.workflowBundle ?? (await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows') }));
  const common = {
    connection: deps.connection,
    namespace: config.temporal.namespace,
    workflowBundle,
    activities,
    shutdownGraceTime: '20 seconds',
  };
  const pods = await Worker.create({
    ...common,
    taskQueue: config.temporal.taskQueue,
    // Pod workflows wait for their pod for days: keep them cached so a signal needs no replay.
    maxCachedWorkflows: 5000,
    maxConcurrentLocalActivityExecutions: 500,
    // Admission control: a pod's first task holds its slot through its local activities.
    maxConcurrentWorkflowTaskExecutions: config.podTaskSlots,
    ...deps.tuning,
  });
  // The entities on their own queue and slots (see `entityTaskQueue`): a few long-lived workflows.
  const entities = await Worker.create({
    ...common,
    taskQueue: entityTaskQueue(config.temporal.taskQueue),
    maxCachedWorkflows: 500,
    maxConcurrentWorkflowTaskExecutions: 20,
    maxConcurrentActivityTaskExecutions: 20,
    ...(deps.tuning?.shutdownGraceTime ? { shutdownGraceTime: deps.tuning.shutdownGraceTime } : {}),
  });
  const workers = [pods, entities];
  return {
    workers,
    run: async () => {
      // One failing makes the other stop too: a half-running worker would starve pods silently.
      const runs = workers.map((w) =>
        w.run().catch((error: unknown) => {
          for (const other of workers) if (other.getState() === 'RUNNING') other.shutdown();
          throw error;
        }),
      );
      await Promise.all(runs);
    },
    shutdown: () => {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    },
    kube,
    pool,
  };
}
