/**
 * The watcher's Prometheus metrics (`ib_watcher_*` plus Node's process metrics), served by the
 * health server at `/metrics`.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { ControllerMetrics } from './controller';

export interface WatcherMetrics extends ControllerMetrics {
  readonly registry: Registry;
  relisted(source: string): void;
  leading(leading: boolean): void;
  /** Called at scrape time for the gauges. */
  observe(read: () => { pods: number; nads: number; queued: number }): void;
}

export function createWatcherMetrics(registry: Registry = new Registry()): WatcherMetrics {
  collectDefaultMetrics({ register: registry });
  const decisions = new Counter({
    name: 'ib_watcher_pod_decisions_total',
    help: 'Pod decisions by outcome (ensured, not-infiniband, finished, or why it was skipped)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const started = new Counter({
    name: 'ib_watcher_workflows_started_total',
    help: 'Pod workflow starts by outcome (running: started or already running; closed: already finished)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const signals = new Counter({
    name: 'ib_watcher_signals_total',
    help: 'Signals sent to pod workflows',
    labelNames: ['kind'],
    registers: [registry],
  });
  const repairs = new Counter({
    name: 'ib_watcher_repairs_total',
    help: 'Repairs after a relist: workflows told their pod is gone, pods ensured again',
    labelNames: ['kind'],
    registers: [registry],
  });
  const relists = new Counter({
    name: 'ib_watcher_relists_total',
    help: 'Complete lists of pods or NADs',
    labelNames: ['source'],
    registers: [registry],
  });
  const leader = new Gauge({ name: 'ib_watcher_leader', help: '1 while this replica leads', registers: [registry] });
  let read: (() => { pods: number; nads: number; queued: number }) | undefined;
  const gauge = (name: string, help: string, pick: (s: { pods: number; nads: number; queued: number }) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        if (read) this.set(pick(read()));
      },
    });
  gauge('ib_watcher_pods', 'Pods known to the watcher', (s) => s.pods);
  gauge('ib_watcher_nads', 'NetworkAttachmentDefinitions known to the watcher', (s) => s.nads);
  gauge('ib_watcher_queue_depth', 'Pods waiting for a decision', (s) => s.queued);
  return {
    registry,
    podDecision: (outcome) => decisions.inc({ outcome }),
    workflowStarted: (outcome) => started.inc({ outcome }),
    signalSent: (kind) => signals.inc({ kind }),
    repaired: (kind) => repairs.inc({ kind }),
    relisted: (source) => relists.inc({ source }),
    leading: (leading) => leader.set(leading ? 1 : 0),
    observe: (reader) => (read = reader),
  };
}
