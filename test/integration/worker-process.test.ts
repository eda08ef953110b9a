/**
 * The worker as operators run it: `node build/workers/main.js` as a child process on the local
 * stack, with a clean environment. Checks the probes, our metrics endpoint, a graceful SIGTERM,
 * JSON-only stdout without the UFM password, and exit code 2 for a bad setting.
 * `make test` builds before the suites run; by hand, `npm run build` first.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { stackEnv, uniqueName } from '../support/stack';
import { waitFor } from '../support/wait';

const MAIN = path.resolve(__dirname, '../../build/workers/main.js');
const SECRET = 'some-secret-value';

interface Run {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  /** Everything written so far, per stream. */
  readonly output: { stdout: string; stderr: string };
  /** Set once the process exited and its streams closed. */
  result?: { code: number | null; signal: NodeJS.Signals | null };
}

const runs: Run[] = [];

afterEach(() => {
  // A failed assertion must not leave a worker polling the shared stack.
  for (const run of runs.splice(0)) if (run.result === undefined) run.child.kill('SIGKILL');
});

beforeAll(() => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run 'npm run build' first (make test does)`);
});

it('serves probes and metrics, keeps secrets out of its JSON logs and stops cleanly on SIGTERM', async () => {
  const [healthPort, sdkPort] = [await freePort(), await freePort()];
  const run = start({
    DAEMON_SM_PLUGIN: 'noop',
    TEMPORAL_ADDRESS: stackEnv('TEMPORAL_ADDRESS'),
    ...(process.env.TEMPORAL_NAMESPACE && { TEMPORAL_NAMESPACE: process.env.TEMPORAL_NAMESPACE }),
    TEMPORAL_TASK_QUEUE: uniqueName('it-worker-process'),
    KUBECONFIG: stackEnv('KUBECONFIG'),
    // Loopback only: the test needs no other interface.
    HEALTH_ADDRESS: '127.0.0.1',
    HEALTH_PORT: String(healthPort),
    METRICS_SDK_PORT: String(sdkPort),
    UFM_PASSWORD: SECRET,
  });
  const url = (route: string) => `http://127.0.0.1:${healthPort}${route}`;

  // Bundling the workflows takes a few seconds before the worker polls.
  const state = await waitFor(
    'the worker to become ready',
    async () => (run.result ? 'exited' : (await fetch(url('/readyz'))).status === 200 && 'ready'),
    { timeoutMs: 45_000, intervalMs: 200 },
  );
  if (state !== 'ready') throw new Error(`worker exited before it was ready (${summarise(run)})`);
  expect((await fetch(url('/healthz'))).status).toBe(200);
  const metrics = await fetch(url('/metrics'));
  expect(metrics.status).toBe(200);
  const text = await metrics.text();
  expect(text).toContain('ib_ufm_call_duration_seconds');
  // validate() went through the instrumented plugin.
  expect(text).toMatch(/ib_ufm_call_duration_seconds_count\{operation="validate",outcome="success"\} 1/);
  expect((await fetch(url('/nothing-here'))).status).toBe(404);

  run.child.kill('SIGTERM');
  const result = await waitFor('the worker to exit after SIGTERM', () => run.result, { timeoutMs: 30_000 });
  expect(result).toEqual({ code: 0, signal: null });

  const lines = jsonLines(run.output.stdout);
  expect(lines.map((line) => line.msg)).toEqual(expect.arrayContaining(['shutdown requested', 'worker stopped']));
  expect(run.output.stdout + run.output.stderr).not.toContain(SECRET);
}, 60_000);

it('exits with code 2 and names the variable when the configuration is invalid', async () => {
  const run = start({
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

/** Spawns the worker with exactly `env` (no inherited variables) and records its output and exit. */
function start(env: Record<string, string>): Run {
  const child = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const run: Run = { child, output: { stdout: '', stderr: '' } };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (run.output.stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (run.output.stderr += chunk));
  // 'close', not 'exit': only then has all of stdout been read.
  child.on('close', (code, signal) => (run.result = { code, signal }));
  runs.push(run);
  return run;
}

/** Parses every stdout line, failing the test on the first that is not a JSON object. */
function jsonLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new Error(`stdout line is not JSON: ${line.slice(0, 200)}`);
      }
      if (typeof value !== 'object' || value === null) throw new Error(`stdout line is not an object: ${line}`);
      return value as Record<string, unknown>;
    });
}

/** A TCP port free on loopback right now (the kernel picks it; the worker binds it moments later). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port assigned');
  return address.port;
}

function summarise(run: Run): string {
  return `code ${run.result?.code}, signal ${run.result?.signal}; stderr: ${run.output.stderr.slice(-500)}`;
}
