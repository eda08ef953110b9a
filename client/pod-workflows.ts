/**
 * Starting and telling pod workflows, through a Temporal client: what the watcher does for every pod
 * event, and what tests and benchmarks use to drive pods exactly as the watcher will.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import {
  IbNode,
  IbStage,
  nadChangedSignal,
  podChangedSignal,
  podGoneSignal,
  podStatusQuery,
  podWorkflowId,
  PodName,
  PodNamespace,
  retrySignal,
  type PodGoneReason,
  type PodRef,
  type PodStatus,
} from '../workflows/definitions';

const POD_WORKFLOW_PREFIX = podWorkflowId('');

/** `running`: the workflow runs now (just started, or already running); `closed`: it already finished. */
export type StartOutcome = 'running' | 'closed';

/** Pod workflow operations for one namespace and task queue. */
export class PodWorkflows {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  /**
   * Makes sure `pod` has its workflow. Idempotent: a running one is left alone, and one that already
   * finished (its pod was cleaned up) is never started again, so a late event cannot resurrect it.
   */
  async ensure(pod: PodRef): Promise<StartOutcome> {
    try {
      await this.client.workflow.start('podWorkflow', {
        workflowId: podWorkflowId(pod.uid),
        taskQueue: this.taskQueue,
        args: [{ pod }],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        workflowIdConflictPolicy: 'USE_EXISTING',
        staticSummary: `InfiniBand for pod ${pod.namespace}/${pod.name}`,
        typedSearchAttributes: [
          { key: PodName, value: pod.name },
          { key: PodNamespace, value: pod.namespace },
          { key: IbStage, value: 'resolving' },
          ...(pod.node ? [{ key: IbNode, value: pod.node }] : []),
        ],
      });
      return 'running';
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return 'closed';
      throw error;
    }
  }

  /** Tells the pod's workflow the pod was deleted or finished. False when there is none running. */
  gone(uid: string, reason: PodGoneReason): Promise<boolean> {
    return this.#signal(uid, (h) => h.signal(podGoneSignal, reason));
  }

  /** Tells the pod's workflow its networks annotation changed. */
  changed(uid: string): Promise<boolean> {
    return this.#signal(uid, (h) => h.signal(podChangedSignal));
  }

  /** Tells the pod's workflow that a NAD it may use changed or appeared. */
  nadChanged(uid: string, networkId: string): Promise<boolean> {
    return this.#signal(uid, (h) => h.signal(nadChangedSignal, networkId));
  }

  /** An operator's retry of a waiting pod. */
  retry(uid: string): Promise<boolean> {
    return this.#signal(uid, (h) => h.signal(retrySignal));
  }

  /** UIDs of this task queue's open pod workflows (a visibility query; it lags a moment behind starts). */
  async *openPodWorkflows(): AsyncIterable<{ uid: string; startedAt: number; namespace?: string; name?: string }> {
    const query = `WorkflowType = 'podWorkflow' AND ExecutionStatus = 'Running' AND TaskQueue = '${this.taskQueue}'`;
    for await (const execution of this.client.workflow.list({ query })) {
      if (!execution.workflowId.startsWith(POD_WORKFLOW_PREFIX)) continue;
      const namespace = execution.typedSearchAttributes.get(PodNamespace);
      const name = execution.typedSearchAttributes.get(PodName);
      yield {
        uid: execution.workflowId.slice(POD_WORKFLOW_PREFIX.length),
        startedAt: execution.startTime.getTime(),
        ...(namespace ? { namespace } : {}),
        ...(name ? { name } : {}),
      };
    }
  }

  /** The pod workflow's status, or undefined when it does not exist. */
  async status(uid: string): Promise<PodStatus | undefined> {
    try {
      return await this.client.workflow.getHandle(podWorkflowId(uid)).query(podStatusQuery);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    }
  }

  async #signal(uid: string, send: (handle: ReturnType<Client['workflow']['getHandle']>) => Promise<void>) {
    try {
      await send(this.client.workflow.getHandle(podWorkflowId(uid)));
      return true;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return false;
      throw error;
    }
  }
}
