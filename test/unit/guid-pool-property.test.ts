// Property tests: random operation sequences on small ranges, checked step by step against a
// naive model (a Map scanned linearly, as upstream's pool is), so both the results and the
// invariants are compared: no GUID twice, none out of range, one owner per GUID and one GUID
// per owner, used + free = size, idempotency per owner, exhaustion exactly when used = size.
import fc from 'fast-check';
import { GuidOutOfRangeError, GuidTakenError, OwnerHoldsOtherGuidError, PoolExhaustedError } from '../../domain/errors';
import { formatGuid, GUID_MAX } from '../../domain/guid';
import { GuidPool } from '../../domain/guid-pool';
import type { GuidAllocation, GuidRelease, ReserveReport } from '../../domain/guid-pool';
import { IntervalSet } from '../../domain/interval-set';

const OWNERS = [
  'a',
  'b',
  'c',
  'd',
  'e',
  '0f8fad5b-d9cb-469f-a165-70867728950e_n_i',
  '7c9e6679-7425-40de-944b-e07fc1f90ae7_m',
];

type Op =
  | { kind: 'allocate'; owner: number }
  | { kind: 'request'; owner: number; offset: number; dashed: boolean }
  | { kind: 'releaseOwner'; owner: number }
  | { kind: 'releaseGuid'; offset: number; expected: number | null }
  | { kind: 'reserve' | 'reset'; offsets: number[] }
  | { kind: 'roundtrip' };

const owner = fc.nat(OWNERS.length - 1);
const offset = fc.integer({ min: -2, max: 14 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('allocate' as const), owner }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('request' as const), owner, offset, dashed: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('releaseOwner' as const), owner }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('releaseGuid' as const), offset, expected: fc.option(owner) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('reserve' as const), offsets: fc.array(offset, { maxLength: 4 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('reset' as const), offsets: fc.array(offset, { maxLength: 4 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('roundtrip' as const) }) },
);
// Ranges at the bottom, in the default area and at the top of the 64-bit space.
const range = fc.record({
  base: fc.constantFrom(1n, 0x0200_0000_0000_0000n, GUID_MAX - 13n),
  size: fc.integer({ min: 1, max: 12 }),
});

/** The naive model: a map from GUID to owner (`null` = unknown owner) and a linear next-fit scan. */
class Model {
  readonly holders = new Map<bigint, string | null>();
  readonly guids = new Map<string, bigint>();
  cursor: bigint;
  constructor(
    readonly start: bigint,
    readonly end: bigint,
  ) {
    this.cursor = start;
  }

  allocate(who: string): GuidAllocation | 'exhausted' {
    const held = this.guids.get(who);
    if (held !== undefined) return { guid: formatGuid(held), outcome: 'already-held' };
    for (let step = 0n, value = this.cursor; step <= this.end - this.start; step++) {
      if (!this.holders.has(value)) {
        this.bind(value, who);
        this.cursor = value === this.end ? this.start : value + 1n;
        return { guid: formatGuid(value), outcome: 'allocated' };
      }
      value = value === this.end ? this.start : value + 1n;
    }
    return 'exhausted';
  }

  request(who: string, value: bigint): GuidAllocation | string {
    if (value < this.start || value > this.end) return GuidOutOfRangeError.name;
    const holder = this.holders.get(value);
    if (holder === who) return { guid: formatGuid(value), outcome: 'already-held' };
    if (typeof holder === 'string') return GuidTakenError.name;
    if (this.guids.has(who)) return OwnerHoldsOtherGuidError.name;
    this.bind(value, who);
    return { guid: formatGuid(value), outcome: holder === null ? 'adopted' : 'allocated' };
  }

  release(value: bigint | undefined, expected?: string): GuidRelease {
    if (value === undefined || !this.holders.has(value)) return { released: false, reason: 'not-held' };
    const holder = this.holders.get(value)!;
    if (expected !== undefined && holder !== expected) return { released: false, reason: 'owner-mismatch' };
    this.holders.delete(value);
    if (holder !== null) this.guids.delete(holder);
    return { released: true, guid: formatGuid(value), owner: holder };
  }

  reserve(values: bigint[]): ReserveReport {
    const report = { reserved: 0, alreadyHeld: 0, outOfRange: 0, invalid: 0 };
    for (const value of values) {
      if (value < this.start || value > this.end) report.outOfRange++;
      else if (this.holders.has(value)) report.alreadyHeld++;
      else {
        this.holders.set(value, null);
        report.reserved++;
      }
    }
    return report;
  }

  private bind(value: bigint, who: string): void {
    this.holders.set(value, who);
    this.guids.set(who, value);
  }
}

function outcome(run: () => unknown): unknown {
  try {
    return run();
  } catch (error) {
    return error instanceof PoolExhaustedError ? 'exhausted' : (error as Error).name;
  }
}

