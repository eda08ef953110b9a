/** Measurement helpers shared by the benchmarks: /proc CPU and RSS, percentiles, a bounded pool. */
import { readFileSync } from 'node:fs';

/** CPU seconds of a process from /proc (user + system). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Peak resident set (VmHWM) and current RSS of a process, in MB. */
export function memoryMb(pid: number): { peak: number; now: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { peak: kb('VmHWM') / 1024, now: kb('VmRSS') / 1024 };
}

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** `p50 … ms, p95 … ms, p99 … ms` of the latencies. */
export function summary(latencies: readonly number[]): string {
  const s = [...latencies].sort((a, b) => a - b);
  return `p50 ${percentile(s, 50).toFixed(0)} ms, p95 ${percentile(s, 95).toFixed(0)} ms, p99 ${percentile(s, 99).toFixed(0)} ms`;
}

/** Runs `work` over `items`, at most `limit` at a time. */
export async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/** The PID a stack process recorded (`hack/stack.sh`), e.g. `temporal`, `kube-apiserver`, `etcd`. */
export function stackPid(name: string): number {
  return Number(readFileSync(`${process.env.IBK_STACK_DIR ?? '.stack'}/pids/${name}.pid`, 'utf8'));
}
