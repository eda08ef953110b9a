/**
 * Runs tasks one at a time in arrival order. Mutations go through it so that the state after
 * concurrent requests depends only on the order they arrived, which keeps snapshots deterministic
 * even when a handler becomes asynchronous.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `task` after every earlier task has settled. @returns its result or rejection. */
  run<T>(task: () => T | Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    // The chain must survive a failed task, or one error would stop every later mutation.
    this.tail = result.catch(() => undefined);
    return result;
  }
}
