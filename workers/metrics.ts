/**
 * The worker's Prometheus metrics. Two exporters run side by side, on purpose:
 *
 * - **Ours** (this file): a prom-client {@link Registry} with the `ib_*` metrics below and Node's
 *   process metrics, served by the health server at `GET /metrics` on `HEALTH_PORT` (8080).
 * - **The Temporal SDK's**: Core's own exporter (`temporal_*`: task slots, poll latency, sticky
 *   cache, activity and workflow task outcomes), configured with
 *   `Runtime.install({ telemetryOptions: { metrics: { prometheus: { bindAddress } } } })` and served
 *   at `/metrics` on `METRICS_SDK_PORT` (default 9465), see {@link sdkMetricsOptions}. Core runs
 *   that server in native code and cannot merge its registry into prom-client's, hence two ports;
 *   scrape both.
 */
import { isIP } from 'node:net';
import type { MetricsExporterConfig } from '@temporalio/worker';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { parsePort, type Env } from '../domain/config-values';
import type { GuidString } from '../domain/guid';
import { SubnetManagerError, type CallOptions, type SubnetManagerPlugin } from '../plugins/types';

/** Default `METRICS_SDK_PORT`: next to the 9464 that temporal-notes §8 and the SDK samples use. */
export const DEFAULT_METRICS_SDK_PORT = 9465;

/** Which membership a PKey batch grants. */
export type PKeyMembership = 'full' | 'limited';

/** What the worker records; the methods throw nothing. */
export interface IbMetrics {
  /** The registry to serve, ours only (not the SDK's). */
  readonly registry: Registry;
  /** `count` GUIDs were allocated from the pool (`ib_guid_allocations_total`). */
  guidsAllocated(count: number): void;
  /** One subnet-manager call joined `size` GUIDs to a PKey (`ib_pkey_batch_size`). */
  pkeyBatch(membership: PKeyMembership, size: number): void;
  /**
   * One subnet-manager call took `seconds` (`ib_ufm_call_duration_seconds`); `errorCode` is the
   * failure's {@link SubnetManagerError} code, or absent on success (`ib_ufm_call_errors_total`).
   */
  subnetManagerCall(operation: string, seconds: number, errorCode?: string): void;
  /** A pool shard changed state, e.g. `allocate`, `release`, `rebuild` (`ib_pool_updates_total`). */
  poolUpdate(kind: string): void;
  /** A reconcile fixed `count` things of `kind` (`ib_reconcile_fixes_total`); 0 still counts a run. */
  reconciled(kind: 'rejoined' | 'freed' | 'conflict', count: number): void;
}

/**
 * Creates the `ib_*` metrics in a fresh registry (never prom-client's global one, so tests can build
 * several) and adds Node's default process metrics to it. Throws nothing.
 */
