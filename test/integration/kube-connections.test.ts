/**
 * `PooledKubeConfig` against the real apiserver, through a TCP relay on loopback that counts the
 * connections opened to it: calls share keep-alive connections, TLS is still verified, and the
 * plain client-node KubeConfig opens one connection per call (what the pooling fixes).
 */
import { createServer, connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { PooledKubeConfig } from '../../client/kube-config';
import { adminKubeConfig, stackEnv, uniqueName } from '../support/stack';

const admin = adminKubeConfig();
/** A CA that did not sign the apiserver's certificate (the UFM simulator's), as kubeconfig data. */
const foreignCa = readFileSync(stackEnv('UFM_SIM_CERT')).toString('base64');
const ns = uniqueName('it-kconn');

/** A relay to the apiserver that counts the connections it accepted. */
interface Relay {
  url: string;
  connections: number;
  close(): Promise<void>;
}

async function relayTo(server: string): Promise<Relay> {
  const target = new URL(server);
  const sockets = new Set<Socket>();
  const relay: Relay = { url: '', connections: 0, close: async () => {} };
  const listener = createServer((client) => {
    relay.connections++;
    const upstream = connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      s.setNoDelay(true);
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const address = listener.address();
  if (address === null || typeof address === 'string') throw new Error('relay has no port');
  // The apiserver's certificate names 127.0.0.1, so TLS verifies through the relay's port too.
  relay.url = `https://127.0.0.1:${address.port}`;
  relay.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      listener.close(() => resolve());
    });
  return relay;
}

/** The admin kubeconfig pointed at `server`, as a `PooledKubeConfig` or a plain one. */
function kubeConfigFor(server: string, kind: 'pooled' | 'plain', caData?: string): k8s.KubeConfig {
  const cluster = admin.getCurrentCluster()!;
  const user = admin.getCurrentUser()!;
  const kc = kind === 'pooled' ? new PooledKubeConfig() : new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: 'relay',
        server,
        skipTLSVerify: false,
        ...(caData ? { caData } : { caFile: cluster.caFile, caData: cluster.caData }),
      },
    ],
    users: [{ ...user, name: 'admin' }],
    contexts: [{ name: 'relay', cluster: 'relay', user: 'admin' }],
    currentContext: 'relay',
  });
  return kc;
}

let relay: Relay;

beforeAll(async () => {
  await admin.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
  relay = await relayTo(admin.getCurrentCluster()!.server);
});

afterAll(async () => {
  await relay.close();
  await admin.makeApiClient(k8s.CoreV1Api).deleteNamespace({ name: ns });
});

beforeEach(() => {
  relay.connections = 0;
});

async function sequentialReads(kc: k8s.KubeConfig, count: number): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  for (let i = 0; i < count; i++) await core.readNamespace({ name: ns });
}

it('makes 30 sequential calls over one connection', async () => {
  await sequentialReads(kubeConfigFor(relay.url, 'pooled'), 30);
  expect(relay.connections).toBe(1);
});

it('shares connections across API groups and concurrent calls', async () => {
  const kc = kubeConfigFor(relay.url, 'pooled');
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  await Promise.all(Array.from({ length: 10 }, () => core.readNamespace({ name: ns })));
  const afterBurst = relay.connections;
  expect(afterBurst).toBeLessThanOrEqual(10);
  // The burst's connections are kept alive and reused by both API clients.
  for (let i = 0; i < 10; i++) {
    await core.listNamespacedPod({ namespace: ns });
    await custom.listNamespacedCustomObject({
      group: 'k8s.cni.cncf.io',
      version: 'v1',
      namespace: ns,
      plural: 'network-attachment-definitions',
    });
  }
  expect(relay.connections).toBe(afterBurst);
});

it('plain client-node opens a connection per call (what the pooling removes)', async () => {
  await sequentialReads(kubeConfigFor(relay.url, 'plain'), 5);
  expect(relay.connections).toBe(5);
});

it('still verifies the server certificate: a foreign CA is refused, on every call', async () => {
  const core = kubeConfigFor(relay.url, 'pooled', foreignCa).makeApiClient(k8s.CoreV1Api);
  for (let i = 0; i < 2; i++) await expect(core.readNamespace({ name: ns })).rejects.toThrow();
});

it('a changed CA gets new connections, and the right CA works again', async () => {
  const kc = kubeConfigFor(relay.url, 'pooled');
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await core.readNamespace({ name: ns });
  expect(relay.connections).toBe(1);
  // Rotate the cluster entry's CA in place to a foreign one: the shared connection is not reused.
  const cluster = kc.getCurrentCluster()!;
  const original = { caFile: cluster.caFile, caData: cluster.caData };
  Object.assign(cluster, { caFile: undefined, caData: foreignCa });
  await expect(core.readNamespace({ name: ns })).rejects.toThrow();
  Object.assign(cluster, original);
  await core.readNamespace({ name: ns });
  expect(relay.connections).toBe(3);
});
