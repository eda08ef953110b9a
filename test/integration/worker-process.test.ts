/**
 * The worker as operators run it: `node build/workers/main.js` as a child process on the local
 * stack, with a clean environment. Checks the probes, our metrics endpoint, a graceful SIGTERM,
 * JSON-only stdout without the UFM password, and exit code 2 for a bad setting.
 * `make test` builds before the suites run; by hand, `npm run build` first.
 */
import { freePort, jsonLines, killAll, metricValue, startProcess, waitReady } from '../support/processes';
import { stackEnv, uniqueName } from '../support/stack';
import { waitFor } from '../support/wait';

const SECRET = 'some-secret-value';

afterEach(killAll);

it('serves probes and metrics, keeps secrets out of its JSON logs and stops cleanly on SIGTERM', async () => {
  const [healthPort, sdkPort] = [await freePort(), await freePort()];
  const taskQueue = uniqueName('it-worker-process');
  const run = startProcess('worker', {
    DAEMON_SM_PLUGIN: 'noop',
    TEMPORAL_ADDRESS: stackEnv('TEMPORAL_ADDRESS'),
    ...(process.env.TEMPORAL_NAMESPACE && { TEMPORAL_NAMESPACE: process.env.TEMPORAL_NAMESPACE }),
    TEMPORAL_TASK_QUEUE: taskQueue,
    POD_TASK_SLOTS: '7',
    KUBECONFIG: stackEnv('KUBECONFIG'),
    // Loopback only: the test needs no other interface.
    HEALTH_ADDRESS: '127.0.0.1',
    HEALTH_PORT: String(healthPort),
    METRICS_SDK_PORT: String(sdkPort),
    UFM_PASSWORD: SECRET,
  });
  const url = (route: string) => `http://127.0.0.1:${healthPort}${route}`;

  // Bundling the workflows takes a few seconds before the worker polls.
  await waitReady(run, healthPort, 45_000);
  expect((await fetch(url('/healthz'))).status).toBe(200);
  const metrics = await fetch(url('/metrics'));
  expect(metrics.status).toBe(200);
  const text = await metrics.text();
  expect(text).toContain('ib_ufm_call_duration_seconds');
  // validate() went through the instrumented plugin.
  expect(text).toMatch(/ib_ufm_call_duration_seconds_count\{operation="validate",outcome="success"\} 1/);
  expect((await fetch(url('/nothing-here'))).status).toBe(404);
  // POD_TASK_SLOTS bounds the pod queue's workflow-task slots (the SDK reports free + used).
  const podSlots = await waitFor('the pod queue workflow-task slots in the SDK metrics', async () => {
    const sdk = await (await fetch(`http://127.0.0.1:${sdkPort}/metrics`)).text();
    const labels = { task_queue: taskQueue, worker_type: 'WorkflowWorker' };
    const total =
      metricValue(sdk, 'temporal_worker_task_slots_available', labels) +
      metricValue(sdk, 'temporal_worker_task_slots_used', labels);
    return total > 0 && total;
  });
  expect(podSlots).toBe(7);

  run.child.kill('SIGTERM');
  const result = await waitFor('the worker to exit after SIGTERM', () => run.result, { timeoutMs: 30_000 });
  expect(result).toEqual({ code: 0, signal: null });

  const lines = jsonLines(run.output.stdout);
  expect(lines.map((line) => line.msg)).toEqual(expect.arrayContaining(['shutdown requested', 'worker stopped']));
  expect(run.output.stdout + run.output.stderr).not.toContain(SECRET);
}, 60_000);

it('exits with code 2 and names the variable when the configuration is invalid', async () => {
  const run = startProcess('worker', {
    DAEMON_SM_PLUGIN: 'noop',
    DAEMON_PERIODIC_UPDATE: 'five',
    TEMPORAL_ADDRESS: stackEnv('TEMPORAL_ADDRESS'),
    KUBECONFIG: stackEnv('KUBECONFIG'),
    UFM_PASSWORD: SECRET,
  });
  const result = await waitFor('the worker to exit', () => run.result, { timeoutMs: 30_000 });
  expect(result).toEqual({ code: 2, signal: null });
  const lines = jsonLines(run.output.stdout);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ level: 'fatal', variable: 'DAEMON_PERIODIC_UPDATE' });
  expect(String(lines[0]?.msg)).toContain('DAEMON_PERIODIC_UPDATE');
  expect(run.output.stdout + run.output.stderr).not.toContain(SECRET);
}, 60_000);
