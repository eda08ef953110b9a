/**
 * The Helm chart, rendered by the real helm: its default render is the plain manifests (object for
 * object, Helm's own labels and the roll-on-change checksums aside), every render passes
 * `kubectl apply --dry-run=server` on the real apiserver, values.schema.json refuses wrong values
 * at install with a message naming the value, each value lands where it should, and the NOTES tell
 * an operator how to find a pod's workflow.
 */
import { execFileSync } from 'node:child_process';
import type * as k8s from '@kubernetes/client-node';
import {
  CHART,
  PLAIN_FILES,
  containerEnv,
  containerOf,
  find,
  helmTemplate,
  key,
  kubectl,
  loadManifests,
  parseManifests,
  type Manifest,
} from '../support/manifests';
import { stackEnv } from '../support/stack';

jest.setTimeout(60_000);

/** Labels and annotations only the chart adds: Helm's conventions and the checksums that roll pods. */
const CHART_ONLY_LABELS = [
  'helm.sh/chart',
  'app.kubernetes.io/managed-by',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/version',
];

function withoutChartMarks(object: Manifest): Manifest {
  const copy = structuredClone(object);
  const labels = copy.metadata?.labels;
  for (const label of CHART_ONLY_LABELS) delete labels?.[label];
  if (labels && Object.keys(labels).length === 0) delete copy.metadata!.labels;
  const template = (copy as unknown as k8s.V1Deployment).spec?.template?.metadata;
  for (const annotation of Object.keys(template?.annotations ?? {})) {
    if (annotation.startsWith('checksum/')) delete template!.annotations![annotation];
  }
  return copy;
}

const byKey = (objects: readonly Manifest[]) => Object.fromEntries(objects.map((o) => [key(o), o]));
const rendered = (values: Record<string, string | number> = {}) => parseManifests(helmTemplate(values));

/** helm's stderr for values the schema must refuse. */
function refusal(values: Record<string, string>): string {
  try {
    helmTemplate(values, { typed: true });
  } catch (error) {
    return String((error as { stderr?: string }).stderr);
  }
  throw new Error(`helm accepted ${JSON.stringify(values)}`);
}

it('the default render is the plain manifests, object for object', () => {
  const chart = rendered().map(withoutChartMarks);
  const plain = loadManifests(...PLAIN_FILES);
  expect(Object.keys(byKey(chart)).sort()).toEqual(Object.keys(byKey(plain)).sort());
  expect(byKey(chart)).toEqual(byKey(plain));
});

it('the chart marks its objects as Helm conventions say and rolls the pods when the settings change', () => {
  const chart = rendered();
  for (const object of chart) expect(object.metadata?.labels?.['app.kubernetes.io/managed-by']).toBe('Helm');
  const checksum = (objects: Manifest[]) =>
    (find(objects, 'Deployment', 'ib-kubernetes-worker') as unknown as k8s.V1Deployment).spec!.template.metadata!
      .annotations!['checksum/config'];
  expect(checksum(rendered({ 'config.periodicUpdate': 7 }))).not.toBe(checksum(chart));
});

it.each([
  ['defaults', {}],
  [
    'every value set',
    {
      name: 'ib-fabric-b',
      'ufm.existingSecret': 'fabric-b-ufm',
      'temporal.mtlsSecret': 'fabric-b-temporal-tls',
      'temporal.tlsServerName': 'temporal.example.com',
      'config.extra.RECONCILE_INTERVAL': '600',
      'worker.nodeSelector.node-role\\.kubernetes\\.io/control-plane': '',
      'watcher.tolerations[0].key': 'node-role.kubernetes.io/control-plane',
      'watcher.tolerations[0].operator': 'Exists',
      'imagePullSecrets[0].name': 'registry',
    },
  ],
])('the render with %s passes kubectl apply --dry-run=server', (_, values) => {
  const out = kubectl(['apply', '--dry-run=server', '-f', '-'], helmTemplate(values));
  expect(out).toMatch(/deployment.apps\/ib-[a-z-]+-worker created \(server dry run\)/);
});

