/**
 * The worker process, `node build/workers/main.js`: the only code of the worker that reads
 * `process.env`. It parses the configuration, installs the Temporal Runtime (logger, SDK metrics,
 * shutdown signals), starts the health server, loads and validates the subnet-manager plugin,
 * connects to Temporal and Kubernetes, and runs the worker until SIGTERM or SIGINT.
 *
 * Exit codes: 0 after a graceful shutdown, 1 when the worker cannot start or fails, 2 for invalid
 * configuration (a `ConfigError`: fix the ConfigMap, a restart will not help).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { loadKubeConfig } from '../client/kube-config';
import { ensureReconcileSchedule } from '../client/reconcile-schedule';
import { temporalConnectionOptions } from '../client/temporal-connection';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { describeConfig, parseConfig, type Config } from '../domain/config';
import { ConfigError } from '../domain/errors';
import { loadSubnetManagerPlugin } from '../plugins/loader';
import { SubnetManagerError, type PluginLogger, type SubnetManagerPlugin } from '../plugins/types';
import { parseHealthSettings, startHealthServer, type HealthServer, type HealthSettings } from './health';
import { createLogger, parseLogLevel, toPluginLogger, TemporalLogger, type IbLogger } from './logger';
import { createIbMetrics, instrumentPlugin, parseSdkMetricsPort, sdkMetricsOptions } from './metrics';
import { createIbWorker } from './worker';

const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_CONFIG = 2;

// The Runtime handles these (it shuts the worker down); we listen too, to flip readiness first.
const SHUTDOWN_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

// Upstream's `backoffValues` (pkg/daemon/daemon.go): 1 s, ×1.6, 10 % jitter. Six waits, about 26 s.
const VALIDATE_FIRST_DELAY_MS = 1_000;
const VALIDATE_FACTOR = 1.6;
const VALIDATE_JITTER = 0.1;
const VALIDATE_RETRIES = 6;

interface Settings {
  readonly config: Readonly<Config>;
  readonly logLevel: ReturnType<typeof parseLogLevel>;
  readonly health: HealthSettings;
  readonly sdkMetricsPort: number;
}

/** What is released on the way out, last acquired first. */
type Closer = readonly [what: string, close: () => Promise<void>];

async function main(): Promise<number> {
  const settings = readSettings(process.env);
  if (settings instanceof ConfigError) {
    // LOG_LEVEL itself may be what is wrong: report at the default level.
    createLogger('info').fatal({ variable: settings.variable }, settings.message);
    return EXIT_CONFIG;
  }
  const { config } = settings;
  const logger = createLogger(settings.logLevel);
  const pluginLogger = toPluginLogger(logger.child({ subsystem: 'plugin' }));
  const closers: Closer[] = [];
  const stopping = new AbortController();
  let health: HealthServer | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    // Before the Runtime's own handler queues the worker's shutdown: stop taking traffic first.
    health?.setReady(false);
    logger.info({ signal }, 'shutdown requested');
    stopping.abort();
  };
  // `once`: a second signal gets Node's default action, a way out of a drain that hangs.
  for (const signal of SHUTDOWN_SIGNALS) process.once(signal, onSignal);

  logger.info({ config: describeConfig(config) }, 'starting ib-kubernetes worker');
  try {
    // Before any NativeConnection or Worker, or Runtime.install throws IllegalStateError.
    Runtime.install({
      logger: new TemporalLogger(logger.child({ subsystem: 'temporal' })),
      shutdownSignals: SHUTDOWN_SIGNALS,
      telemetryOptions: {
        // Core's native logs go through pino too, so every stdout line is JSON.
        logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
        metrics: sdkMetricsOptions(settings.health.host, settings.sdkMetricsPort),
      },
    });
    const metrics = createIbMetrics();
    health = await startHealthServer({ ...settings.health, registry: metrics.registry, logger: pluginLogger });
    closers.push(['health server', health.close]);
    logger.info({ port: health.port, sdkMetricsPort: settings.sdkMetricsPort }, 'health server listening');

    const loaded = await loadSubnetManagerPlugin(config.smPlugin, {
      pluginPath: config.smPluginPath,
      env: process.env,
      logger: pluginLogger,
      partitions: config.partitions,
    });
    const plugin = instrumentPlugin(loaded, metrics);
    if (plugin.close) closers.push(['subnet-manager plugin', plugin.close.bind(plugin)]);
    if (!(await validatePlugin(plugin, logger, stopping.signal))) {
      return stopping.signal.aborted ? EXIT_OK : EXIT_FAILURE;
    }

    const { address, namespace } = config.temporal;
    const connectionOptions = await temporalConnectionOptions(config.temporal);
    if (connectionOptions.tls === false)
      logger.warn({ address }, 'Temporal connection is NOT encrypted: no TLS settings and TEMPORAL_TLS is not true');
    const connection = await NativeConnection.connect(connectionOptions);
    closers.push(['Temporal worker connection', () => connection.close()]);
    const clientConnection = await Connection.connect(connectionOptions);
    closers.push(['Temporal client connection', () => clientConnection.close()]);
    const client = new Client({ connection: clientConnection, namespace });

    if (config.reconcileIntervalMs > 0) {
      await ensureReconcileSchedule(client, config.temporal.taskQueue, config.reconcileIntervalMs);
      logger.info({ everyMs: config.reconcileIntervalMs }, 'reconcile schedule in place');
    }

    const kubeConfig = loadKubeConfig();

    const workerLogger = toPluginLogger(logger);
    const worker = await createIbWorker({
      config,
      client,
      connection,
      kubeConfig,
      plugin,
      logger: workerLogger,
      metrics,
    });
    // A signal during startup already put the Runtime in shutdown: run() then returns at once.
    const running = worker.run();
    if (!stopping.signal.aborted) health.setReady(true);
    logger.info({ taskQueue: config.temporal.taskQueue, namespace }, 'worker running');
    await running;
    logger.info('worker stopped');
    return EXIT_OK;
  } catch (error) {
    if (error instanceof ConfigError) {
      logger.fatal({ variable: error.variable }, error.message);
      return EXIT_CONFIG;
    }
    logger.fatal({ err: error }, 'worker failed');
    return EXIT_FAILURE;
  } finally {
    health?.setReady(false);
    await closeAll(closers.reverse(), pluginLogger);
  }
}

