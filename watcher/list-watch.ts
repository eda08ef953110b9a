/**
 * List-then-watch of one kind of object, keeping only a small projection of each (client-go's
 * reflector, without its cache of whole objects: the watcher holds 10,000 pods in a few MB).
 *
 * - The list is paged (`limit`/`continue`), and its `resourceVersion` starts the watch.
 * - The watch asks for bookmarks, so a quiet watch still advances its resourceVersion and a
 *   reconnect rarely needs a relist; it ends on the server's timeout and is resumed from there.
 * - `410 Gone` (the resourceVersion was compacted away) relists; every other failure reconnects
 *   after a backoff (1 s doubling to 30 s, with jitter), which resets after a good list.
 * - A relist reports what vanished while we were not watching as removals, so nothing is missed.
 */
import * as k8s from '@kubernetes/client-node';
import type { PluginLogger } from '../plugins/types';

/** One page of a list call. */
export interface ListPage {
  readonly items: readonly unknown[];
  readonly resourceVersion: string;
  readonly continueToken?: string;
}

/** What is listed and watched, and how an object is reduced. */
export interface ListWatchSource<F> {
  /** For logs and metrics, e.g. `pods` or `pods/ns-a`. */
  readonly name: string;
  /** Lists one page. */
  list(options: { limit: number; continueToken?: string }): Promise<ListPage>;
  /** The watch URL path, e.g. `/api/v1/pods`. */
  readonly watchPath: string;
  /** Extra watch parameters, e.g. a label selector. */
  readonly watchQuery?: Record<string, string>;
  /** A stable key (the UID), or undefined for an object to skip. */
  key(object: unknown): string | undefined;
  /** The few fields kept. */
  project(object: unknown): F;
}

/** Told of every change. Handlers must not throw; they run synchronously in event order. */
export interface ListWatchHandlers<F> {
  upsert(key: string, facts: F, previous: F | undefined): void;
  remove(key: string, facts: F): void;
  /** After each complete (re)list: the store now mirrors the server as of `startedAt`. */
  synced(startedAt: number): void;
}

const PAGE = 500;
const FIRST_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 30_000;
/** The server ends each watch after about this long; we then resume from the last resourceVersion. */
const WATCH_TIMEOUT_S = 300;

type WatchEnd = { kind: 'gone' } | { kind: 'closed' } | { kind: 'failed'; error: unknown };

/** A running list-watch; `store` holds the projections by key. */
export class ListWatch<F> {
  readonly store = new Map<string, F>();
  /** Completed lists and watch reconnects, for metrics. */
  readonly stats = { relists: 0, reconnects: 0 };
  #stopped = false;
  #abort: AbortController | undefined;
  #sleep: { timer: NodeJS.Timeout; resolve: () => void } | undefined;
  #running: Promise<void> | undefined;
  #hasSynced = false;

  constructor(
    private readonly kubeConfig: k8s.KubeConfig,
    private readonly source: ListWatchSource<F>,
    private readonly handlers: ListWatchHandlers<F>,
    private readonly logger: PluginLogger,
  ) {}

  /** Whether a first list completed. */
  get hasSynced(): boolean {
    return this.#hasSynced;
  }

