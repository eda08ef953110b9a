/**
 * Process configuration from environment variables, with upstream's names and defaults
 * (`pkg/config/config.go`, `pkg/sm/plugins/ufm/ufm.go` `UFMConfig`) plus the Temporal connection.
 *
 * Parsing stops at the first invalid value, in the order the variables are documented below, and
 * throws a {@link ConfigError} naming the variable, the value (clipped; a secret is never echoed)
 * and what was expected. One precise error is what an operator fixing a ConfigMap needs; a second
 * mistake surfaces on the next start, in well under a second.
 */
import { ConfigError, InvalidGuidRangeError, InvalidPKeyError } from './errors';
import { DEFAULT_GUID_RANGE_END, DEFAULT_GUID_RANGE_START, parseGuidRange, type GuidRange } from './guid-range';
import {
  parseBoolean,
  parseFilePath,
  parseHost,
  parseHostPort,
  parsePort,
  parseSeconds,
  parsePassword,
  parseSecret,
  parseText,
  readOptional,
  type Env,
} from './config-values';
import { REDACTED, type Secret } from './secret';
import { normalizePKey, type PKeyString } from './pkey';

export type { Env } from './config-values';

/** Default plugin directory, as upstream's `DAEMON_SM_PLUGIN_PATH` envDefault. */
export const DEFAULT_PLUGIN_PATH = '/plugins';
/** Default `DAEMON_PERIODIC_UPDATE`: 5 s, upstream's tick. */
export const DEFAULT_PERIODIC_UPDATE_MS = 5_000;
/** Default `GUID_POOL_SHARDS`. */
export const DEFAULT_POOL_SHARDS = 16;
/** Default `POD_TASK_SLOTS`: see {@link Config.podTaskSlots}. */
export const DEFAULT_POD_TASK_SLOTS = 20;
/** Default UFM request timeout; upstream has none (ufm-rest-api.md §7.4), NVIDIA's client uses 10 s. */
export const DEFAULT_UFM_REQUEST_TIMEOUT_MS = 10_000;
export const DEFAULT_RECONCILE_INTERVAL_MS = 5 * 60_000;
/** Temporal defaults: the dev server's address and namespace, and this project's task queue. */
export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';
export const DEFAULT_TEMPORAL_NAMESPACE = 'default';
export const DEFAULT_TEMPORAL_TASK_QUEUE = 'ib-kubernetes';

