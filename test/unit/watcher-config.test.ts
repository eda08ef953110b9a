import { DEFAULT_LEASE_NAME, parseWatcherConfig } from '../../domain/watcher-config';
import { ConfigError } from '../../domain/errors';

const expectError = (env: Record<string, string>, variable: string) => {
  try {
    parseWatcherConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    return;
  }
  throw new Error(`expected a ConfigError naming ${variable}`);
};

describe('parseWatcherConfig', () => {
  it('defaults: every pod, every ib-sriov NAD, leader election on the upstream Lease', () => {
    const config = parseWatcherConfig({});
    expect(config).toMatchObject({
      namespaces: [],
      managedResourceNames: [],
      leaderElection: {
        enabled: true,
        leaseName: DEFAULT_LEASE_NAME,
        leaseNamespace: 'kube-system',
        leaseDurationMs: 15_000,
        retryPeriodMs: 3_000,
      },
    });
    expect(config.podLabelSelector).toBeUndefined();
    // A dead leader is replaced within duration + one retry: under 20 s.
    expect(config.leaderElection.leaseDurationMs + config.leaderElection.retryPeriodMs).toBeLessThan(20_000);
  });

  it('empty values mean the defaults', () => {
    expect(
      parseWatcherConfig({
        POD_LABEL_SELECTOR: '',
        WATCH_NAMESPACES: '',
        MANAGED_RESOURCE_NAMES: '',
        LEADER_ELECTION: '',
      }),
    ).toEqual(parseWatcherConfig({}));
  });

  it('reads the scope', () => {
    const config = parseWatcherConfig({
      POD_LABEL_SELECTOR: 'kubevirt.io=virt-launcher',
      WATCH_NAMESPACES: 'a, b,,a',
      MANAGED_RESOURCE_NAMES: 'nvidia.com/ib_a,nvidia.com/ib_b',
    });
    expect(config.podLabelSelector).toBe('kubevirt.io=virt-launcher');
    expect(config.namespaces).toEqual(['a', 'b']);
    expect(config.managedResourceNames).toEqual(['nvidia.com/ib_a', 'nvidia.com/ib_b']);
  });

  it("identity and Lease namespace from the downward API (network-operator's K8S_NODE, POD_NAMESPACE, POD_UID)", () => {
    const config = parseWatcherConfig({ K8S_NODE: 'node-7', POD_NAMESPACE: 'nvidia-network-operator', POD_UID: 'u-1' });
    expect(config.leaderElection).toMatchObject({ identity: 'node-7_u-1', leaseNamespace: 'nvidia-network-operator' });
    expect(parseWatcherConfig({ POD_NAME: 'w-0', HOSTNAME: 'h' }).leaderElection.identity).toBe('w-0');
    expect(parseWatcherConfig({ LEASE_NAMESPACE: 'x', POD_NAMESPACE: 'y' }).leaderElection.leaseNamespace).toBe('x');
  });

  it.each([
    [{ WATCH_NAMESPACES: 'Bad_Namespace' }, 'WATCH_NAMESPACES'],
    [{ WATCH_NAMESPACES: 'a,-b' }, 'WATCH_NAMESPACES'],
    [{ POD_LABEL_SELECTOR: "a=b'; drop" }, 'POD_LABEL_SELECTOR'],
    [{ POD_LABEL_SELECTOR: 'a=b\nc=d' }, 'POD_LABEL_SELECTOR'],
    [{ MANAGED_RESOURCE_NAMES: 'nvidia.com/ib a' }, 'MANAGED_RESOURCE_NAMES'],
    [{ LEADER_ELECTION: 'maybe' }, 'LEADER_ELECTION'],
    [{ LEASE_NAME: 'Not A Name' }, 'LEASE_NAME'],
    [{ LEASE_NAMESPACE: 'UPPER' }, 'LEASE_NAMESPACE'],
    [{ POD_NAMESPACE: 'bad_ns' }, 'POD_NAMESPACE'],
    [{ LEASE_DURATION: '0.1' }, 'LEASE_DURATION'],
    [{ LEASE_DURATION: '15s' }, 'LEASE_DURATION'],
    [{ TEMPORAL_TASK_QUEUE: "q' OR '1'='1" }, 'TEMPORAL_TASK_QUEUE'],
  ])('%p is refused, naming %s', (env, variable) => expectError(env as Record<string, string>, variable));
});
