/**
 * The controller's workflows and activities on the real stack, for integration tests: the stack's
 * kube-apiserver and Temporal dev server, an in-process UFM simulator (so a test reads and faults
 * it directly), and the real worker built by `workers/worker.ts`, running in this process. Each
 * fixture gets its own Kubernetes namespace, task queue, PKeys and GUID range, so files sharing the
 * stack never meet.
 */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { bundleWorkflowCode, DefaultLogger, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { PoolClient } from '../../activities/pool-client';
import { PodWorkflows } from '../../client/pod-workflows';
import { poolShardCount } from '../../domain/guid-range';
import { parseConfig, parseUfmConfig, type Config } from '../../domain/config';
import { NETWORKS_ANNOTATION } from '../../domain/annotations';
import type { PluginLogger } from '../../plugins/types';
import { UfmPlugin } from '../../plugins/ufm';
import { generateSelfSignedCert, startUfmSimulator, type GeneratedCert, type UfmSimulator } from '../../ufm-simulator';
import { createIbWorker, type IbWorker } from '../../workers/worker';
import { entityTaskQueue, podWorkflowId } from '../../workflows/definitions';
import { adminKubeConfig, stackEnv, uniqueName } from './stack';
import { waitFor } from './wait';
import { connectTemporal, type TemporalTestContext } from './temporal';

/** The simulator's password: tests prove it never reaches a history or a log line. */
export const SIM_PASSWORD = 'orchestration-Pa55-3c1f';
let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** One bundle of `workflows/` per jest worker. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: new DefaultLogger('WARN'),
  });
  return bundle;
}

/** What a test reads and drives. */
export interface Orchestration {
  readonly sim: UfmSimulator;
  readonly core: k8s.CoreV1Api;
  readonly custom: k8s.CustomObjectsApi;
  readonly kubeConfig: k8s.KubeConfig;
  readonly temporal: TemporalTestContext;
  readonly pods: PodWorkflows;
  readonly namespace: string;
  readonly config: Config;
  /** A PKey only this fixture uses (canonical), and a second one. */
  readonly pkeys: readonly [string, string];
  /** The in-process worker; undefined with `worker: 'none'` (the test runs worker processes). */
  readonly worker: IbWorker | undefined;
  /** The pool as the worker sees it (the in-process worker's own, so its Update counts are real). */
  readonly pool: PoolClient;
  /** The environment a worker or watcher process needs for this fixture, as in production. */
  readonly processEnv: Record<string, string>;
  /** Log lines of the worker's plugin and activities. */
  readonly logs: string[];
  /** Creates an ib-sriov NAD in the fixture's namespace. */
  createNad(name: string, pkey: string | undefined, extra?: Record<string, unknown>): Promise<void>;
  /** Creates a scheduled pod asking for `networks`, returns its ref. */
  createPod(name: string, networks: string): Promise<{ uid: string; namespace: string; name: string; node: string }>;
  /** Deletes a pod at once (no kubelet here) and tells its workflow, as the watcher will. */
  deletePod(pod: { uid: string; name: string }): Promise<void>;
  /** The pod's networks annotation, parsed. */
  annotation(name: string): Promise<Array<Record<string, unknown>>>;
  /** Waits until the pod's first element is marked configured; returns its `cni-args.guid`. */
  configuredGuid(name: string, timeoutMs?: number): Promise<string>;
  /** The pod workflow's result (waits for it to end). */
  result(uid: string): Promise<unknown>;
  /** Stops the worker and restarts it (same process), e.g. after changing nothing but wanting a fresh cache. */
  close(): Promise<void>;
}

/** Options of {@link startOrchestration}. */
export interface OrchestrationOptions {
  readonly env?: Record<string, string>;
  readonly tuning?: Parameters<typeof createIbWorker>[0]['tuning'];
  /** `in-process` (default): a worker in this process; `none`: the test starts worker processes. */
  readonly worker?: 'in-process' | 'none';
}