// Upstream opens `<path>/<name>.so` with any name; we keep names that cannot leave the plugin directory.
const PLUGIN_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----\s*[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----/g;

/** Temporal TLS settings; files are recorded as paths, read by the entry point. */
export interface TemporalTlsConfig {
  /** `TEMPORAL_TLS`; when unset, on if any other TLS setting or an API key is given. */
  readonly enabled: boolean;
  readonly caPath?: string;
  readonly certPath?: string;
  readonly keyPath?: string;
  readonly serverName?: string;
}

/** How to reach Temporal (names as in temporal-notes.md §9). */
export interface TemporalConfig {
  readonly address: string;
  readonly namespace: string;
  readonly taskQueue: string;
  readonly apiKey?: Secret;
  readonly tls: TemporalTlsConfig;
}

/** Everything but the UFM settings, which only the ufm plugin reads ({@link parseUfmConfig}). */
export interface Config {
  /** `DAEMON_SM_PLUGIN`: `ufm`, `noop`, or a user plugin's file name without `.js`. */
  readonly smPlugin: string;
  /** `DAEMON_SM_PLUGIN_PATH`: directory holding user plugins. */
  readonly smPluginPath: string;
  /** `DAEMON_PERIODIC_UPDATE` in ms: the longest a PKey join/leave may wait to be batched. */
  readonly periodicUpdateMs: number;
  readonly guidPool: GuidRange;
  /**
   * `GUID_POOL_SHARDS` (ours, default 16): pool entities the range is split into. Each shard's
   * state stays far below Temporal's payload limits at 100k allocated GUIDs (about 180 KB each).
   */
  readonly guidPoolShards: number;
  /** How pods' GUIDs join partitions (the production forks' variables, upstream `pkg/config`). */
  readonly partitions: PartitionConfig;
  /**
   * `RECONCILE_INTERVAL` (ours) in ms, default 5 min: how often the reconcile Schedule compares pods,
   * pool and subnet manager. `0` creates no Schedule (an existing one is left as it is).
   */
  readonly reconcileIntervalMs: number;
  /**
   * `MANAGED_RESOURCE_NAMES` (ours): only NADs whose `k8s.v1.cni.cncf.io/resourceName` is listed are
   * ours (empty: every ib-sriov NAD). The watcher reads the same variable; both must agree.
   */
  readonly managedResourceNames: readonly string[];
  /**
   * `POD_TASK_SLOTS` (ours, default 20): pod workflow tasks one worker runs at once. A pod's first
   * task holds its slot while its local activities run, so this is the admission bound: how many pods
   * one worker configures at a time. More than the machine can turn over in a few seconds only makes
   * every task slower, until tasks pass their 10 s timeout and their work is thrown away.
   */
  readonly podTaskSlots: number;
  readonly temporal: TemporalConfig;
}

/** Partition settings beyond the NAD's own `pkey`. */
export interface PartitionConfig {
  /**
   * `DEFAULT_LIMITED_PARTITION`, canonical (`0x7ff`): every GUID that joins a pod's PKey also joins
   * this existing partition as a limited member. Unset: no second join.
   */
  readonly limitedPKey?: PKeyString;
  /** `ENABLE_INDEX0_FOR_PRIMARY_PKEY` (default true, upstream's hard-coded value): `index0` of the primary join. */
  readonly index0ForPrimary: boolean;
}

/** UFM connection settings (upstream `UFMConfig`). */
export interface UfmConfig {
  readonly username: string;
  readonly password: Secret;
  /** Host name or IP address, IPv6 without brackets. */
  readonly address: string;
  readonly httpSchema: 'http' | 'https';
  readonly port: number;
  /** PEM text of the certificate(s) to trust; absent means verification is off (upstream parity). */
  readonly certificate?: string;
  /** `UFM_REQUEST_TIMEOUT` (our addition) in ms: the deadline of every UFM request. */
  readonly requestTimeoutMs: number;
}

/**
 * Parses the daemon and Temporal settings.
 * `DAEMON_SM_PLUGIN` is required, as upstream's `ValidateConfig` ("no plugin selected"); its
 * deployment ConfigMap sets `ufm`.
 * @throws ConfigError on the first missing or invalid value.
 */
export function parseConfig(env: Env): Readonly<Config> {
  const smPlugin = env.DAEMON_SM_PLUGIN;
  if (smPlugin === undefined || !PLUGIN_NAME.test(smPlugin)) {
    throw new ConfigError(
      'DAEMON_SM_PLUGIN',
      smPlugin ?? '',
      'a plugin name: ufm, noop, or a user plugin file name (letters, digits, - and _)',
    );
  }
  const pluginPath = readOptional(env, 'DAEMON_SM_PLUGIN_PATH');
  const smPluginPath =
    pluginPath === undefined ? DEFAULT_PLUGIN_PATH : parseFilePath('DAEMON_SM_PLUGIN_PATH', pluginPath);
  const periodic = readOptional(env, 'DAEMON_PERIODIC_UPDATE');
  const periodicUpdateMs =
    periodic === undefined
      ? DEFAULT_PERIODIC_UPDATE_MS
      : parseSeconds('DAEMON_PERIODIC_UPDATE', periodic, 1, 3_600_000);
  return deepFreeze({
    smPlugin,
    smPluginPath,
    periodicUpdateMs,
    guidPool: parseGuidPool(env),
    guidPoolShards: parseCount('GUID_POOL_SHARDS', readOptional(env, 'GUID_POOL_SHARDS'), DEFAULT_POOL_SHARDS, 256),
    partitions: parsePartitions(env),
    reconcileIntervalMs: parseReconcileInterval(readOptional(env, 'RECONCILE_INTERVAL')),
    managedResourceNames: parseManagedResourceNames(env),
    podTaskSlots: parseCount('POD_TASK_SLOTS', readOptional(env, 'POD_TASK_SLOTS'), DEFAULT_POD_TASK_SLOTS, 1000),
    temporal: parseTemporalConfig(env),
  });
}

/**
 * Parses the UFM plugin's settings. Username, password and address are required (upstream:
 * "missing one or more required fields"); the schema defaults to https and the port to 443/80.
 * `UFM_CERTIFICATE` is checked for PEM syntax here; the plugin parses it for real at start.
 * @throws ConfigError on the first missing or invalid value, never echoing the password.
 */
export function parseUfmConfig(env: Env): Readonly<UfmConfig> {
  const username = parseText('UFM_USERNAME', env.UFM_USERNAME ?? '', 'the UFM user name');
  if (username.includes(':')) throw new ConfigError('UFM_USERNAME', username, 'a user name without ":" (basic auth)');
  const password = parsePassword('UFM_PASSWORD', env.UFM_PASSWORD ?? '', 'the UFM password');
  const address = parseHost('UFM_ADDRESS', env.UFM_ADDRESS ?? '');
  const schema = (readOptional(env, 'UFM_HTTP_SCHEMA') ?? '').toLowerCase();
  // Upstream lower-cases the schema and treats empty as https.
  if (schema !== '' && schema !== 'https' && schema !== 'http') {
    throw new ConfigError('UFM_HTTP_SCHEMA', env.UFM_HTTP_SCHEMA ?? '', 'https or http');
  }
  const httpSchema = schema === 'http' ? 'http' : 'https';
  // Upstream: an unset, empty or zero port means the schema's default.
  const rawPort = readOptional(env, 'UFM_PORT');
  const givenPort = rawPort === undefined ? 0 : parsePort('UFM_PORT', rawPort, true);
  const port = givenPort !== 0 ? givenPort : httpSchema === 'https' ? 443 : 80;
  const certificate = parseCertificate(readOptional(env, 'UFM_CERTIFICATE'));
  const timeout = readOptional(env, 'UFM_REQUEST_TIMEOUT');
  const requestTimeoutMs =
    timeout === undefined ? DEFAULT_UFM_REQUEST_TIMEOUT_MS : parseSeconds('UFM_REQUEST_TIMEOUT', timeout, 10, 600_000);
  const config: UfmConfig = { username, password, address, httpSchema, port, requestTimeoutMs };
  return deepFreeze(certificate === undefined ? config : { ...config, certificate });
}

/** A log-safe, JSON-plain summary of {@link Config}: secrets show as set or unset. Throws nothing. */
export function describeConfig(config: Config): Record<string, unknown> {
  const { temporal } = config;
  return {
    smPlugin: config.smPlugin,
    smPluginPath: config.smPluginPath,
    periodicUpdateMs: config.periodicUpdateMs,
    guidPool: { start: config.guidPool.start, end: config.guidPool.end },
    guidPoolShards: config.guidPoolShards,
    partitions: { ...config.partitions },
    reconcileIntervalMs: config.reconcileIntervalMs,
    managedResourceNames: config.managedResourceNames,
    podTaskSlots: config.podTaskSlots,
    temporal: {
      address: temporal.address,
      namespace: temporal.namespace,
      taskQueue: temporal.taskQueue,
      apiKey: temporal.apiKey ? REDACTED : 'unset',
      tls: { ...temporal.tls },
    },
  };
}

/** A log-safe, JSON-plain summary of {@link UfmConfig}: no password, no certificate body. Throws nothing. */
export function describeUfmConfig(config: UfmConfig): Record<string, unknown> {
  return {
    address: config.address,
    httpSchema: config.httpSchema,
    port: config.port,
    username: config.username,
    password: REDACTED,
    certificate: config.certificate === undefined ? 'unset' : `${config.certificate.length} bytes of PEM`,
    requestTimeoutMs: config.requestTimeoutMs,
  };
}

// One rule for the range, `parseGuidRange` (upstream `guid_pool.go`), reported against the variable at fault.
function parseGuidPool(env: Env): GuidRange {
  const start = readOptional(env, 'GUID_POOL_RANGE_START') ?? DEFAULT_GUID_RANGE_START;
  const end = readOptional(env, 'GUID_POOL_RANGE_END') ?? DEFAULT_GUID_RANGE_END;
  try {
    return parseGuidRange(start, end);
  } catch (error) {
    if (!(error instanceof InvalidGuidRangeError)) throw error;
    const [variable, value] = error.bound === 'start' ? ['GUID_POOL_RANGE_START', start] : ['GUID_POOL_RANGE_END', end];
    throw new ConfigError(variable, value, `a valid pool range (${error.reason})`);
  }
}

const RESOURCE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.\-/]{0,252}$/;

