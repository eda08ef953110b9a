/**
 * Coalesces concurrent requests for the same key into one call, inside one worker process: a
 * burst of pods costs a handful of pool Updates and subnet-manager calls, while a lone request
 * goes out after one short window (no fixed tick). At most one call per key is in flight; when it
 * ends, the next call takes everything queued meanwhile (up to `maxBatch`).
 */

/** Sends one batch; returns one result per request, index-aligned. A throw fails every request of the batch. */
export type BatchSender<Req, Res> = (key: string, batch: readonly Req[]) => Promise<readonly Res[]>;

/** Tuning of a {@link Coalescer}. */
export interface CoalescerOptions {
  /** Largest batch per call. */
  readonly maxBatch: number;
  /** How long the first request of an idle key waits for company; a few ms (default 2). */
  readonly windowMs?: number;
}

interface Waiter<Req, Res> {
  readonly request: Req;
  resolve(result: Res): void;
  reject(error: unknown): void;
}

interface Lane<Req, Res> {
  queue: Waiter<Req, Res>[];
  busy: boolean;
}

/** Batches requests per key; see the module doc. */
export class Coalescer<Req, Res> {
  readonly #lanes = new Map<string, Lane<Req, Res>>();
  readonly #windowMs: number;
  /** Calls sent and their sizes, for metrics and benchmarks. */
  readonly stats = { calls: 0, requests: 0, largestBatch: 0 };

  constructor(
    private readonly send: BatchSender<Req, Res>,
    private readonly options: CoalescerOptions,
  ) {
    this.#windowMs = options.windowMs ?? 2;
  }

  /**
   * Queues `request` for `key`. When `signal` aborts while the request is still queued, it leaves
   * the queue and rejects with `signal.reason`; once sent, it waits for the call's answer.
   */
  submit(key: string, request: Req, signal?: AbortSignal): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      let lane = this.#lanes.get(key);
      if (!lane) {
        lane = { queue: [], busy: false };
        this.#lanes.set(key, lane);
      }
      const waiter: Waiter<Req, Res> = { request, resolve, reject };
      lane.queue.push(waiter);
      signal?.addEventListener(
        'abort',
        () => {
          const index = lane.queue.indexOf(waiter);
          if (index >= 0) {
            lane.queue.splice(index, 1);
            reject(signal.reason);
          }
        },
        { once: true },
      );
      if (!lane.busy) {
        lane.busy = true;
        setTimeout(() => void this.#drain(key, lane), this.#windowMs);
      }
    });
  }

  async #drain(key: string, lane: Lane<Req, Res>): Promise<void> {
    while (lane.queue.length > 0) {
      const batch = lane.queue.splice(0, this.options.maxBatch);
      this.stats.calls++;
      this.stats.requests += batch.length;
      this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length);
      try {
        const results = await this.send(
          key,
          batch.map((w) => w.request),
        );
        batch.forEach((waiter, i) => {
          if (i < results.length) waiter.resolve(results[i] as Res);
          else waiter.reject(new Error(`batch sender returned ${results.length} results for ${batch.length} requests`));
        });
      } catch (error) {
        for (const waiter of batch) waiter.reject(error);
      }
    }
    lane.busy = false;
    this.#lanes.delete(key);
  }
}