it('values land where they should', () => {
  const objects = rendered({
    name: 'ib-fabric-b',
    'ufm.existingSecret': 'fabric-b-ufm',
    'temporal.mtlsSecret': 'fabric-b-temporal-tls',
    'temporal.address': 'temporal.example.com:7233',
    'temporal.taskQueue': 'fabric-b',
    'config.guidPoolRangeStart': '02:00:00:00:00:01:00:00',
    'config.guidPoolRangeEnd': '02:00:00:00:00:01:ff:ff',
    'config.extra.MANAGED_RESOURCE_NAMES': 'nvidia.com/fabric_b',
    'image.tag': '9.9.9',
    'worker.replicas': 5,
    'worker.resources.limits.memory': '2Gi',
  });
  // No Secret is created when an existing one is named, and the worker reads that one.
  expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
  const worker = find(objects, 'Deployment', 'ib-fabric-b-worker');
  const watcher = find(objects, 'Deployment', 'ib-fabric-b-watcher');
  expect(containerOf(worker).envFrom).toContainEqual({ secretRef: { name: 'fabric-b-ufm' } });
  expect((worker as unknown as k8s.V1Deployment).spec!.replicas).toBe(5);
  expect(containerOf(worker).resources!.limits!.memory).toBe('2Gi');
  expect(containerOf(worker).image).toBe('ghcr.io/ib-kubernetes-temporal/ib-kubernetes:9.9.9');

  const config = find(objects, 'ConfigMap', 'ib-fabric-b-config').data as Record<string, string>;
  expect(config).toMatchObject({
    TEMPORAL_ADDRESS: 'temporal.example.com:7233',
    TEMPORAL_TASK_QUEUE: 'fabric-b',
    GUID_POOL_RANGE_START: '02:00:00:00:00:01:00:00',
    GUID_POOL_RANGE_END: '02:00:00:00:00:01:ff:ff',
    MANAGED_RESOURCE_NAMES: 'nvidia.com/fabric_b',
  });

  // mTLS: both processes get the files, and the paths they are told are where the Secret is mounted.
  for (const deployment of [worker, watcher]) {
    const env = containerEnv([...objects, secret('fabric-b-ufm')], deployment, { name: 'p' });
    const mount = containerOf(deployment).volumeMounts!.find((m) => m.name === 'temporal-tls')!;
    expect(mount.readOnly).toBe(true);
    for (const file of ['TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CA']) {
      expect(path(env[file]!)).toBe(mount.mountPath);
    }
    const volumes = (deployment as unknown as k8s.V1Deployment).spec!.template.spec!.volumes!;
    expect(volumes.find((v) => v.name === 'temporal-tls')!.secret!.secretName).toBe('fabric-b-temporal-tls');
  }

  // The Lease the watcher takes is the one its Role lets it update.
  const role = find(objects, 'Role', 'ib-fabric-b-leader') as unknown as k8s.V1Role;
  const leaseName = containerEnv([...objects, secret('fabric-b-ufm')], watcher, { name: 'w' }).LEASE_NAME;
  expect(role.rules!.find((r) => r.resourceNames)!.resourceNames).toEqual([leaseName]);
  // Every name one object gives another resolves.
  const binding = find(objects, 'ClusterRoleBinding', 'ib-fabric-b') as unknown as k8s.V1ClusterRoleBinding;
  find(objects, 'ClusterRole', binding.roleRef.name);
  find(objects, 'ServiceAccount', binding.subjects![0]!.name);
  expect((worker as unknown as k8s.V1Deployment).spec!.template.spec!.serviceAccountName).toBe('ib-fabric-b');
});

const path = (file: string) => file.slice(0, file.lastIndexOf('/'));
const secret = (name: string): Manifest => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: {} });

it.each([
  ['config.guidPoolRangeStart', '02:00:00:00:00:00:00', '/config/guidPoolRangeStart'],
  ['config.guidPoolRangeEnd', 'zz:00:00:00:00:00:00:00', '/config/guidPoolRangeEnd'],
  ['config.periodicUpdate', '0', '/config/periodicUpdate'],
  ['config.periodicUpdate', '86400', '/config/periodicUpdate'],
  ['config.periodicUpdate', 'soon', '/config/periodicUpdate'],
  ['config.smPlugin', '../../etc/evil', '/config/smPlugin'],
  ['config.extra.UFM_PASSWORD', 'sneaky', '/config/extra'],
  ['config.extra.lower_case', 'x', "'lower_case' does not match"],
  ['temporal.address', 'temporal.example.com', '/temporal/address'],
  ['temporal.taskQueue', "it's", '/temporal/taskQueue'],
  ['ufm.password', '', '/ufm/password'],
  ['ufm.username', 'a:b', '/ufm/username'],
  ['ufm.address', 'https://ufm.example.com/', '/ufm/address'],
  ['ufm.httpSchema', 'ftp', '/ufm/httpSchema'],
  ['ufm.port', '70000', '/ufm/port'],
  ['ufm.certificate', 'not a pem', '/ufm/certificate'],
  ['watcher.replicas', '-1', '/watcher/replicas'],
  ['worker.replicas', 'many', '/worker/replicas'],
  ['worker.terminationGracePeriodSeconds', '5', '/worker/terminationGracePeriodSeconds'],
  ['worker.resources.limits.memory', 'lots', '/worker/resources/limits/memory'],
  ['image.pullPolicy', 'Sometimes', '/image/pullPolicy'],
  ['name', 'IB_Kubernetes', '/name'],
  ['workers', '3', "additional properties 'workers'"],
])('the schema refuses %s=%j, naming it', (name, value, named) => {
  const message = refusal({ [name]: value });
  expect(message).toContain(named);
});

it('the schema lets an empty UFM password through only with an existing Secret', () => {
  expect(() => helmTemplate({ 'ufm.password': '', 'ufm.existingSecret': 'mine' })).not.toThrow();
});

/** `helm install --dry-run=server` against the stack's apiserver: the rendered NOTES included. */
function installDryRun(value: string): string {
  const args = ['install', 'ib-kubernetes', CHART, '--namespace', 'kube-system', '--dry-run=server', '--set', value];
  return execFileSync('helm', args, { env: { ...process.env, KUBECONFIG: stackEnv('KUBECONFIG') }, encoding: 'utf8' });
}

it("the NOTES say how to find a pod's workflow and warn about the placeholder password", () => {
  const notes = installDryRun('temporal.namespace=fab-a');
  const text = notes.slice(notes.indexOf('NOTES:'));
  expect(text).toContain('temporal workflow describe --namespace fab-a --workflow-id ib-pod-$UID');
  expect(text).toContain("jsonpath='{.metadata.uid}'");
  expect(text).toMatch(/WARNING: the UFM password is still the placeholder/);
  expect(installDryRun('ufm.existingSecret=x')).not.toMatch(/placeholder/);
});
