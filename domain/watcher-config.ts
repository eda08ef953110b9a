/**
 * The watcher's settings from its environment: the Temporal connection (shared with the worker),
 * its scope (which pods and NADs are ours) and leadership. Pure: the entry point passes `process.env`.
 *
 * Scope, for sites running several controllers or only some workloads; all unset by default
 * (every pod, every ib-sriov NAD, as upstream):
 * - `POD_LABEL_SELECTOR`: a Kubernetes label selector, e.g. `kubevirt.io=virt-launcher`;
 * - `WATCH_NAMESPACES`: comma-separated namespaces (default: all);
 * - `MANAGED_RESOURCE_NAMES`: comma-separated `k8s.v1.cni.cncf.io/resourceName` values; only NADs
 *   carrying one of them are ours (so a second instance can manage a storage fabric).
 */
import { parseManagedResourceNames, parseTemporalConfig, type TemporalConfig } from './config';
import { parseBoolean, parseSeconds, readOptional, type Env } from './config-values';
import { ConfigError } from './errors';

/** Leadership on a `coordination.k8s.io` Lease (upstream's name and namespace handling). */
export interface LeaderElectionConfig {
  /** `LEADER_ELECTION` (default true). Off: this replica acts at once, alone. */
  readonly enabled: boolean;
  /** `LEASE_NAME` (default `ib-kubernetes-leader`, as upstream). */
  readonly leaseName: string;
  /** `LEASE_NAMESPACE`, else `POD_NAMESPACE` (downward API), else `kube-system`. */
  readonly leaseNamespace: string;
  /** Who holds it: `POD_NAME`, else `HOSTNAME`, else the node and pod UID; plus the pod UID if known. */
  readonly identity: string;
  /** `LEASE_DURATION` in ms (default 15 s): a dead leader is replaced within this plus one retry. */
  readonly leaseDurationMs: number;
  /** How often the leader renews and a standby tries (a fifth of the duration, at least 0.5 s). */
  readonly retryPeriodMs: number;
}

/** Everything the watcher reads from its environment. */
export interface WatcherConfig {
  readonly temporal: TemporalConfig;
  readonly podLabelSelector?: string;
  /** Empty: all namespaces. */
  readonly namespaces: readonly string[];
  /** Empty: every ib-sriov NAD is ours. */
  readonly managedResourceNames: readonly string[];
  readonly leaderElection: LeaderElectionConfig;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
// A label selector is checked by the apiserver too; refuse here what can only be a mistake.
const SELECTOR = /^[A-Za-z0-9_.\-/!=,() ]{1,1024}$/;

export const DEFAULT_LEASE_NAME = 'ib-kubernetes-leader';
export const DEFAULT_LEASE_DURATION_MS = 15_000;

/**
 * Parses the watcher's settings.
 * @throws ConfigError naming the first invalid variable.
 */
export function parseWatcherConfig(env: Env): Readonly<WatcherConfig> {
  const selector = readOptional(env, 'POD_LABEL_SELECTOR')?.trim();
  if (selector !== undefined && !SELECTOR.test(selector)) {
    throw new ConfigError(
      'POD_LABEL_SELECTOR',
      selector,
      'a Kubernetes label selector, e.g. kubevirt.io=virt-launcher',
    );
  }
  const namespaces = list(env, 'WATCH_NAMESPACES');
  for (const namespace of namespaces) {
    if (!DNS_LABEL.test(namespace))
      throw new ConfigError('WATCH_NAMESPACES', namespace, 'comma-separated namespace names');
  }
  const managedResourceNames = parseManagedResourceNames(env);
  return Object.freeze({
    temporal: parseTemporalConfig(env),
    ...(selector ? { podLabelSelector: selector } : {}),
    namespaces: Object.freeze([...new Set(namespaces)]),
    managedResourceNames: Object.freeze([...managedResourceNames]),
    leaderElection: Object.freeze(parseLeaderElection(env)),
  });
}

function parseLeaderElection(env: Env): LeaderElectionConfig {
  const enabledText = readOptional(env, 'LEADER_ELECTION');
  const enabled = enabledText === undefined ? true : parseBoolean('LEADER_ELECTION', enabledText);
  const leaseName = readOptional(env, 'LEASE_NAME') ?? DEFAULT_LEASE_NAME;
  if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(leaseName))
    throw new ConfigError('LEASE_NAME', leaseName, 'a Kubernetes object name');
  const leaseNamespace = readOptional(env, 'LEASE_NAMESPACE') ?? readOptional(env, 'POD_NAMESPACE') ?? 'kube-system';
  if (!DNS_LABEL.test(leaseNamespace))
    throw new ConfigError(
      readOptional(env, 'LEASE_NAMESPACE') ? 'LEASE_NAMESPACE' : 'POD_NAMESPACE',
      leaseNamespace,
      'a namespace name',
    );
  const durationText = readOptional(env, 'LEASE_DURATION');
  const leaseDurationMs =
    durationText === undefined
      ? DEFAULT_LEASE_DURATION_MS
      : parseSeconds('LEASE_DURATION', durationText, 1_000, 300_000);
  return {
    enabled,
    leaseName,
    leaseNamespace,
    identity: identityOf(env),
    leaseDurationMs,
    retryPeriodMs: Math.max(500, Math.floor(leaseDurationMs / 5)),
  };
}

/** `POD_NAME`/`HOSTNAME` (unique per pod), or network-operator's `K8S_NODE` with `POD_UID`. */
function identityOf(env: Env): string {
  const name = readOptional(env, 'POD_NAME') ?? readOptional(env, 'HOSTNAME');
  const uid = readOptional(env, 'POD_UID');
  const node = readOptional(env, 'K8S_NODE');
  const base = name ?? node ?? 'ib-kubernetes-watcher';
  const identity = uid ? `${base}_${uid}` : base;
  return identity.slice(0, 253);
}

function list(env: Env, name: string): string[] {
  const value = readOptional(env, name);
  if (value === undefined) return [];
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