  /** Starts the loop; it runs until {@link stop}. */
  start(): void {
    this.#running ??= this.#loop();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort?.abort();
    if (this.#sleep) {
      clearTimeout(this.#sleep.timer);
      this.#sleep.resolve();
    }
    await this.#running;
  }

  async #loop(): Promise<void> {
    let backoff = FIRST_BACKOFF_MS;
    while (!this.#stopped) {
      let resourceVersion: string;
      try {
        resourceVersion = await this.#relist();
        backoff = FIRST_BACKOFF_MS;
      } catch (error) {
        this.logger.warn(`listing ${this.source.name} failed; retrying`, {
          error: describe(error),
          retryInMs: backoff,
        });
        await this.#pause(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        continue;
      }
      // Watch from the list's version until the server says it is too old.
      while (!this.#stopped) {
        const { end, lastVersion } = await this.#watch(resourceVersion);
        resourceVersion = lastVersion;
        if (this.#stopped) return;
        if (end.kind === 'gone') {
          this.logger.info(`watch of ${this.source.name} expired (410 Gone); relisting`);
          break;
        }
        this.stats.reconnects++;
        if (end.kind === 'failed') {
          this.logger.warn(`watch of ${this.source.name} failed; reconnecting`, {
            error: describe(end.error),
            retryInMs: backoff,
          });
          await this.#pause(backoff);
          backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        } else {
          backoff = FIRST_BACKOFF_MS;
        }
      }
    }
  }

  /** Lists every page, replaces the store, reports changes and removals; returns the list's version. */
  async #relist(): Promise<string> {
    const startedAt = Date.now();
    const seen = new Map<string, F>();
    let continueToken: string | undefined;
    let resourceVersion = '';
    do {
      const page = await this.source.list({ limit: PAGE, ...(continueToken ? { continueToken } : {}) });
      for (const object of page.items) {
        const key = this.source.key(object);
        if (key !== undefined) seen.set(key, this.source.project(object));
      }
      continueToken = page.continueToken || undefined;
      resourceVersion = page.resourceVersion;
    } while (continueToken && !this.#stopped);
    for (const [key, facts] of this.store) {
      if (!seen.has(key)) {
        this.store.delete(key);
        this.handlers.remove(key, facts);
      }
    }
    for (const [key, facts] of seen) {
      const previous = this.store.get(key);
      this.store.set(key, facts);
      this.handlers.upsert(key, facts, previous);
    }
    this.stats.relists++;
    this.#hasSynced = true;
    this.handlers.synced(startedAt);
    return resourceVersion;
  }

  /** One watch connection; resolves when it ends, with the last resourceVersion seen. */
  async #watch(fromVersion: string): Promise<{ end: WatchEnd; lastVersion: string }> {
    let lastVersion = fromVersion;
    // The client ends a watch that is quiet for 30 s (its fixed inactivity timeout); that end is
    // resumed at once from the last resourceVersion, as a server-side end is, at the cost of a request.
    const watch = new k8s.Watch(this.kubeConfig);
    const end = await new Promise<WatchEnd>((resolve) => {
      let settled = false;
      const finish = (result: WatchEnd) => {
        if (!settled) {
          settled = true;
          resolve(result);
        }
      };
      const query = {
        ...this.source.watchQuery,
        resourceVersion: fromVersion,
        allowWatchBookmarks: 'true',
        timeoutSeconds: String(WATCH_TIMEOUT_S + Math.floor(Math.random() * 60)),
      };
      watch
        .watch(
          this.source.watchPath,
          query,
          (type: string, object: unknown) => {
            const version = (object as { metadata?: { resourceVersion?: string } })?.metadata?.resourceVersion;
            if (type === 'ERROR') {
              const code = (object as { code?: number })?.code;
              finish(code === 410 ? { kind: 'gone' } : { kind: 'failed', error: object });
              this.#abort?.abort();
              return;
            }
            if (version) lastVersion = version;
            if (type === 'BOOKMARK') return;
            this.#apply(type, object);
          },
          (error: unknown) => {
            // A quiet watch cut by the inactivity timeout is resumed at once, like a server-side end.
            if (error === null || error === undefined || isAbort(error) || isTimeout(error)) finish({ kind: 'closed' });
            else finish(statusOf(error) === 410 ? { kind: 'gone' } : { kind: 'failed', error });
          },
        )
        .then(
          (controller) => {
            this.#abort = controller;
            if (this.#stopped || settled) controller.abort();
          },
          (error: unknown) => finish(statusOf(error) === 410 ? { kind: 'gone' } : { kind: 'failed', error }),
        );
    });
    this.#abort = undefined;
    return { end, lastVersion };
  }

  #apply(type: string, object: unknown): void {
    const key = this.source.key(object);
    if (key === undefined) return;
    if (type === 'DELETED') {
      this.store.delete(key);
      this.handlers.remove(key, this.source.project(object));
      return;
    }
    if (type !== 'ADDED' && type !== 'MODIFIED') return;
    const facts = this.source.project(object);
    const previous = this.store.get(key);
    this.store.set(key, facts);
    this.handlers.upsert(key, facts, previous);
  }

  #pause(ms: number): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms * (1 + Math.random() * 0.2));
      this.#sleep = { timer, resolve };
    });
  }
}

function statusOf(error: unknown): number | undefined {
  const e = error as { statusCode?: number; code?: number; response?: { statusCode?: number } };
  return e?.statusCode ?? e?.response?.statusCode ?? (typeof e?.code === 'number' ? e.code : undefined);
}

function isTimeout(error: unknown): boolean {
  return (error as { name?: string })?.name === 'TimeoutError';
}

function isAbort(error: unknown): boolean {
  return (error as { name?: string })?.name === 'AbortError';
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  try {
    return JSON.stringify(error).slice(0, 300);
  } catch {
    return String(error);
  }
}
