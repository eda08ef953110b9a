// GUID pool figures (no assertions): allocation throughput on an empty and on a 90%-full,
// fragmented pool, serialised state size at 100k GUIDs, and heap use. Deterministic: a seeded
// PRNG drives every random choice, so runs are comparable. Run with `npm run bench:pool`
// (node --expose-gc); `FRAGMENTED_SIZE=1000000` runs the fragmented case on a larger pool.
import { GuidPool } from '../domain/guid-pool';
import { DEFAULT_GUID_RANGE, parseGuidRange } from '../domain/guid-range';
import { formatGuid, parseGuid } from '../domain/guid';
import { mulberry32 } from '../ufm-simulator/seeded-random';

const LOOP = 1_000_000;
const STATE_GUIDS = 100_000;
const FRAGMENTED_SIZE = Number(process.env.FRAGMENTED_SIZE ?? 500_000);

/** Pod-UID shaped owners (`<uuid>_<network>_<iface>`), as the pool workflows will see them. */
function ownerFactory(seed: number): (index: number) => string {
  const random = mulberry32(seed);
  const hex = (digits: number) => Array.from({ length: digits }, () => Math.floor(random() * 16).toString(16)).join('');
  const networks = ['ib-net', 'ib-storage', 'ib-compute'];
  // join() yields a flat string, as JSON.parse would, rather than a rope of template parts.
  return (index) =>
    [
      hex(8),
      '-',
      hex(4),
      '-4',
      hex(3),
      '-a',
      hex(3),
      '-',
      hex(12),
      '_',
      networks[index % networks.length],
      '_net1',
    ].join('');
}

function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
}

function heapMiB(): string {
  return (process.memoryUsage().heapUsed / 2 ** 20).toFixed(1);
}

function seconds(run: () => void): number {
  const started = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function rate(operations: number, elapsed: number): string {
  return `${Math.round(operations / elapsed).toLocaleString('en-US')}/s`;
}

function benchEmptyPool(): void {
  const pool = new GuidPool(DEFAULT_GUID_RANGE);
  const elapsed = seconds(() => {
    for (let index = 0; index < LOOP; index++) {
      const owner = `pod-${index}`;
      pool.allocate(owner);
      pool.releaseOwner(owner);
    }
  });
  console.log(`empty pool (default range, 2^56 GUIDs): ${LOOP.toLocaleString('en-US')} allocate+release`);
  console.log(`  ${elapsed.toFixed(2)} s, ${rate(LOOP, elapsed)} pairs, ${rate(2 * LOOP, elapsed)} operations`);
}

function benchFragmentedPool(): void {
  const random = mulberry32(42);
  const start = parseGuid('02:00:00:00:00:00:00:00');
  const range = parseGuidRange(formatGuid(start), formatGuid(start + BigInt(FRAGMENTED_SIZE) - 1n));
  collect();
  const heapBefore = process.memoryUsage().heapUsed;
  const pool = new GuidPool(range);
  const holders: string[] = [];
  const fill = seconds(() => {
    for (let index = 0; index < FRAGMENTED_SIZE; index++) {
      pool.allocate(`pod-${index}`);
      holders.push(`pod-${index}`);
    }
  });
  // Release a random 10% so the free GUIDs are scattered singly across the whole range.
  for (let released = 0; released < FRAGMENTED_SIZE / 10; released++) {
    const at = Math.floor(random() * holders.length);
    pool.releaseOwner(holders[at]!);
    holders[at] = holders[holders.length - 1]!;
    holders.pop();
  }
  const runs = pool.toState().held.split(',').length;
  collect();
  const heapAfter = process.memoryUsage().heapUsed;
  console.log(
    `fragmented pool: ${FRAGMENTED_SIZE.toLocaleString('en-US')} GUIDs, 90% used, ${runs.toLocaleString('en-US')} runs`,
  );
  console.log(`  fill ${rate(FRAGMENTED_SIZE, fill)} allocations; heap ${heapMiB()} MiB,`);
  console.log(
    `  ~${Math.round((heapAfter - heapBefore) / holders.length)} bytes per owned GUID (pool + owner strings)`,
  );
  let next = FRAGMENTED_SIZE;
  const elapsed = seconds(() => {
    for (let index = 0; index < LOOP; index++) {
      const owner = `pod-${next++}`;
      pool.allocate(owner);
      const at = Math.floor(random() * holders.length);
      pool.releaseOwner(holders[at]!);
      holders[at] = owner;
    }
  });
  console.log(`  ${LOOP.toLocaleString('en-US')} allocate + release of a random holder: ${elapsed.toFixed(2)} s,`);
  console.log(`  ${rate(LOOP, elapsed)} pairs, ${rate(2 * LOOP, elapsed)} operations; ${pool.stats().used} used`);
}

function describeState(label: string, pool: GuidPool): void {
  let state = pool.toState();
  const encode = seconds(() => (state = pool.toState()));
  const json = JSON.stringify(state);
  const decode = seconds(() => GuidPool.fromState(JSON.parse(json)));
  const used = Number(pool.stats().used);
  const bytes = Buffer.byteLength(json);
  console.log(
    `  ${label.padEnd(34)} ${bytes.toLocaleString('en-US').padStart(10)} bytes  ${(bytes / used).toFixed(2).padStart(6)} B/GUID` +
      `  toState ${(encode * 1e3).toFixed(0)} ms, fromState ${(decode * 1e3).toFixed(0)} ms`,
  );
}

function benchStateSize(): void {
  const owner = ownerFactory(7);
  const random = mulberry32(99);
  const range = parseGuidRange('02:00:00:00:00:00:00:00', '02:00:00:00:00:ff:ff:ff');
  console.log(`serialised state at ${STATE_GUIDS.toLocaleString('en-US')} GUIDs (JSON bytes):`);

  collect();
  const heapBefore = process.memoryUsage().heapUsed;
  const owned = new GuidPool(range);
  for (let index = 0; index < STATE_GUIDS; index++) owned.allocate(owner(index));
  collect();
  const perGuid = (process.memoryUsage().heapUsed - heapBefore) / STATE_GUIDS;
  const guids = owned.listOwned().map(({ guid }) => guid);
  const unowned = new GuidPool(range);
  unowned.reserve(guids);
  describeState('contiguous, no owners', unowned);
  describeState('contiguous, pod-UID owners', owned);

  const fragmentedOwned = GuidPool.fromState(owned.toState());
  const fragmentedUnowned = GuidPool.fromState(unowned.toState());
  for (const guid of guids) {
    if (random() >= 0.1) continue;
    fragmentedOwned.releaseGuid(guid);
    fragmentedUnowned.releaseGuid(guid);
  }
  describeState('10% scattered holes, no owners', fragmentedUnowned);
  describeState('10% scattered holes, pod-UID owners', fragmentedOwned);
  console.log(`  heap for 100k owned GUIDs incl. owner strings: ~${Math.round(perGuid)} bytes per GUID`);
}

function main(): void {
  const gcExposed = typeof (globalThis as { gc?: unknown }).gc === 'function';
  console.log(`GUID pool benchmark (node ${process.version}, gc ${gcExposed ? 'exposed' : 'not exposed'})`);
  const total = seconds(() => {
    benchEmptyPool();
    collect();
    benchFragmentedPool();
    collect();
    benchStateSize();
  });
  collect();
  console.log(`heap used at the end: ${heapMiB()} MiB; total ${total.toFixed(1)} s`);
}

main();
