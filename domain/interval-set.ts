/**
 * A set of `bigint`s stored as maximal runs (disjoint, non-adjacent inclusive intervals) in an AVL
 * tree keyed by run start. The GUID pool keeps its in-use GUIDs here, so its cost grows with the
 * number of runs (fragmentation), logarithmically, and never with the size of the range: a
 * contiguous block of a million GUIDs is one node. Because runs are maximal, the value right
 * after a run is always absent, which makes "next absent value" one tree descent.
 */

interface RunNode {
  lo: bigint;
  hi: bigint;
  left: RunNode | null;
  right: RunNode | null;
  height: number;
}

/** An inclusive run `[lo, hi]`. */
export type Run = readonly [lo: bigint, hi: bigint];

/** Sorted set of bigints kept as maximal runs; every operation is O(log r) for r runs. */
export class IntervalSet {
  private root: RunNode | null = null;
  private count = 0n;
  private runTotal = 0;

  /**
   * Builds a set from runs that are sorted, disjoint and non-adjacent (each `lo` at least two past
   * the previous `hi`), in O(r). The caller validates; nothing here re-checks.
   */
  static fromRuns(runs: readonly Run[]): IntervalSet {
    const set = new IntervalSet();
    set.root = buildBalanced(runs, 0, runs.length - 1);
    set.runTotal = runs.length;
    for (const [lo, hi] of runs) set.count += hi - lo + 1n;
    return set;
  }

  /** Number of values in the set (exact). O(1). */
  get size(): bigint {
    return this.count;
  }

  /** Number of maximal runs, i.e. the fragmentation. O(1). */
  get runCount(): number {
    return this.runTotal;
  }

  /** True when `value` is in the set. O(log r). */
  has(value: bigint): boolean {
    const floor = this.floor(value);
    return floor !== null && value <= floor.hi;
  }

  /** Smallest absent value in `[from, max]`, or `undefined` when all are present. O(log r). */
  nextAbsent(from: bigint, max: bigint): bigint | undefined {
    const floor = this.floor(from);
    // Runs are maximal, so the value after the run that covers `from` is absent.
    const candidate = floor !== null && from <= floor.hi ? floor.hi + 1n : from;
    return candidate <= max ? candidate : undefined;
  }

  /** Adds `value`, merging with neighbouring runs; false when it was present. O(log r). */
  add(value: bigint): boolean {
    let floor: RunNode | null = null;
    let ceiling: RunNode | null = null;
    for (let node = this.root; node !== null;) {
      if (node.lo <= value) {
        floor = node;
        node = node.right;
      } else {
        ceiling = node;
        node = node.left;
      }
    }
    if (floor !== null && value <= floor.hi) return false;
    const joinsFloor = floor !== null && floor.hi + 1n === value;
    const joinsCeiling = ceiling !== null && ceiling.lo - 1n === value;
    if (joinsFloor && joinsCeiling) {
      floor!.hi = ceiling!.hi;
      this.root = removeNode(this.root, ceiling!.lo);
      this.runTotal--;
    } else if (joinsFloor) {
      floor!.hi = value;
    } else if (joinsCeiling) {
      // Safe to rekey in place: no other run lies between `floor` and `ceiling`.
      ceiling!.lo = value;
    } else {
      this.root = insertNode(this.root, newNode(value, value));
      this.runTotal++;
    }
    this.count++;
    return true;
  }

  /** Removes `value`, splitting its run if needed; false when it was absent. O(log r). */
  delete(value: bigint): boolean {
    const run = this.floor(value);
    if (run === null || value > run.hi) return false;
    if (run.lo === run.hi) {
      this.root = removeNode(this.root, run.lo);
      this.runTotal--;
    } else if (value === run.lo) {
      run.lo = value + 1n;
    } else if (value === run.hi) {
      run.hi = value - 1n;
    } else {
      const upper = newNode(value + 1n, run.hi);
      run.hi = value - 1n;
      this.root = insertNode(this.root, upper);
      this.runTotal++;
    }
    this.count--;
    return true;
  }

