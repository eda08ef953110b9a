/**
 * Kubernetes Events on pods, recorded off the hot path and aggregated as client-go's recorder
 * does: the same reason on the same pod within the aggregation window updates one Event's count
 * instead of creating another, so a pod retrying for an hour leaves one Event, not thousands.
 * Posting is best effort: a failed Event never fails a pod's work.
 */
import type * as k8s from '@kubernetes/client-node';
import { setHeaderOptions, PatchStrategy } from '@kubernetes/client-node';
import type { PodRef } from '../workflows/definitions';

/** What to say about a pod. */
export interface PodEvent {
  readonly pod: PodRef;
  readonly type: 'Normal' | 'Warning';
  /** UpperCamelCase, e.g. `Configured`, `WaitingForNad`. */
  readonly reason: string;
  readonly message: string;
}

/** A structured logger for failures to post. */
export interface EventLogger {
  warn(message: string, fields?: Record<string, unknown>): void;
}

const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const AGGREGATION_WINDOW_MS = 10 * 60_000;
const MAX_QUEUED = 2000;
const CONCURRENCY = 4;
const MAX_REMEMBERED = 20_000;

/** Posts and aggregates Events for one process. */
export class PodEventRecorder {
  readonly #queue: PodEvent[] = [];
  readonly #seen = new Map<string, { name: string; count: number; at: number }>();
  #running = 0;
  #idle: Array<() => void> = [];
  /** Events created, aggregated into an existing one, and dropped (queue full or API failure). */
  readonly stats = { created: 0, aggregated: 0, dropped: 0 };

  constructor(
    private readonly core: k8s.CoreV1Api,
    private readonly logger: EventLogger,
    private readonly component = 'ib-kubernetes',
  ) {}

  /** Queues an Event; returns at once. */
  record(event: PodEvent): void {
    if (this.#queue.length >= MAX_QUEUED) {
      this.stats.dropped++;
      return;
    }
    this.#queue.push(event);
    this.#pump();
  }

  /** Resolves once everything queued was posted (tests, shutdown). */
  flush(): Promise<void> {
    if (this.#queue.length === 0 && this.#running === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #pump(): void {
    while (this.#running < CONCURRENCY && this.#queue.length > 0) {
      const event = this.#queue.shift()!;
      this.#running++;
      void this.#post(event).finally(() => {
        this.#running--;
        this.#pump();
        if (this.#running === 0 && this.#queue.length === 0) for (const done of this.#idle.splice(0)) done();
      });
    }
  }

  async #post(event: PodEvent): Promise<void> {
    const { pod } = event;
    const key = `${pod.uid}/${event.reason}/${event.message}`;
    const now = new Date();
    const previous = this.#seen.get(key);
    try {
      if (previous && now.getTime() - previous.at < AGGREGATION_WINDOW_MS) {
        previous.count++;
        previous.at = now.getTime();
        await this.core.patchNamespacedEvent(
          {
            namespace: pod.namespace,
            name: previous.name,
            body: { count: previous.count, lastTimestamp: now.toISOString() },
          },
          MERGE_PATCH,
        );
        this.stats.aggregated++;
        return;
      }
      const created = await this.core.createNamespacedEvent({
        namespace: pod.namespace,
        body: {
          metadata: { generateName: `${pod.name}.` },
          involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: pod.namespace, name: pod.name, uid: pod.uid },
          type: event.type,
          reason: event.reason,
          message: event.message.slice(0, 1024),
          source: { component: this.component },
          reportingComponent: this.component,
          reportingInstance: this.component,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
      if (this.#seen.size >= MAX_REMEMBERED) this.#seen.delete(this.#seen.keys().next().value!);
      this.#seen.set(key, { name: created.metadata?.name ?? '', count: 1, at: now.getTime() });
      this.stats.created++;
    } catch (error) {
      this.stats.dropped++;
      this.#seen.delete(key);
      const status = (error as { code?: unknown }).code;
      this.logger.warn('could not post a Kubernetes Event', {
        pod: `${pod.namespace}/${pod.name}`,
        reason: event.reason,
        status: typeof status === 'number' ? status : 'no answer',
      });
    }
  }
}
