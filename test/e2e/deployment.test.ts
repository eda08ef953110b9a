/**
 * The manifests users apply, on the real kube-apiserver: every file of deployment/ passes
 * `kubectl apply --dry-run=server`; the RBAC of `deployment/ib-kubernetes.yaml` is exactly enough:
 * the real watcher and worker processes, authenticated as the ServiceAccount with a token the
 * apiserver issued, configure a pod and release it (so every call they make is allowed), and a
 * sample of calls they do not need is refused.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEPLOYMENT, kubectl } from '../support/manifests';
import { startEndToEnd, type EndToEnd } from '../support/e2e';
import { tokenKubeConfig } from '../support/stack';
import { waitFor } from '../support/wait';

jest.setTimeout(120_000);

const SA = 'system:serviceaccount:kube-system:ib-kubernetes';
const hex = (guid: string) => guid.replaceAll(':', '').toLowerCase();

/** `kubectl auth can-i` as the ServiceAccount: exit 0 means yes, 1 means no. */
function canI(verb: string, resource: string, namespace = 'default'): boolean {
  try {
    kubectl(['auth', 'can-i', verb, resource, '--as', SA, '-n', namespace]);
    return true;
  } catch (error) {
    if ((error as { status?: number }).status === 1) return false;
    throw error;
  }
}

let e: EndToEnd;
let scratch: string;

beforeAll(async () => {
  e = await startEndToEnd();
  scratch = mkdtempSync(path.join(tmpdir(), 'ib-rbac-'));
  kubectl(['apply', '-f', path.join(DEPLOYMENT, 'ib-kubernetes.yaml'), '--selector', '!app.kubernetes.io/component']);
}, 120_000);
afterAll(async () => {
  await e?.close();
  rmSync(scratch, { recursive: true, force: true });
  kubectl([
    'delete',
    '--ignore-not-found',
    '-f',
    path.join(DEPLOYMENT, 'ib-kubernetes.yaml'),
    '--selector',
    '!app.kubernetes.io/component',
  ]);
}, 60_000);

it('every manifest and example passes kubectl apply --dry-run=server', () => {
  const files = [
    'crds/network-attachment-definition.yaml',
    'ib-kubernetes-configmap.yaml',
    'ib-kubernetes-ufm-secret.yaml',
    'ib-kubernetes.yaml',
    ...readdirSync(path.join(DEPLOYMENT, 'examples')).map((f) => `examples/${f}`),
  ];
  for (const file of files) {
    // The examples name no namespace (users apply them where their pods run); the rest say kube-system.
    const namespace = file.startsWith('examples/') ? ['-n', e.namespace] : [];
    const out = kubectl(['apply', '--dry-run=server', ...namespace, '-f', path.join(DEPLOYMENT, file)]);
    expect(out).toMatch(/\(server dry run\)/);
  }
});

it.each([
  ['get', 'pods'],
  ['list', 'pods'],
  ['watch', 'pods'],
  ['patch', 'pods'],
  ['create', 'events'],
  ['patch', 'events'],
  ['get', 'network-attachment-definitions.k8s.cni.cncf.io'],
  ['list', 'network-attachment-definitions.k8s.cni.cncf.io'],
  ['watch', 'network-attachment-definitions.k8s.cni.cncf.io'],
])('the ServiceAccount may %s %s', (verb, resource) => {
  expect(canI(verb, resource)).toBe(true);
});

it.each([
  ['list', 'secrets', 'default'],
  ['get', 'secrets', 'kube-system'],
  ['delete', 'pods', 'default'],
  ['create', 'pods', 'default'],
  ['patch', 'nodes', 'default'],
  ['create', 'network-attachment-definitions.k8s.cni.cncf.io', 'default'],
  ['delete', 'network-attachment-definitions.k8s.cni.cncf.io', 'default'],
  ['update', 'pods/status', 'default'],
  ['create', 'leases.coordination.k8s.io', 'default'],
  ['update', 'leases.coordination.k8s.io/someone-else', 'kube-system'],
  ['delete', 'leases.coordination.k8s.io/ib-kubernetes-leader', 'kube-system'],
])('the ServiceAccount may not %s %s in %s', (verb, resource, namespace) => {
  expect(canI(verb, resource, namespace)).toBe(false);
});

it('the watcher and worker, as the ServiceAccount, configure and release a pod', async () => {
  const token = kubectl(['create', 'token', 'ib-kubernetes', '-n', 'kube-system', '--duration', '1h']).trim();
  const kubeconfig = path.join(scratch, 'kubeconfig');
  writeFileSync(kubeconfig, tokenKubeConfig(token).exportConfig(), { mode: 0o600 });
  await e.createNad('ib', e.pkeys[0]);
  const asServiceAccount = { KUBECONFIG: kubeconfig };
  await Promise.all([
    e.startWorker('worker-sa', asServiceAccount),
    e.startWatcher('watcher-sa', { ...asServiceAccount, LEASE_NAMESPACE: 'kube-system' }),
  ]);
  const created = await e.createPod('as-sa', 'ib');
  const guid = await e.configuredGuid('as-sa', 30_000);
  expect(e.sim.members(e.pkeys[0])).toContain(hex(guid));
  await e.removePod('as-sa');
  await waitFor('released', () => e.result(created.uid), { timeoutMs: 30_000 });
  expect(e.sim.members(e.pkeys[0])).not.toContain(hex(guid));
});