/** Starts a fixture: namespace, simulator, plugin and a running worker. */
export async function startOrchestration(options: OrchestrationOptions = {}): Promise<Orchestration> {
  const logs: string[] = [];
  const logger: PluginLogger = {
    debug: () => {},
    info: (m, f) => logs.push(`info ${m} ${JSON.stringify(f ?? {})}`),
    warn: (m, f) => logs.push(`warn ${m} ${JSON.stringify(f ?? {})}`),
    error: (m, f) => logs.push(`error ${m} ${JSON.stringify(f ?? {})}`),
  };
  const cert: GeneratedCert = generateSelfSignedCert();
  const sim = await startUfmSimulator({ tls: cert, username: 'admin', password: SIM_PASSWORD });
  const kubeConfig = adminKubeConfig();
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  const custom = kubeConfig.makeApiClient(k8s.CustomObjectsApi);
  const namespace = uniqueName('ib');
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  // PKeys and a GUID range of this fixture alone: the flush and pool entities are keyed by them,
  // and entities left by an earlier fixture on the same server belong to a task queue nobody polls.
  const seed = Math.floor(Math.random() * 0x3e00) + 0x100;
  const pkeys = [`0x${seed.toString(16)}`, `0x${(seed + 0x3e00).toString(16)}`] as const;
  const hex2 = () =>
    Math.floor(Math.random() * 0x100)
      .toString(16)
      .padStart(2, '0');
  const rangeHigh = `${hex2()}:${hex2()}`;
  const env = {
    DAEMON_SM_PLUGIN: 'ufm',
    DAEMON_PERIODIC_UPDATE: '0.5',
    GUID_POOL_RANGE_START: `02:${rangeHigh}:00:00:00:00:00`,
    GUID_POOL_RANGE_END: `02:${rangeHigh}:00:00:00:ff:ff`,
    TEMPORAL_ADDRESS: stackEnv('TEMPORAL_ADDRESS'),
    TEMPORAL_TASK_QUEUE: uniqueName('ib-it'),
    ...options.env,
  };
  const config = parseConfig(env);
  const ufmEnv = {
    UFM_USERNAME: 'admin',
    UFM_PASSWORD: SIM_PASSWORD,
    UFM_ADDRESS: '127.0.0.1',
    UFM_PORT: String(sim.port),
    UFM_CERTIFICATE: cert.cert,
    UFM_REQUEST_TIMEOUT: '2',
  };
  const plugin = new UfmPlugin(parseUfmConfig(ufmEnv), {
    logger,
    index0ForPrimary: config.partitions.index0ForPrimary,
  });
  const temporal = await connectTemporal();
  const worker =
    options.worker === 'none'
      ? undefined
      : await createIbWorker({
          config,
          client: temporal.client,
          connection: temporal.nativeConnection,
          kubeConfig,
          plugin,
          logger,
          workflowBundle: await workflowBundle(),
          tuning: { shutdownGraceTime: '1 second', ...options.tuning },
        });
  const running = worker?.run();
  const pool =
    worker?.pool ??
    new PoolClient(
      temporal.client,
      config.temporal.taskQueue,
      config.guidPool,
      poolShardCount(config.guidPool, config.guidPoolShards),
    );
  const processEnv: Record<string, string> = {
    ...env,
    ...ufmEnv,
    KUBECONFIG: stackEnv('KUBECONFIG'),
    ...(process.env.TEMPORAL_NAMESPACE && { TEMPORAL_NAMESPACE: process.env.TEMPORAL_NAMESPACE }),
    HEALTH_ADDRESS: '127.0.0.1',
    LOG_LEVEL: 'info',
  };
  const pods = new PodWorkflows(temporal.client, config.temporal.taskQueue);

  // Every waiter shares one list of the namespace, at most one in flight: forty pollers each
  // reading their pod every 50 ms would load this process (a TLS handshake per call) and the
  // apiserver enough to slow the very worker they measure.
  let listing: Promise<Map<string, string>> | undefined;
  const annotations = (): Promise<Map<string, string>> => {
    listing ??= core
      .listNamespacedPod({ namespace })
      .then(
        (list) =>
          new Map(list.items.map((p) => [p.metadata!.name!, p.metadata?.annotations?.[NETWORKS_ANNOTATION] ?? ''])),
      )
      .finally(() => setTimeout(() => (listing = undefined), 50));
    return listing;
  };

  return {
    sim,
    core,
    custom,
    kubeConfig,
    temporal,
    pods,
    namespace,
    config,
    pkeys,
    worker,
    pool,
    processEnv,
    logs,
    async createNad(name, pkey, extra = {}) {
      const conf = { cniVersion: '0.3.1', type: 'ib-sriov', ...(pkey ? { pkey } : {}), ...extra };
      await custom.createNamespacedCustomObject({
        group: 'k8s.cni.cncf.io',
        version: 'v1',
        plural: 'network-attachment-definitions',
        namespace,
        body: {
          apiVersion: 'k8s.cni.cncf.io/v1',
          kind: 'NetworkAttachmentDefinition',
          metadata: { name },
          spec: { config: JSON.stringify(conf) },
        },
      });
    },
    async createPod(name, networks) {
      const created = await core.createNamespacedPod({
        namespace,
        body: {
          metadata: { name, annotations: { [NETWORKS_ANNOTATION]: networks } },
          spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox' }] },
        },
      });
      return { uid: created.metadata!.uid!, namespace, name, node: 'node-1' };
    },
    async deletePod(pod) {
      await core.deleteNamespacedPod({ namespace, name: pod.name, gracePeriodSeconds: 0 });
      await pods.gone(pod.uid, 'deleted');
    },
    async annotation(name) {
      const pod = await core.readNamespacedPod({ namespace, name });
      return JSON.parse(pod.metadata?.annotations?.[NETWORKS_ANNOTATION] ?? 'null') as Array<Record<string, unknown>>;
    },
    configuredGuid(name, timeoutMs = 15_000) {
      return waitFor(
        `pod ${name} configured`,
        async () => {
          const text = (await annotations()).get(name) ?? '';
          let elements: Array<{ 'cni-args'?: Record<string, string> }> | undefined;
          try {
            elements = JSON.parse(text) as typeof elements;
          } catch {
            return undefined; // still the short form: not written yet
          }
          const args = elements?.[0]?.['cni-args'];
          return args?.['mellanox.infiniband.app'] === 'configured' ? args.guid : undefined;
        },
        { timeoutMs },
      );
    },
    result(uid) {
      return temporal.client.workflow.getHandle(podWorkflowId(uid)).result();
    },
    async close() {
      // The entities run until terminated; end this fixture's so they do not outlive its worker.
      const open = temporal.client.workflow.list({
        query: `(TaskQueue = '${config.temporal.taskQueue}' OR TaskQueue = '${entityTaskQueue(config.temporal.taskQueue)}') AND ExecutionStatus = 'Running'`,
      });
      for await (const execution of open) {
        await temporal.client.workflow
          .getHandle(execution.workflowId)
          .terminate('test fixture closed')
          .catch(() => {});
      }
      worker?.shutdown();
      await running;
      await plugin.close();
      await temporal.close();
      await sim.close();
      // The stack runs no namespace controller: delete the pods first, or they would stay in etcd and
      // slow every later cluster-wide list (pool rebuilds, the reconcile).
      await core.deleteCollectionNamespacedPod({ namespace, gracePeriodSeconds: 0 }).catch(() => undefined);
      await core.deleteNamespace({ name: namespace }).catch(() => undefined);
      rmSync(dirname(cert.certPath), { recursive: true, force: true });
    },
  };
}
