/**
 * The deployment as users get it: the plain manifests of deployment/ and the Helm chart rendered by
 * the real `helm` (built into the tool cache by hack/install-tools.sh), read as objects; and the
 * environment a Deployment of them gives its container, so tests start the processes with exactly it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { REPO_ROOT } from './processes';
import { stackEnv } from './stack';

export const DEPLOYMENT = path.join(REPO_ROOT, 'deployment');
export const CHART = path.join(DEPLOYMENT, 'helm/ib-kubernetes');

/** A manifest object, loosely typed: tests walk into whatever kind it is. */
export type Manifest = k8s.KubernetesObject & Record<string, unknown>;

/** Runs kubectl against the stack as its admin. */
export function kubectl(args: readonly string[], input?: string): string {
  return execFileSync('kubectl', args, {
    env: { ...process.env, KUBECONFIG: stackEnv('KUBECONFIG') },
    encoding: 'utf8',
    input,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Every object of the given files under deployment/. */
export function loadManifests(...files: string[]): Manifest[] {
  return files.flatMap((file) => parseManifests(readFileSync(path.join(DEPLOYMENT, file), 'utf8')));
}

export function parseManifests(yaml: string): Manifest[] {
  return (k8s.loadAllYaml(yaml) as Array<Manifest | null>).filter((o): o is Manifest => o !== null);
}

/** The plain manifests a cluster admin applies (upstream's three entry points). */
export const PLAIN_FILES = ['ib-kubernetes-configmap.yaml', 'ib-kubernetes-ufm-secret.yaml', 'ib-kubernetes.yaml'];

/**
 * `helm template` of the chart with values set on the command line: strings through `--set-string`
 * (so `0` or `true` stay strings), numbers through `--set`; `typed` passes every value through
 * `--set`, as a user typing it would. Returns the YAML, or throws the Error whose `stderr` holds
 * helm's message (a schema refusal, for instance).
 */
export function helmTemplate(
  values: Record<string, string | number> = {},
  { namespace = 'kube-system', typed = false }: { namespace?: string; typed?: boolean } = {},
): string {
  const sets = Object.entries(values).flatMap(([name, value]) => [
    typed || typeof value === 'number' ? '--set' : '--set-string',
    `${name}=${value}`,
  ]);
  return execFileSync('helm', ['template', 'ib-kubernetes', CHART, '--namespace', namespace, ...sets], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function find(objects: readonly Manifest[], kind: string, name: string): Manifest {
  const found = objects.find((o) => o.kind === kind && o.metadata?.name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name} among ${objects.map(key).join(', ')}`);
  return found;
}

export const key = (o: Manifest): string => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

export function containerOf(deployment: Manifest): k8s.V1Container {
  return (deployment as unknown as k8s.V1Deployment).spec!.template.spec!.containers[0]!;
}

/**
 * The environment a Deployment's container gets from `objects`: its envFrom ConfigMaps and Secrets
 * (an optional one that is absent adds nothing), then its `env` list, with the downward-API fields
 * filled in as the kubelet would for a pod named `pod.name` on `node-1` (in the Deployment's
 * namespace unless `pod.namespace` says otherwise). Throws on a reference the objects do not
 * satisfy, as the kubelet would refuse to start the container.
 */
export function containerEnv(
  objects: readonly Manifest[],
  deployment: Manifest,
  pod: { name: string; namespace?: string },
): Record<string, string> {
  const container = containerOf(deployment);
  const podName = pod.name;
  const namespace = pod.namespace ?? deployment.metadata!.namespace!;
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    const ref = source.configMapRef ?? source.secretRef;
    const kind = source.configMapRef ? 'ConfigMap' : 'Secret';
    const object = objects.find((o) => o.kind === kind && o.metadata?.name === ref?.name);
    if (object === undefined) {
      if (ref?.optional) continue;
      throw new Error(`${key(deployment)} needs ${kind} ${ref?.name}, which is not among the objects`);
    }
    Object.assign(env, kind === 'ConfigMap' ? object.data : (object.stringData ?? decode(object.data)));
  }
  const downward: Record<string, string> = {
    'metadata.name': podName,
    'metadata.namespace': namespace,
    'metadata.uid': `uid-of-${podName}`,
    'spec.nodeName': 'node-1',
  };
  for (const variable of container.env ?? []) {
    const field = variable.valueFrom?.fieldRef?.fieldPath;
    const value = field === undefined ? variable.value : downward[field];
    if (value === undefined) throw new Error(`${key(deployment)}: env ${variable.name} has no value this test knows`);
    env[variable.name] = value;
  }
  return env;
}

function decode(data: unknown): Record<string, string> {
  return Object.fromEntries(
    Object.entries((data ?? {}) as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
  );
}
