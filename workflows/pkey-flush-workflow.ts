/**
 * The batch-flush entity of one PKey: pod workflows hand it the GUIDs of pods that went away (by
 * signal; nobody waits on it), and it takes them out of the subnet manager in as few calls as
 * possible: at once when idle, at most one flush per `DAEMON_PERIODIC_UPDATE` under load, one call
 * in flight. Only after the subnet manager confirmed does its activity return the GUIDs to the pool
 * and tell the pods, through the client: never with signal-external commands from this hot history
 * (reference/temporal-notes.md §10). It continues as new before its history grows, carrying what is
 * pending; signals are its only handlers, so nothing is left unfinished.
 */
import * as wf from '@temporalio/workflow';
import type * as activities from '../activities';
import { pkeyFlushStatusQuery, removeGuidsSignal, type PKeyFlushInput, type RemovalItem } from './definitions';

const { flushRemovals } = wf.proxyActivities<ReturnType<typeof activities.createActivities>>({
  startToCloseTimeout: '2 minutes',
  // The activity heartbeats every 2 s: a dead worker's attempt is retried elsewhere within 10 s.
  heartbeatTimeout: '10 seconds',
  // A flush is retried until it succeeds (the subnet manager may be down for a while); each retry
  // re-checks ownership first, so a GUID that changed hands is never removed.
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Continue-as-new well before the 4k-event suggestion. */
const MAX_EVENTS_PER_RUN = 2000;
/** Pause after a flush failed permanently, before the same GUIDs are tried again. */
const RETRY_AFTER_FAILURE = '1 minute';
/** GUIDs per flush; UFM removal is chunked further by the plugin. */
const MAX_FLUSH = 2000;

/** The entity of `input.pkey`. Runs until terminated. */
export async function pkeyFlushWorkflow(input: PKeyFlushInput): Promise<never> {
  const pending = new Map<string, RemovalItem>();
  for (const item of input.pending ?? []) pending.set(item.owner, item);
  let inFlight = 0;
  let flushes = 0;
  let lastError: string | undefined;

  wf.setHandler(removeGuidsSignal, (items) => {
    // Keyed by owner: a repeated hand-over (a retried local activity) is one removal.
    for (const item of items) pending.set(item.owner, item);
  });
  wf.setHandler(pkeyFlushStatusQuery, () => ({
    pkey: input.pkey,
    pending: pending.size,
    inFlight,
    flushes,
    ...(lastError ? { lastError } : {}),
  }));

  let lastFlushAt = Number.NEGATIVE_INFINITY;
  // Removals that arrived while a flush was in flight mean load: the next flush waits out the period
  // so they gather into one call. Removals that find the entity idle go at once.
  let underLoad = false;
  for (;;) {
    await wf.condition(() => pending.size > 0 || mustContinueAsNew());
    if (pending.size === 0) break;
    const wait = underLoad ? lastFlushAt + input.periodMs - Date.now() : 0;
    if (wait > 0) await wf.sleep(wait);
    const batch = [...pending.values()].slice(0, MAX_FLUSH);
    for (const item of batch) pending.delete(item.owner);
    lastFlushAt = Date.now();
    inFlight = batch.length;
    try {
      await flushRemovals.executeWithOptions({ summary: `remove ${batch.length} GUID(s) from PKey ${input.pkey}` }, [
        { pkey: input.pkey, items: batch },
      ]);
      lastError = undefined;
      flushes++;
    } catch (error) {
      // Only a failure the activity calls permanent gets here; keep the GUIDs and try again later
      // (credentials or the plugin may be fixed), rather than lose them or fail the entity.
      lastError = error instanceof wf.ActivityFailure && error.cause ? error.cause.message : String(error);
      for (const item of batch) if (!pending.has(item.owner)) pending.set(item.owner, item);
      await wf.sleep(RETRY_AFTER_FAILURE);
    } finally {
      inFlight = 0;
    }
    underLoad = pending.size > 0;
    if (mustContinueAsNew()) break;
  }
  return wf.continueAsNew<typeof pkeyFlushWorkflow>({ ...input, pending: [...pending.values()] });
}

function mustContinueAsNew(): boolean {
  const info = wf.workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > MAX_EVENTS_PER_RUN;
}