export function createIbMetrics(registry: Registry = new Registry()): IbMetrics {
  collectDefaultMetrics({ register: registry });
  const allocations = new Counter({
    name: 'ib_guid_allocations_total',
    help: 'GUIDs allocated from the pool',
    registers: [registry],
  });
  const batchSize = new Histogram({
    name: 'ib_pkey_batch_size',
    help: 'GUIDs joined to a PKey in one subnet-manager call',
    labelNames: ['membership'],
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
    registers: [registry],
  });
  const callDuration = new Histogram({
    name: 'ib_ufm_call_duration_seconds',
    help: 'Duration of subnet-manager plugin calls',
    labelNames: ['operation', 'outcome'],
    // Up to UFM_REQUEST_TIMEOUT's default (10 s) and beyond, for a slow fabric listing.
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const callErrors = new Counter({
    name: 'ib_ufm_call_errors_total',
    help: 'Failed subnet-manager plugin calls by error code',
    labelNames: ['operation', 'code'],
    registers: [registry],
  });
  const poolUpdates = new Counter({
    name: 'ib_pool_updates_total',
    help: 'GUID pool state changes',
    labelNames: ['kind'],
    registers: [registry],
  });
  const reconcileFixes = new Counter({
    name: 'ib_reconcile_fixes_total',
    help: 'What the reconcile fixed: GUIDs re-joined, GUIDs of vanished pods freed, conflicts found',
    labelNames: ['kind'],
    registers: [registry],
  });
  const reconcileRuns = new Counter({ name: 'ib_reconcile_runs_total', help: 'Reconcile runs', registers: [registry] });
  return {
    registry,
    reconciled: (kind, count) => {
      if (kind === 'rejoined') reconcileRuns.inc();
      reconcileFixes.inc({ kind }, count);
    },
    guidsAllocated: (count) => allocations.inc(count),
    pkeyBatch: (membership, size) => batchSize.observe({ membership }, size),
    subnetManagerCall: (operation, seconds, errorCode) => {
      callDuration.observe({ operation, outcome: errorCode === undefined ? 'success' : 'error' }, seconds);
      if (errorCode !== undefined) callErrors.inc({ operation, code: errorCode });
    },
    poolUpdate: (kind) => poolUpdates.inc({ kind }),
  };
}

/**
 * Wraps `plugin` so that every call is timed and every failure counted by its code, and each
 * join records its batch size (one call is one batch: activities hand a whole batch to the
 * plugin). Behaviour is unchanged: the same arguments go in, the same result or the very same
 * error comes out, and an optional method is present only when the plugin has it (the loader and
 * activities test for `addGuidsToLimitedPKey`). Throws nothing.
 */
export function instrumentPlugin(plugin: SubnetManagerPlugin, metrics: IbMetrics): SubnetManagerPlugin {
  const timed = async <T>(operation: string, call: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    try {
      const result = await call();
      metrics.subnetManagerCall(operation, (performance.now() - start) / 1000);
      return result;
    } catch (error) {
      // A user plugin's errors are already SubnetManagerErrors (plugins/guard.ts); anything else is a bug.
      const code = error instanceof SubnetManagerError ? error.code : 'unknown';
      metrics.subnetManagerCall(operation, (performance.now() - start) / 1000, code);
      throw error;
    }
  };
  const limited = plugin.addGuidsToLimitedPKey?.bind(plugin);
  const close = plugin.close?.bind(plugin);
  return {
    name: plugin.name,
    specVersion: plugin.specVersion,
    validate: (options) => timed('validate', () => plugin.validate(options)),
    addGuidsToPKey: (pkey, guids, options) => {
      metrics.pkeyBatch('full', guids.length);
      return timed('addGuidsToPKey', () => plugin.addGuidsToPKey(pkey, guids, options));
    },
    ...(limited && {
      addGuidsToLimitedPKey: (pkey: number, guids: readonly GuidString[], options?: CallOptions) => {
        metrics.pkeyBatch('limited', guids.length);
        return timed('addGuidsToLimitedPKey', () => limited(pkey, guids, options));
      },
    }),
    removeGuidsFromPKey: (pkey, guids, options) =>
      timed('removeGuidsFromPKey', () => plugin.removeGuidsFromPKey(pkey, guids, options)),
    listGuidsInUse: (options) => timed('listGuidsInUse', () => plugin.listGuidsInUse(options)),
    ...(close && { close: () => timed('close', close) }),
  };
}

/**
 * Reads `METRICS_SDK_PORT` (unset or empty: {@link DEFAULT_METRICS_SDK_PORT}).
 * @throws ConfigError naming `METRICS_SDK_PORT` for anything but a port 1-65535.
 */
export function parseSdkMetricsPort(env: Env): number {
  const raw = env.METRICS_SDK_PORT;
  return raw === undefined || raw === '' ? DEFAULT_METRICS_SDK_PORT : parsePort('METRICS_SDK_PORT', raw);
}

/**
 * The `telemetryOptions.metrics` for `Runtime.install`: Core's Prometheus exporter on `host:port`.
 * `host` must be an IP literal (Core parses a socket address, not a host name).
 * Throws nothing.
 */
export function sdkMetricsOptions(host: string, port: number): MetricsExporterConfig {
  const bindAddress = isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
  // Core's default names and units, so Temporal's published SDK dashboards work unchanged.
  return { prometheus: { bindAddress } };
}
