/**
 * A keyed work queue in the manner of client-go's: a key added many times is processed once;
 * one key is never processed by two handlers at once (a pod's events are handled in order), and a
 * key added while it is being processed runs again afterwards. A failing key is retried with its
 * own backoff (0.5 s doubling to 30 s) while the other keys go on: a slow or failing pod never
 * holds up others beyond the concurrency limit.
 */

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;

/** Processes one key; a throw schedules a retry of that key. */
export type KeyHandler = (key: string) => Promise<void>;

export class WorkQueue {
  readonly #queue = new Set<string>();
  readonly #active = new Set<string>();
  /** Keys added again while active. */
  readonly #dirty = new Set<string>();
  readonly #failures = new Map<string, number>();
  readonly #retryTimers = new Map<string, NodeJS.Timeout>();
  #paused = true;
  #idleWaiters: Array<() => void> = [];

  constructor(
    private readonly handler: KeyHandler,
    private readonly concurrency: number,
    private readonly onError: (key: string, error: unknown, retryInMs: number) => void,
  ) {}

  /** Keys waiting or being processed. */
  get depth(): number {
    return this.#queue.size + this.#active.size + this.#retryTimers.size;
  }

  add(key: string): void {
    if (this.#active.has(key)) {
      this.#dirty.add(key);
      return;
    }
    this.#queue.add(key);
    this.#pump();
  }

  /** Starts processing (e.g. on gaining leadership). */
  resume(): void {
    this.#paused = false;
    this.#pump();
  }

  /** Stops taking new keys (losing leadership); what is queued stays queued. */
  pause(): void {
    this.#paused = true;
  }

  /** Drops every queued key and pending retry (active ones finish). */
  clear(): void {
    this.#queue.clear();
    this.#dirty.clear();
    for (const timer of this.#retryTimers.values()) clearTimeout(timer);
    this.#retryTimers.clear();
    this.#failures.clear();
  }

  /** Resolves when nothing is queued or active (retries waiting on their timer do not count). */
  idle(): Promise<void> {
    if (this.#queue.size === 0 && this.#active.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #pump(): void {
    while (!this.#paused && this.#active.size < this.concurrency && this.#queue.size > 0) {
      const key = this.#queue.values().next().value as string;
      this.#queue.delete(key);
      this.#active.add(key);
      void this.#run(key);
    }
    if (this.#queue.size === 0 && this.#active.size === 0) {
      for (const resolve of this.#idleWaiters.splice(0)) resolve();
    }
  }

  async #run(key: string): Promise<void> {
    try {
      await this.handler(key);
      this.#failures.delete(key);
    } catch (error) {
      const failures = (this.#failures.get(key) ?? 0) + 1;
      this.#failures.set(key, failures);
      const delay = Math.min(FIRST_RETRY_MS * 2 ** (failures - 1), MAX_RETRY_MS);
      this.onError(key, error, delay);
      if (!this.#retryTimers.has(key)) {
        const timer = setTimeout(() => {
          this.#retryTimers.delete(key);
          this.add(key);
        }, delay);
        timer.unref();
        this.#retryTimers.set(key, timer);
      }
    } finally {
      this.#active.delete(key);
      if (this.#dirty.delete(key)) this.#queue.add(key);
      this.#pump();
    }
  }
}