/** `MANAGED_RESOURCE_NAMES`: comma-separated resource names, de-duplicated; unset or empty: none. */
export function parseManagedResourceNames(env: Env): readonly string[] {
  const names = (readOptional(env, 'MANAGED_RESOURCE_NAMES') ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  for (const name of names) {
    if (!RESOURCE_NAME.test(name))
      throw new ConfigError('MANAGED_RESOURCE_NAMES', name, 'comma-separated resource names, e.g. nvidia.com/ib_a');
  }
  return [...new Set(names)];
}

function parseReconcileInterval(value: string | undefined): number {
  if (value === undefined) return DEFAULT_RECONCILE_INTERVAL_MS;
  if (/^\+?0+(\.0+)?$/.test(value)) return 0;
  return parseSeconds('RECONCILE_INTERVAL', value, 10_000, 86_400_000);
}

function parseCount(name: string, value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const count = /^\+?\d{1,6}$/.test(value) ? Number(value) : NaN;
  if (!(count >= 1 && count <= max)) throw new ConfigError(name, value, `a whole number from 1 to ${max}`);
  return count;
}

function parsePartitions(env: Env): PartitionConfig {
  const index0 = readOptional(env, 'ENABLE_INDEX0_FOR_PRIMARY_PKEY');
  const index0ForPrimary = index0 === undefined ? true : parseBoolean('ENABLE_INDEX0_FOR_PRIMARY_PKEY', index0);
  const limited = readOptional(env, 'DEFAULT_LIMITED_PARTITION');
  if (limited === undefined) return { index0ForPrimary };
  try {
    return { limitedPKey: normalizePKey(limited), index0ForPrimary };
  } catch (error) {
    if (!(error instanceof InvalidPKeyError)) throw error;
    throw new ConfigError('DEFAULT_LIMITED_PARTITION', limited, `a partition key, e.g. 0x7ff (${error.reason})`);
  }
}

/** Parses the `TEMPORAL_*` settings alone (the watcher needs nothing else of {@link Config}). */
export function parseTemporalConfig(env: Env): TemporalConfig {
  const address = parseHostPort('TEMPORAL_ADDRESS', readOptional(env, 'TEMPORAL_ADDRESS') ?? DEFAULT_TEMPORAL_ADDRESS);
  const namespace = parseText(
    'TEMPORAL_NAMESPACE',
    readOptional(env, 'TEMPORAL_NAMESPACE') ?? DEFAULT_TEMPORAL_NAMESPACE,
    'a namespace',
  );
  if (namespace.length > 255) throw new ConfigError('TEMPORAL_NAMESPACE', namespace, 'at most 255 characters');
  const taskQueue = parseText(
    'TEMPORAL_TASK_QUEUE',
    readOptional(env, 'TEMPORAL_TASK_QUEUE') ?? DEFAULT_TEMPORAL_TASK_QUEUE,
    'a name',
  );
  if (taskQueue.length > 1000) throw new ConfigError('TEMPORAL_TASK_QUEUE', taskQueue, 'at most 1000 characters');
  // The watcher names it inside a visibility query: no quote may end the string literal early.
  if (/['"\\]/.test(taskQueue))
    throw new ConfigError('TEMPORAL_TASK_QUEUE', taskQueue, 'a name without quotes or backslashes');
  const rawKey = readOptional(env, 'TEMPORAL_API_KEY');
  const apiKey = rawKey === undefined ? undefined : parseSecret('TEMPORAL_API_KEY', rawKey, 'an API key');
  const tls = parseTemporalTls(env, apiKey !== undefined);
  const config: TemporalConfig = { address, namespace, taskQueue, tls };
  return apiKey === undefined ? config : { ...config, apiKey };
}

function parseTemporalTls(env: Env, hasApiKey: boolean): TemporalTlsConfig {
  const files: Record<string, string> = {};
  for (const [name, key] of [
    ['TEMPORAL_TLS_CA', 'caPath'],
    ['TEMPORAL_TLS_CERT', 'certPath'],
    ['TEMPORAL_TLS_KEY', 'keyPath'],
  ] as const) {
    const value = readOptional(env, name);
    if (value !== undefined) files[key] = parseFilePath(name, value);
  }
  const serverName = readOptional(env, 'TEMPORAL_TLS_SERVER_NAME');
  if (serverName !== undefined) files.serverName = parseHost('TEMPORAL_TLS_SERVER_NAME', serverName);
  if ((files.certPath === undefined) !== (files.keyPath === undefined)) {
    const missing = files.certPath === undefined ? 'TEMPORAL_TLS_CERT' : 'TEMPORAL_TLS_KEY';
    throw new ConfigError(missing, '', 'a path: a client certificate and its key are given together');
  }
  const flag = readOptional(env, 'TEMPORAL_TLS');
  const explicit = flag === undefined ? undefined : parseBoolean('TEMPORAL_TLS', flag);
  if (explicit === false && Object.keys(files).length > 0) {
    throw new ConfigError('TEMPORAL_TLS', flag ?? '', `true, since ${Object.keys(files).join(', ')} is set`);
  }
  // As the Temporal SDK does: an API key or any TLS material implies TLS unless told otherwise.
  const enabled = explicit ?? (hasApiKey || Object.keys(files).length > 0);
  return { enabled, ...files };
}

function parseCertificate(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  // A PEM pasted into a single-line env value often arrives with literal "\n" sequences.
  const pem = !value.includes('\n') && value.includes('\\n') ? value.replaceAll('\\n', '\n') : value;
  // Never echo the value: an operator may have pasted a private key here by mistake.
  const shown = `<${pem.length} bytes>`;
  if (/PRIVATE KEY-----/.test(pem)) {
    throw new ConfigError('UFM_CERTIFICATE', shown, 'the UFM server certificate, not a private key');
  }
  const blocks = pem.match(PEM_CERTIFICATE);
  if (!blocks) {
    throw new ConfigError('UFM_CERTIFICATE', shown, 'PEM text with -----BEGIN CERTIFICATE----- blocks');
  }
  return `${blocks.join('\n')}\n`;
}

function deepFreeze<T extends object>(value: T): Readonly<T> {
  for (const child of Object.values(value)) {
    if (typeof child === 'object' && child !== null && !Object.isFrozen(child)) deepFreeze(child);
  }
  return Object.freeze(value);
}
