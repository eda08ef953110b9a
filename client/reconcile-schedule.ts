/**
 * The reconcile's Temporal Schedule: created by the first worker that starts, its interval brought
 * up to date by later ones (idempotent: any number of workers may race). Operators pause, trigger
 * or delete it from the web UI or `temporal schedule ...`.
 */
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { entityTaskQueue, reconcileScheduleId } from '../workflows/definitions';

export async function ensureReconcileSchedule(client: Client, taskQueue: string, everyMs: number): Promise<void> {
  const scheduleId = reconcileScheduleId(taskQueue);
  const spec = { intervals: [{ every: everyMs }] };
  try {
    await client.schedule.create({
      scheduleId,
      spec,
      action: {
        type: 'startWorkflow',
        workflowType: 'reconcileWorkflow',
        taskQueue: entityTaskQueue(taskQueue),
        workflowId: scheduleId,
        args: [],
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: everyMs },
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec }));
  }
}
