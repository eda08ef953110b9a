/**
 * Access to the local stack started by `hack/stack.sh up` (`make stack-up`, or `make test`
 * which starts a private one). Integration and end-to-end tests read its `env` file values
 * from the environment and fail with a clear message when the stack is not up.
 */
import { readFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { PooledKubeConfig } from '../../client/kube-config';

/** Returns a required stack variable or throws a message that says how to get it. */
export function stackEnv(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set: start the stack with 'make stack-up' and 'source .stack/env' (or run 'make test')`,
    );
  }
  return value;
}

/** A KubeConfig for the stack's admin user (system:masters). */
export function adminKubeConfig(): k8s.KubeConfig {
  const kc = new PooledKubeConfig();
  kc.loadFromFile(stackEnv('KUBECONFIG'));
  return kc;
}

/** A KubeConfig that authenticates with a bearer token (e.g. a ServiceAccount's), or none at all. */
export function tokenKubeConfig(token: string | undefined): k8s.KubeConfig {
  const admin = adminKubeConfig();
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [token ? { name: 'token-user', token } : { name: 'anonymous' }],
    contexts: [{ name: 'ctx', cluster: cluster.name, user: token ? 'token-user' : 'anonymous' }],
    currentContext: 'ctx',
  });
  return kc;
}

/** The UFM simulator's CA certificate (PEM), for verified TLS. */
export function ufmSimulatorCa(): string {
  return readFileSync(stackEnv('UFM_SIM_CERT'), 'utf8');
}

/** A namespace name unique to this test run, valid as a DNS label. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`.slice(0, 63);
}