function readSettings(env: NodeJS.ProcessEnv): Settings | ConfigError {
  try {
    return {
      logLevel: parseLogLevel(env),
      config: parseConfig(env),
      health: parseHealthSettings(env),
      sdkMetricsPort: parseSdkMetricsPort(env),
    };
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
}

/**
 * Calls `validate()` until it succeeds, as upstream's daemon does before it serves. A
 * non-retryable failure (bad credentials, TLS) ends the wait at once: 26 s more of the same
 * answer would only delay the crash-loop signal.
 */
async function validatePlugin(plugin: SubnetManagerPlugin, logger: IbLogger, signal: AbortSignal): Promise<boolean> {
  let delayMs = VALIDATE_FIRST_DELAY_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      await plugin.validate({ signal });
      logger.info({ plugin: plugin.name, attempt }, 'subnet-manager plugin validated');
      return true;
    } catch (error) {
      if (signal.aborted) return false;
      const retryable = !(error instanceof SubnetManagerError) || error.retryable;
      // The plugin's message is safe and says it all; a stack trace would only repeat it each attempt.
      const reason = error instanceof SubnetManagerError ? { code: error.code, reason: error.message } : { err: error };
      const fields = { plugin: plugin.name, attempt, ...reason };
      if (!retryable || attempt > VALIDATE_RETRIES) {
        logger.fatal(fields, `subnet-manager plugin ${plugin.name} did not validate; giving up`);
        return false;
      }
      logger.warn({ ...fields, retryInMs: Math.round(delayMs) }, 'subnet-manager plugin did not validate; retrying');
    }
    try {
      await sleep(delayMs * (1 + VALIDATE_JITTER * Math.random()), undefined, { signal });
    } catch {
      return false;
    }
    delayMs *= VALIDATE_FACTOR;
  }
}

async function closeAll(closers: readonly Closer[], logger: PluginLogger): Promise<void> {
  for (const [what, close] of closers) {
    try {
      await close();
    } catch (error) {
      // Keep closing the rest: each release is independent, and the exit code is already decided.
      logger.warn(`closing the ${what} failed`, { error: String(error) });
    }
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    // Only a bug reaches here (main catches everything else); still one JSON line.
    createLogger('info').fatal({ err: error }, 'worker crashed');
    process.exit(EXIT_FAILURE);
  },
);
