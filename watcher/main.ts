/**
 * The watcher process, `node build/watcher/main.js`: the only watcher code that reads
 * `process.env`. It lists and watches NADs, then pods, keeps a few facts of each, and, while it
 * leads (a Lease; several replicas may run, the standbys keep their caches warm), starts and
 * signals pod workflows through Temporal (`controller.ts`). `/healthz`, `/readyz` (ready once its
 * caches are synced, leader or not) and `/metrics` on `HEALTH_PORT`.
 *
 * Exit codes: 0 after a graceful shutdown (SIGTERM/SIGINT: the Lease is released), 1 on failure,
 * 2 for invalid configuration (naming the variable).
 */
import * as k8s from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { loadKubeConfig } from '../client/kube-config';
import { PodWorkflows } from '../client/pod-workflows';
import { temporalConnectionOptions } from '../client/temporal-connection';
import { ConfigError } from '../domain/errors';
import { parseWatcherConfig, type WatcherConfig } from '../domain/watcher-config';
import { parseHealthSettings, startHealthServer, type HealthServer, type HealthSettings } from '../workers/health';
import { createLogger, parseLogLevel, toPluginLogger } from '../workers/logger';
import { PodController } from './controller';
import { LeaderElector } from './leader';
import { ListWatch } from './list-watch';
import { createWatcherMetrics } from './metrics';
import { nadSource, podSource } from './sources';

const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_CONFIG = 2;
/** How long a shutdown waits for decisions in flight. */
const DRAIN_MS = 10_000;

interface Settings {
  readonly config: WatcherConfig;
  readonly logLevel: ReturnType<typeof parseLogLevel>;
  readonly health: HealthSettings;
}

async function main(): Promise<number> {
  let settings: Settings;
  try {
    settings = {
      config: parseWatcherConfig(process.env),
      logLevel: parseLogLevel(process.env),
      health: parseHealthSettings(process.env),
    };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    createLogger('info').fatal({ variable: error.variable }, error.message);
    return EXIT_CONFIG;
  }
  const { config } = settings;
  const logger = createLogger(settings.logLevel);
  const log = toPluginLogger(logger);
  const stopping = new Promise<NodeJS.Signals>((resolve) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => resolve(signal));
  });
  logger.info(
    {
      temporal: {
        address: config.temporal.address,
        namespace: config.temporal.namespace,
        taskQueue: config.temporal.taskQueue,
      },
      scope: {
        podLabelSelector: config.podLabelSelector ?? null,
        namespaces: config.namespaces,
        managedResourceNames: config.managedResourceNames,
      },
      leaderElection: { ...config.leaderElection },
    },
    'starting ib-kubernetes watcher',
  );

  const metrics = createWatcherMetrics();
  let health: HealthServer | undefined;
  let connection: Connection | undefined;
  const lists: Array<ListWatch<unknown>> = [];
  let elector: LeaderElector | undefined;
  let controller: PodController | undefined;
  try {
    health = await startHealthServer({ ...settings.health, registry: metrics.registry, logger: log });
    const options = await temporalConnectionOptions(config.temporal);
    if (options.tls === false)
      logger.warn(
        { address: options.address },
        'Temporal connection is NOT encrypted: no TLS settings and TEMPORAL_TLS is not true',
      );
    connection = await Connection.connect(options);
    const client = new Client({ connection, namespace: config.temporal.namespace });
    const kubeConfig = loadKubeConfig();
    const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
    const temporalPods = new PodWorkflows(client, config.temporal.taskQueue);
    const workflows = Object.assign(temporalPods, {
      async podExists(pod: { uid: string; namespace?: string; name?: string }): Promise<boolean> {
        if (!pod.namespace || !pod.name) return false;
        try {
          const found = await core.readNamespacedPod({ namespace: pod.namespace, name: pod.name });
          return found.metadata?.uid === pod.uid;
        } catch (error) {
          if ((error as { code?: number }).code === 404) return false;
          throw error;
        }
      },
    });

    const pods = new PodController(workflows, metrics, log);
    controller = pods;
    metrics.observe(() => pods.stats);

    const nads = new ListWatch(
      kubeConfig,
      nadSource(kubeConfig, config.managedResourceNames),
      {
        upsert: (networkId, facts) => pods.nadUpserted(networkId, facts),
        remove: (networkId) => pods.nadRemoved(networkId),
        synced: () => metrics.relisted('nads'),
      },
      log,
    );
    lists.push(nads as ListWatch<unknown>);
    nads.start();
    await until(() => nads.hasSynced, stopping);

    // Pods after NADs: a pod is judged against the NADs it names.
    const namespaces = config.namespaces.length > 0 ? config.namespaces : [undefined];
    const listedAt = new Map<string, number>();
    const podLists = namespaces.map((namespace) => {
      const source = podSource(kubeConfig, namespace, config.podLabelSelector);
      return new ListWatch(
        kubeConfig,
        source,
        {
          upsert: (_uid, facts) => pods.podUpserted(facts),
          remove: (_uid, facts) => pods.podRemoved(facts),
          synced: (startedAt) => {
            metrics.relisted('pods');
            listedAt.set(source.name, startedAt);
            // Level-triggered: after each relist, repair against Temporal (only once every list is in).
            if (pods.leading && listedAt.size === namespaces.length) void repair(pods, Math.min(...listedAt.values()));
          },
        },
        log,
      );
    });
    for (const list of podLists) {
      lists.push(list as ListWatch<unknown>);
      list.start();
    }
    await until(() => podLists.every((list) => list.hasSynced), stopping);
    health.setReady(true);
    logger.info({ pods: pods.stats.pods, nads: pods.stats.nads }, 'caches synced');

    const lead = () => {
      metrics.leading(true);
      pods.lead().catch((error: unknown) => logger.error({ err: error }, 'repair after gaining leadership failed'));
    };
    if (config.leaderElection.enabled) {
      elector = new LeaderElector(
        kubeConfig,
        config.leaderElection,
        {
          started: lead,
          stopped: () => {
            metrics.leading(false);
            pods.follow();
          },
        },
        log,
      );
      elector.start();
    } else {
      lead();
    }

    const signal = await stopping;
    logger.info({ signal }, 'shutdown requested');
    return EXIT_OK;
  } catch (error) {
    if (error instanceof Stopped) return EXIT_OK;
    logger.fatal({ err: error }, 'watcher failed');
    return EXIT_FAILURE;
  } finally {
    health?.setReady(false);
    // Release the Lease first, so a standby takes over at its next try.
    await elector?.stop();
    await Promise.all(lists.map((list) => list.stop()));
    if (controller)
      await Promise.race([controller.idle(), new Promise((resolve) => setTimeout(resolve, DRAIN_MS).unref())]);
    await connection?.close().catch(() => undefined);
    await health?.close();
    logger.info('watcher stopped');
  }

  async function repair(pods: PodController, at: number): Promise<void> {
    try {
      const fixed = await pods.repair(at);
      if (fixed.gone + fixed.ensured > 0) logger.info(fixed, 'repair after relist');
    } catch (error) {
      logger.warn({ err: error }, 'repair after relist failed; the next relist tries again');
    }
  }
}

class Stopped extends Error {}

/** Waits until `ready()` holds, or throws {@link Stopped} when a shutdown signal comes first. */
async function until(ready: () => boolean, stopping: Promise<unknown>): Promise<void> {
  let stopped = false;
  void stopping.then(() => (stopped = true));
  while (!ready()) {
    if (stopped) throw new Stopped();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    createLogger('info').fatal({ err: error }, 'watcher crashed');
    process.exit(EXIT_FAILURE);
  },
);
