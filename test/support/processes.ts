/**
 * The controller's processes as operators run them: `node build/<entry>.js` as child processes with
 * exactly the environment given (nothing inherited), their output recorded. Shared by the worker
 * process test, the crash tests and the end-to-end suite. `make test` builds before the suites run;
 * by hand, `npm run build` first.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { waitFor } from './wait';

/** The repository root, from the sources (tests) or from build/ (benchmarks). */
export const REPO_ROOT = ((): string => {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
})();

/** The built entry points. */
export const ENTRY = {
  worker: path.join(REPO_ROOT, 'build/workers/main.js'),
  watcher: path.join(REPO_ROOT, 'build/watcher/main.js'),
} as const;

/** One child process and what it wrote. */
export interface ProcessRun {
  readonly name: string;
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  /** Everything written so far, per stream. */
  readonly output: { stdout: string; stderr: string };
  /** Set once the process exited and its streams closed. */
  result?: { code: number | null; signal: NodeJS.Signals | null };
}

const running: ProcessRun[] = [];

/**
 * What to run: a built entry point of this checkout, or `node <args>` in another directory (the
 * tree a container image would hold, for instance).
 */
export type Entry = keyof typeof ENTRY | { readonly cwd: string; readonly args: readonly string[] };

/** Spawns `entry` with exactly `env` and records its output and exit. */
export function startProcess(entry: Entry, env: Record<string, string>, name: string = String(entry)): ProcessRun {
  const [args, cwd] = typeof entry === 'string' ? [[ENTRY[entry]], undefined] : [entry.args, entry.cwd];
  const script = path.resolve(cwd ?? '.', args[0] ?? '');
  if (!existsSync(script)) throw new Error(`${script} is missing: run 'npm run build' first (make test does)`);
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const run: ProcessRun = { name, child, output: { stdout: '', stderr: '' } };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (run.output.stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (run.output.stderr += chunk));
  // 'close', not 'exit': only then has all of stdout been read.
  child.on('close', (code, signal) => (run.result = { code, signal }));
  running.push(run);
  return run;
}

/** Kills every process still running (a failed assertion must not leave one polling the stack). */
export async function killAll(): Promise<void> {
  const alive = running.splice(0).filter((run) => run.result === undefined);
  for (const run of alive) run.child.kill('SIGKILL');
  await Promise.all(alive.map((run) => waitFor(`${run.name} to exit`, () => run.result, { timeoutMs: 10_000 })));
}

/** Waits until `GET /readyz` on `port` answers 200; fails at once if the process exits first. */
export async function waitReady(run: ProcessRun, port: number, timeoutMs = 60_000): Promise<void> {
  const state = await waitFor(
    `${run.name} to become ready`,
    async () => (run.result ? 'exited' : (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200 && 'ready'),
    { timeoutMs, intervalMs: 200 },
  );
  if (state !== 'ready') throw new Error(`${run.name} exited before it was ready (${summarise(run)})`);
}

/** Parses every stdout line, failing on the first that is not a JSON object. */
export function jsonLines(stdout: string): Array<Record<string, unknown>> {
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

/** A TCP port free on loopback right now (the kernel picks it; the process binds it moments later). */
export async function freePort(): Promise<number> {
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

/** The exit and the end of stderr, for a failure message. */
export function summarise(run: ProcessRun): string {
  return `code ${run.result?.code}, signal ${run.result?.signal}; stderr: ${run.output.stderr.slice(-500)}`;
}

/** The value of a counter or gauge sample in a Prometheus text page (sum over matching label sets). */
export function metricValue(page: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of page.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const set = match[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => set.includes(`${k}="${v}"`))) sum += Number(match[3]);
  }
  return sum;
}
