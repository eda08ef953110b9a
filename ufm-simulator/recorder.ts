/**
 * Per-route request counters and a bounded request log, for tests to assert what a client sent
 * (how often it retried, which auth variant and body it used). Credentials never get here.
 */
import type { RequestLogEntry } from './types';

// Bodies above this size are left out of the log so a hostile client cannot fill memory.
const MAX_LOGGED_BODY_BYTES = 64 * 1024;

/** Counters and log of one simulator. */
export class RequestRecorder {
  private readonly counts = new Map<string, number>();
  private entries: RequestLogEntry[] = [];

  /** @param limit read on every append, so runtime knob changes apply at once. */
  constructor(private readonly limit: () => number) {}

  /** Counts one request to `route`, keyed `${METHOD} ${route}`. */
  count(method: string, route: string): void {
    const key = `${method} ${route}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  /**
   * Appends a log entry, dropping the oldest beyond the limit.
   * @param bodyBytes size of the raw body; larger than 64 KiB means the body is not kept.
   */
  log(entry: RequestLogEntry, bodyBytes = 0): void {
    const kept: RequestLogEntry = { ...entry };
    if (bodyBytes > MAX_LOGGED_BODY_BYTES || kept.body === undefined) delete kept.body;
    this.entries.push(kept);
    const excess = this.entries.length - this.limit();
    if (excess > 0) this.entries = this.entries.slice(excess);
  }

  /** Counters as a plain object, keys sorted. */
  counters(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  /** A copy of the log, oldest first. */
  requestLog(): RequestLogEntry[] {
    return this.entries.map((e) => ({ ...e }));
  }

  /** Forgets counters and log. */
  clear(): void {
    this.counts.clear();
    this.entries = [];
  }
}
