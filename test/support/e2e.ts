/**
 * The product as operators run it, for the end-to-end suite: the stack's kube-apiserver and
 * Temporal dev server, a UFM simulator, and the real worker and watcher processes started from the
 * built output with only environment variables. The watcher is scoped to the fixture's namespace
 * (`WATCH_NAMESPACES`) and leads on a Lease there, so suites sharing the stack never meet.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { freePort, killAll, REPO_ROOT, startProcess, waitReady, type ProcessRun } from './processes';
import { startOrchestration, type Orchestration, type OrchestrationOptions } from './orchestration';
import { waitFor } from './wait';

/** A process of the fixture and its health port. */
export interface Running {
  readonly run: ProcessRun;
  readonly healthPort: number;
  metrics(): Promise<string>;
  /** The Temporal SDK's Prometheus page (`METRICS_SDK_PORT`). */
  sdkMetrics(): Promise<string>;
  /** SIGTERM and wait for the exit; returns the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait until it is gone. */
  kill(): Promise<void>;
}

export interface EndToEnd extends Orchestration {
  startWorker(name?: string, env?: Record<string, string>): Promise<Running>;
  startWatcher(name?: string, env?: Record<string, string>): Promise<Running>;
  /** Deletes a pod at once (no kubelet here); nothing else: the watcher must notice. */
  removePod(name: string): Promise<void>;
  /** Sets a pod's phase, as a kubelet would when its containers end. */
  setPhase(name: string, phase: 'Succeeded' | 'Failed' | 'Running'): Promise<void>;
  /** Applies an example manifest from deployment/examples/ in the fixture's namespace. */
  applyExample(file: string): Promise<{ kind: string; name: string; uid: string }>;
  /** Waits for a Warning Event with `reason` on the pod `name`. */
  warningEvent(name: string, reason: string): Promise<void>;
  /** Whether a workflow exists for the pod UID. */
  hasWorkflow(uid: string): Promise<boolean>;
  stopAll(): Promise<void>;
}

const EXAMPLES = path.join(REPO_ROOT, 'deployment/examples');

export async function startEndToEnd(options: OrchestrationOptions = {}): Promise<EndToEnd> {
  const o = await startOrchestration({ ...options, worker: 'none' });
  let counter = 0;

  async function start(entry: 'worker' | 'watcher', name: string, env: Record<string, string>): Promise<Running> {
    const healthPort = await freePort();
    const sdkMetricsPort = await freePort();
    const run = startProcess(
      entry,
      { ...o.processEnv, HEALTH_PORT: String(healthPort), METRICS_SDK_PORT: String(sdkMetricsPort), ...env },
      name,
    );
    await waitReady(run, healthPort);
    return {
      run,
      healthPort,
      metrics: async () => (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text(),
      sdkMetrics: async () => (await fetch(`http://127.0.0.1:${sdkMetricsPort}/metrics`)).text(),
      async stop() {
        run.child.kill('SIGTERM');
        const result = await waitFor(`${name} to stop`, () => run.result, { timeoutMs: 40_000 });
        return result.code;
      },
      async kill() {
        run.child.kill('SIGKILL');
        await waitFor(`${name} to die`, () => run.result, { timeoutMs: 10_000 });
      },
    };
  }

  return {
    ...o,
    startWorker: (name = `worker-${++counter}`, env = {}) => start('worker', name, env),
    startWatcher: (name = `watcher-${++counter}`, env = {}) =>
      start('watcher', name, {
        WATCH_NAMESPACES: o.namespace,
        LEASE_NAMESPACE: o.namespace,
        POD_NAME: name,
        LEASE_DURATION: '6',
        ...env,
      }),
    async removePod(name) {
      await o.core.deleteNamespacedPod({ namespace: o.namespace, name, gracePeriodSeconds: 0 });
    },
    async setPhase(name, phase) {
      const pod = await o.core.readNamespacedPod({ namespace: o.namespace, name });
      pod.status = { ...pod.status, phase };
      await o.core.replaceNamespacedPodStatus({ namespace: o.namespace, name, body: pod });
    },
    async applyExample(file) {
      const object = k8s.loadYaml<k8s.KubernetesObject & Record<string, unknown>>(
        readFileSync(path.join(EXAMPLES, file), 'utf8'),
      );
      object.metadata = { ...object.metadata, namespace: o.namespace };
      if (object.kind === 'Pod') (object as unknown as k8s.V1Pod).spec!.nodeName = 'node-1';
      const created = (await k8s.KubernetesObjectApi.makeApiClient(o.kubeConfig).create(
        object,
      )) as k8s.KubernetesObject;
      return { kind: object.kind!, name: created.metadata!.name!, uid: created.metadata!.uid! };
    },
    async warningEvent(name, reason) {
      await waitFor(`a ${reason} Event on ${name}`, async () => {
        const events = await o.core.listNamespacedEvent({
          namespace: o.namespace,
          fieldSelector: `involvedObject.name=${name},type=Warning`,
        });
        return events.items.some((x) => x.reason === reason);
      });
    },
    async hasWorkflow(uid) {
      try {
        await o.temporal.client.workflow.getHandle(`ib-pod-${uid}`).describe();
        return true;
      } catch (error) {
        if ((error as { name?: string }).name === 'WorkflowNotFoundError') return false;
        throw error;
      }
    },
    async stopAll() {
      await killAll();
    },
    async close() {
      await killAll();
      await o.close();
    },
  };
}
