/**
 * `make demo`, after the stack, the worker and the watcher are up (hack/demo.sh): applies the
 * example NAD and pods of deployment/examples/ in the `ib-demo` namespace (plus a few more pods),
 * waits until each is configured, and prints every pod's network annotation beside the UFM
 * simulator's membership of the PKey, then the web UI link to the pods' workflows.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { NETWORKS_ANNOTATION } from '../domain/annotations';

const NAMESPACE = 'ib-demo';
const EXAMPLES = path.resolve(__dirname, '../../deployment/examples');
const EXTRA_PODS = 3;
const DEADLINE_MS = 120_000;

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run through 'make demo' (it sources the stack's env file)`);
  return value;
}

async function main(): Promise<void> {
  const kubeConfig = new k8s.KubeConfig();
  kubeConfig.loadFromFile(env('KUBECONFIG'));
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  const objects = k8s.KubernetesObjectApi.makeApiClient(kubeConfig);

  await core.createNamespace({ body: { metadata: { name: NAMESPACE } } }).catch((error: { code?: number }) => {
    if (error.code !== 409) throw error;
  });
  // A second run starts over: the pods of the last one go first (new pods, new UIDs, new workflows).
  const previous = await core.listNamespacedPod({ namespace: NAMESPACE });
  for (const pod of previous.items) {
    await core.deleteNamespacedPod({ namespace: NAMESPACE, name: pod.metadata!.name!, gracePeriodSeconds: 0 });
  }
  const manifests = ['ib-sriov-nad.yaml', 'test-pod.yaml', 'two-interfaces-pod.yaml'].map((file) =>
    k8s.loadYaml<k8s.KubernetesObject>(readFileSync(path.join(EXAMPLES, file), 'utf8')),
  );
  const pods: string[] = [];
  for (const manifest of manifests) {
    manifest.metadata = { ...manifest.metadata, namespace: NAMESPACE };
    // No scheduler or kubelet here: the pods are bound to a node by hand.
    if (manifest.kind === 'Pod') {
      (manifest as k8s.V1Pod).spec!.nodeName = 'node-1';
      pods.push(manifest.metadata.name!);
    }
    await apply(objects, manifest);
  }
  const template = manifests.find((m) => m.metadata?.name === 'test-pod') as k8s.V1Pod;
  for (let i = 1; i <= EXTRA_PODS; i++) {
    const name = `demo-pod-${i}`;
    await apply(objects, { ...template, metadata: { ...template.metadata, name } } as k8s.KubernetesObject);
    pods.push(name);
  }
  console.log(`applied the example NAD and ${pods.length} pods in namespace ${NAMESPACE}; waiting for them...`);

  const deadline = Date.now() + DEADLINE_MS;
  let annotations = new Map<string, Array<Record<string, unknown>>>();
  let shown = -1;
  for (;;) {
    annotations = await configuredAnnotations(core, pods);
    if (annotations.size !== shown) console.log(`  configured: ${(shown = annotations.size)}/${pods.length}`);
    if (annotations.size === pods.length) break;
    if (Date.now() > deadline) {
      console.log(`\nnot every pod was configured within ${DEADLINE_MS / 1000} s; see .stack/logs/worker.log`);
      process.exitCode = 1;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  console.log('');

  const members = await ufmMembers('0x6');
  for (const [name, elements] of annotations) {
    console.log(`pod ${NAMESPACE}/${name}`);
    for (const element of elements) {
      const args = (element['cni-args'] ?? {}) as Record<string, string>;
      const guid = args.guid ?? '';
      const member = members.get(guid.replaceAll(':', '').toLowerCase());
      console.log(`  annotation: ${JSON.stringify(element)}`);
      console.log(`  UFM PKey 0x6: ${member ? `${guid} is a ${member} member` : `${guid} is NOT a member`}`);
    }
  }
  const query = `WorkflowType="podWorkflow" AND PodNamespace="${NAMESPACE}"`;
  const ui = env('TEMPORAL_UI_URL');
  console.log(`\nTemporal web UI: ${ui}`);
  console.log(`  the pods' workflows: ${ui}/namespaces/default/workflows?query=${encodeURIComponent(query)}`);
  console.log(`  delete a pod and watch its GUID leave the PKey:`);
  console.log(
    `    KUBECONFIG=${env('KUBECONFIG')} kubectl -n ${NAMESPACE} delete pod demo-pod-1 --grace-period=0 --force`,
  );
}

async function apply(objects: k8s.KubernetesObjectApi, object: k8s.KubernetesObject): Promise<void> {
  try {
    await objects.create(object);
  } catch (error) {
    if ((error as { code?: number }).code !== 409) throw error;
  }
}

async function configuredAnnotations(core: k8s.CoreV1Api, names: readonly string[]) {
  const list = await core.listNamespacedPod({ namespace: NAMESPACE });
  const found = new Map<string, Array<Record<string, unknown>>>();
  for (const pod of list.items) {
    const name = pod.metadata!.name!;
    if (!names.includes(name)) continue;
    try {
      const elements = JSON.parse(pod.metadata?.annotations?.[NETWORKS_ANNOTATION] ?? '') as Array<
        Record<string, unknown>
      >;
      const done = elements.every(
        (e) => (e['cni-args'] as Record<string, string> | undefined)?.['mellanox.infiniband.app'] === 'configured',
      );
      if (done) found.set(name, elements);
    } catch {
      // still the short form: not configured yet
    }
  }
  return found;
}

/** GUID (lowercase hex) → membership, from the simulator's documented UFM REST endpoint. */
function ufmMembers(pkey: string): Promise<Map<string, string>> {
  const url = new URL(`/ufmRest/resources/pkeys/${pkey}?guids_data=true`, env('UFM_SIM_URL'));
  const agent = new Agent({ ca: readFileSync(env('UFM_SIM_CERT')) });
  const auth = Buffer.from(`${env('UFM_SIM_USERNAME')}:${env('UFM_SIM_PASSWORD')}`).toString('base64');
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: { authorization: `Basic ${auth}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`UFM answered ${res.statusCode}: ${body.slice(0, 200)}`));
        const parsed = JSON.parse(body) as { guids?: Array<{ guid: string; membership: string }> };
        resolve(new Map((parsed.guids ?? []).map((g) => [g.guid.toLowerCase(), g.membership])));
      });
    });
    req.on('error', reject);
    req.end();
  });
}

main().catch((error: unknown) => {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
