/**
 * The worker killed with SIGKILL in the middle of a burst, then started again: every pod is
 * configured, no GUID is given twice, no live pod's GUID ever leaves its PKey, and the restarted
 * worker's own metrics show the allocations it made. Worker processes run from the built output
 * with only environment variables, as in production; UFM answers slowly so the kill lands mid-way.
 */
import { metricValue, freePort, killAll, startProcess, waitReady, type ProcessRun } from '../support/processes';
import { startOrchestration, type Orchestration } from '../support/orchestration';
import { waitFor } from '../support/wait';

jest.setTimeout(180_000);

let o: Orchestration;
beforeAll(async () => {
  o = await startOrchestration({ worker: 'none' });
  o.sim.setKnobs({ baseLatencyMs: 250, requestLogLimit: 100_000 });
  await o.createNad('ib', o.pkeys[0]);
});
afterAll(async () => {
  await killAll();
  await o?.close();
});

async function startWorker(name: string): Promise<{ run: ProcessRun; healthPort: number }> {
  const healthPort = await freePort();
  const run = startProcess(
    'worker',
    { ...o.processEnv, HEALTH_PORT: String(healthPort), METRICS_SDK_PORT: String(await freePort()) },
    name,
  );
  await waitReady(run, healthPort);
  return { run, healthPort };
}

/** Names of pods whose annotation says configured, with their GUIDs. */
async function configured(names: readonly string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  await Promise.all(
    names.map(async (name) => {
      const pod = await o.core.readNamespacedPod({ namespace: o.namespace, name });
      const text = pod.metadata?.annotations?.['k8s.v1.cni.cncf.io/networks'] ?? '';
      if (!text.includes('"configured"')) return;
      const guid = (JSON.parse(text) as Array<{ 'cni-args': { guid: string } }>)[0]!['cni-args'].guid;
      found.set(name, guid);
    }),
  );
  return found;
}

it('SIGKILL mid-burst, then a restart: every pod configured, zero duplicate GUIDs, no flapping', async () => {
  const first = await startWorker('worker-1');
  const wave = await Promise.all(Array.from({ length: 40 }, (_, i) => o.createPod(`crash-${i}`, 'ib')));
  await Promise.all(wave.map((p) => o.pods.ensure(p)));
  // Kill once some pods are through and others are not: the rest is in flight in the dead process.
  const names = wave.map((p) => p.name);
  const before = await waitFor('a first configured pod', async () => (await configured(names)).size > 0, {
    timeoutMs: 60_000,
    intervalMs: 20,
  });
  expect(before).toBe(true);
  first.run.child.kill('SIGKILL');
  await waitFor('worker-1 to die', () => first.run.result, { timeoutMs: 10_000 });
  const doneAtKill = (await configured(names)).size;
  expect(doneAtKill).toBeLessThan(wave.length);

  const second = await startWorker('worker-2');
  // Pods created after the restart must be allocated by the new process.
  const late = await Promise.all(Array.from({ length: 10 }, (_, i) => o.createPod(`late-${i}`, 'ib')));
  await Promise.all(late.map((p) => o.pods.ensure(p)));
  const all = [...wave, ...late];
  const restartedAt = Date.now();
  // Work the dead process held comes back when Temporal times out its tasks (sticky queue, task timeout).
  const guids = await Promise.all(all.map((p) => o.configuredGuid(p.name, 90_000)));
  console.log(`after the restart every pod was configured in ${Date.now() - restartedAt} ms`);
  expect(new Set(guids).size).toBe(all.length);

  const hex = (g: string) => g.replace(/:/g, '').toLowerCase();
  const members = new Set(o.sim.members(o.pkeys[0]));
  for (const guid of guids) expect(members).toContain(hex(guid));
  // No removal at all reached UFM while every pod lived: nothing flapped.
  expect(o.sim.requestLog().filter((e) => e.method === 'DELETE')).toEqual([]);
  // The pool holds each GUID for its pod's interface.
  const held = await o.pool.held(all.map((p, i) => ({ owner: `${p.uid}_ib_idx_0`, guid: guids[i]! })));
  expect(held.every(Boolean)).toBe(true);

  const page = await (await fetch(`http://127.0.0.1:${second.healthPort}/metrics`)).text();
  expect(metricValue(page, 'ib_guid_allocations_total')).toBeGreaterThanOrEqual(late.length);
  const updates = metricValue(page, 'ib_pool_updates_total', { kind: 'allocate' });
  expect(updates).toBeGreaterThanOrEqual(1);
  expect(updates).toBeLessThan(all.length);

  await Promise.all(all.map((p) => o.deletePod(p)));
  await Promise.all(all.map((p) => o.result(p.uid)));
  expect(o.sim.members(o.pkeys[0]).filter((g) => guids.map(hex).includes(g))).toEqual([]);
  second.run.child.kill('SIGTERM');
  await waitFor('worker-2 to stop', () => second.run.result, { timeoutMs: 30_000 });
  expect(second.run.result).toEqual({ code: 0, signal: null });
});