describe('GuidPool against a naive model', () => {
  it('agrees on every result and keeps every invariant', () => {
    fc.assert(
      fc.property(range, fc.array(op, { maxLength: 40, size: 'max' }), ({ base, size }, ops) => {
        const end = base + BigInt(size) - 1n;
        let pool = new GuidPool({ start: formatGuid(base), end: formatGuid(end) });
        const model = new Model(base, end);
        const guidAt = (at: number) => base + BigInt(at);
        const valid = (value: bigint) => value >= 0n && value <= GUID_MAX;
        const text = (value: bigint, dashed: boolean) =>
          dashed ? formatGuid(value).toUpperCase().replaceAll(':', '-') : formatGuid(value);
        for (const step of ops) {
          switch (step.kind) {
            case 'allocate':
              expect(outcome(() => pool.allocate(OWNERS[step.owner]!))).toEqual(model.allocate(OWNERS[step.owner]!));
              break;
            case 'request': {
              const value = guidAt(step.offset);
              if (!valid(value)) break;
              const who = OWNERS[step.owner]!;
              expect(outcome(() => pool.allocateRequested(who, text(value, step.dashed)))).toEqual(
                model.request(who, value),
              );
              break;
            }
            case 'releaseOwner':
              expect(pool.releaseOwner(OWNERS[step.owner]!)).toEqual(
                model.release(model.guids.get(OWNERS[step.owner]!)),
              );
              break;
            case 'releaseGuid': {
              const value = guidAt(step.offset);
              if (!valid(value)) break;
              const expected = step.expected === null ? undefined : OWNERS[step.expected];
              expect(pool.releaseGuid(formatGuid(value), expected)).toEqual(model.release(value, expected));
              break;
            }
            case 'reserve':
            case 'reset': {
              const values = step.offsets.map(guidAt).filter(valid);
              if (step.kind === 'reset') {
                model.holders.clear();
                model.guids.clear();
              }
              expect(pool[step.kind](values.map(formatGuid))).toEqual(model.reserve(values));
              break;
            }
            case 'roundtrip': {
              const state = pool.toState();
              pool = GuidPool.fromState(JSON.parse(JSON.stringify(state)));
              expect(pool.toState()).toEqual(state);
              break;
            }
          }
          checkInvariants(pool, model, size);
        }
      }),
      { numRuns: 200 },
    );
  });
});

function checkInvariants(pool: GuidPool, model: Model, size: number): void {
  const owned = [...model.holders.values()].filter((holder) => holder !== null).length;
  expect(pool.stats()).toEqual({
    size: String(size),
    used: String(model.holders.size),
    free: String(size - model.holders.size),
    owned,
    reserved: String(model.holders.size - owned),
  });
  for (let value = model.start; value <= model.end; value++) {
    expect(pool.ownerOf(formatGuid(value))).toBe(model.holders.get(value));
  }
  for (const who of OWNERS) {
    const held = model.guids.get(who);
    expect(pool.guidOf(who)).toBe(held === undefined ? undefined : formatGuid(held));
  }
  const listed = pool.listOwned();
  expect(new Set(listed.map(({ guid }) => guid)).size).toBe(listed.length);
  expect(new Set(listed.map(({ owner: who }) => who)).size).toBe(listed.length);
}

describe('IntervalSet against a Set', () => {
  it('agrees on membership, runs and next-absent through many rebalances', () => {
    const value = fc.integer({ min: 0, max: 400 });
    const change = fc.record({ add: fc.boolean(), value });
    fc.assert(
      fc.property(fc.array(change, { maxLength: 600, size: 'max' }), value, (changes, probe) => {
        const set = new IntervalSet();
        const model = new Set<number>();
        for (const { add, value: at } of changes) {
          expect(add ? set.add(BigInt(at)) : set.delete(BigInt(at))).toBe(add ? !model.has(at) : model.has(at));
          if (add) model.add(at);
          else model.delete(at);
        }
        const sorted = [...model].sort((a, b) => a - b);
        const runs: [bigint, bigint][] = [];
        for (const at of sorted) {
          const last = runs.at(-1);
          if (last !== undefined && last[1] === BigInt(at) - 1n) last[1] = BigInt(at);
          else runs.push([BigInt(at), BigInt(at)]);
        }
        expect([...set.runs()]).toEqual(runs);
        expect(set.runCount).toBe(runs.length);
        expect(set.size).toBe(BigInt(model.size));
        expect(set.has(BigInt(probe))).toBe(model.has(probe));
        let free = probe;
        while (model.has(free)) free++;
        expect(set.nextAbsent(BigInt(probe), 400n)).toEqual(free <= 400 ? BigInt(free) : undefined);
        expect([...IntervalSet.fromRuns(runs).runs()]).toEqual(runs);
      }),
      { numRuns: 100 },
    );
  });
});