  /** Removes every value. O(1). */
  clear(): void {
    this.root = null;
    this.count = 0n;
    this.runTotal = 0;
  }

  /** The runs in ascending order. O(r) for a full iteration. */
  *runs(): Generator<Run> {
    const stack: RunNode[] = [];
    let node = this.root;
    while (node !== null || stack.length > 0) {
      while (node !== null) {
        stack.push(node);
        node = node.left;
      }
      const next = stack.pop()!;
      yield [next.lo, next.hi];
      node = next.right;
    }
  }

  /** The run with the greatest start ≤ `value`. */
  private floor(value: bigint): RunNode | null {
    let floor: RunNode | null = null;
    for (let node = this.root; node !== null;) {
      if (node.lo <= value) {
        floor = node;
        node = node.right;
      } else {
        node = node.left;
      }
    }
    return floor;
  }
}

function newNode(lo: bigint, hi: bigint): RunNode {
  return { lo, hi, left: null, right: null, height: 1 };
}

function buildBalanced(runs: readonly Run[], first: number, last: number): RunNode | null {
  if (first > last) return null;
  const middle = (first + last) >>> 1;
  const [lo, hi] = runs[middle]!;
  const node = newNode(lo, hi);
  node.left = buildBalanced(runs, first, middle - 1);
  node.right = buildBalanced(runs, middle + 1, last);
  node.height = 1 + Math.max(heightOf(node.left), heightOf(node.right));
  return node;
}

function heightOf(node: RunNode | null): number {
  return node === null ? 0 : node.height;
}

function insertNode(node: RunNode | null, added: RunNode): RunNode {
  if (node === null) return added;
  if (added.lo < node.lo) node.left = insertNode(node.left, added);
  else node.right = insertNode(node.right, added);
  return rebalance(node);
}

function removeNode(node: RunNode | null, lo: bigint): RunNode | null {
  if (node === null) return null;
  if (lo < node.lo) {
    node.left = removeNode(node.left, lo);
  } else if (lo > node.lo) {
    node.right = removeNode(node.right, lo);
  } else {
    if (node.left === null) return node.right;
    if (node.right === null) return node.left;
    let successor = node.right;
    while (successor.left !== null) successor = successor.left;
    successor.right = removeMin(node.right);
    successor.left = node.left;
    return rebalance(successor);
  }
  return rebalance(node);
}

function removeMin(node: RunNode): RunNode | null {
  if (node.left === null) return node.right;
  node.left = removeMin(node.left);
  return rebalance(node);
}

function rebalance(node: RunNode): RunNode {
  const balance = heightOf(node.left) - heightOf(node.right);
  if (balance > 1) {
    const left = node.left!;
    if (heightOf(left.left) < heightOf(left.right)) node.left = rotateLeft(left);
    return rotateRight(node);
  }
  if (balance < -1) {
    const right = node.right!;
    if (heightOf(right.right) < heightOf(right.left)) node.right = rotateRight(right);
    return rotateLeft(node);
  }
  node.height = 1 + Math.max(heightOf(node.left), heightOf(node.right));
  return node;
}

function rotateRight(node: RunNode): RunNode {
  const pivot = node.left!;
  node.left = pivot.right;
  pivot.right = node;
  node.height = 1 + Math.max(heightOf(node.left), heightOf(node.right));
  pivot.height = 1 + Math.max(heightOf(pivot.left), heightOf(pivot.right));
  return pivot;
}

function rotateLeft(node: RunNode): RunNode {
  const pivot = node.right!;
  node.right = pivot.left;
  pivot.left = node;
  node.height = 1 + Math.max(heightOf(node.left), heightOf(node.right));
  pivot.height = 1 + Math.max(heightOf(pivot.left), heightOf(pivot.right));
  return pivot;
}
