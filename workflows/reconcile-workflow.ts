/**
 * The reconcile, run by a Temporal Schedule (`ib-reconcile@<task queue>`, every `RECONCILE_INTERVAL`,
 * overlapping runs skipped): one activity compares pods, pool and subnet manager and fixes what
 * differs (`activities/reconcile.ts`); its report is the workflow's result, so the web UI lists
 * every run with what it fixed.
 */
import * as wf from '@temporalio/workflow';
import type * as activities from '../activities';
import type { ReconcileReport } from './definitions';

const { reconcile } = wf.proxyActivities<ReturnType<typeof activities.createActivities>>({
  startToCloseTimeout: '10 minutes',
  // The activity heartbeats every 2 s: a dead worker's attempt is retried elsewhere within 30 s.
  heartbeatTimeout: '30 seconds',
  // The next scheduled run tries again anyway; a few retries cover a blip.
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumAttempts: 3 },
});

export async function reconcileWorkflow(): Promise<ReconcileReport> {
  return reconcile.executeWithOptions(
    { summary: 'compare pods, the GUID pool and the subnet manager; fix what differs' },
    [],
  );
}
