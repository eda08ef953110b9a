import { GuidPool } from '../../domain/guid-pool';
import { InvalidPoolStateError } from '../../domain/errors';
import type { GuidPoolState } from '../../domain/guid-pool-state';
import { parseGuidRange } from '../../domain/guid-range';

const range = parseGuidRange('02:00:00:00:00:00:00:01', '02:00:00:00:00:00:00:40');
const guid = (last: number) => `02:00:00:00:00:00:00:${last.toString(16).padStart(2, '0')}`;
const podA = '0f8fad5b-d9cb-469f-a165-70867728950e';
const podB = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

function examplePool(): GuidPool {
  const pool = new GuidPool(range);
  pool.allocate(`${podA}_ib-net_net1`);
  pool.allocate(`${podA}_ib-net_idx_1`);
  pool.reserve([guid(5), guid(6)]);
  pool.allocateRequested('pod-x', guid(0x20));
  pool.allocate(`${podB}_other_net1`);
  return pool;
}

const example: GuidPoolState = {
  version: 1,
  range: { start: guid(1), end: guid(0x40) },
  cursor: '3',
  held: '0.2,1.1,p.0',
  tails: ['_ib-net_net1', '_ib-net_idx_1', '_other_net1', ''],
  owners: ['0.0:D4-tW9nLRp-hZXCGdyiVAO', '1.1:D4-tW9nLRp-hZXCGdyiVAO', '1.2:fJ5meXQlQN6US-B_wfkKDn', 't.3.pod-x'],
};

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

describe('GuidPool state', () => {
  it('has the documented compact format', () => {
    expect(examplePool().toState()).toEqual(example);
  });

  it('round-trips through JSON without mutating its input', () => {
    const restored = GuidPool.fromState(deepFreeze(JSON.parse(JSON.stringify(example))));
    expect(restored.toState()).toEqual(example);
    expect(restored.guidOf(`${podA}_ib-net_idx_1`)).toBe(guid(2));
    expect(restored.ownerOf(guid(5))).toBeNull();
    expect(restored.stats()).toEqual({ size: '64', used: '6', free: '58', owned: 4, reserved: '2' });
    // The cursor survives: the next allocation continues after the last one.
    expect(restored.allocate('next').guid).toBe(guid(4));
  });

  it('returns a fresh object each time', () => {
    const pool = examplePool();
    const state = pool.toState();
    pool.allocate('more');
    expect(state).toEqual(example);
  });

  it.each([
    ['commas, colons, dots and quotes', 'a,b:c.d"e'],
    ['non-ASCII', 'pod-ü_nét_ïb0'],
    ['a leading underscore', '_only_tail'],
    ['an upper-case UUID (kept verbatim)', `${podA.toUpperCase()}_n_i`],
    ['a bare UUID', podB],
  ])('keeps owners with %s exact', (_case, owner) => {
    const pool = new GuidPool(range);
    pool.allocate(owner);
    const restored = GuidPool.fromState(JSON.parse(JSON.stringify(pool.toState())));
    expect(restored.guidOf(owner)).toBe(guid(1));
  });

  it('keeps large offsets exact in the default range', () => {
    const pool = new GuidPool(parseGuidRange('02:00:00:00:00:00:00:00', '02:ff:ff:ff:ff:ff:ff:ff'));
    pool.allocateRequested('top', '02:ff:ff:ff:ff:ff:ff:ff');
    pool.allocateRequested('mid', '02:80:00:00:00:00:00:01');
    pool.reserve(['02:ff:ff:ff:ff:ff:ff:fe']);
    const restored = GuidPool.fromState(JSON.parse(JSON.stringify(pool.toState())));
    expect(restored.listOwned()).toEqual(pool.listOwned());
    expect(restored.stats()).toEqual(pool.stats());
    expect(restored.toState()).toEqual(pool.toState());
  });

  it('stays small per GUID (the bench measures 100k)', () => {
    const count = 20_000;
    const big = parseGuidRange('02:00:00:00:00:00:00:01', '02:00:00:00:00:10:00:00');
    const pool = new GuidPool(big);
    for (let index = 0; index < count; index++)
      pool.allocate(`${podA.slice(0, -6)}${String(index).padStart(6, '0')}_n_i`);
    const guids = pool.listOwned().map(({ guid: g }) => g);
    const unowned = new GuidPool(big);
    unowned.reset(guids);
    expect(JSON.stringify(unowned.toState()).length).toBeLessThan(200);
    for (let index = 0; index < count; index += 10) unowned.releaseGuid(guids[index]!);
    expect(JSON.stringify(unowned.toState()).length / count).toBeLessThan(1);
    expect(JSON.stringify(pool.toState()).length / count).toBeLessThan(30);
  });
});

describe('GuidPool.fromState rejects hostile state', () => {
  const variant = (change: Record<string, unknown>) => ({ ...example, ...change });

  it.each([
    ['null', null, /not an object/],
    ['an array', [], /not an object/],
    ['a string', 'state', /not an object/],
    ['another version', variant({ version: 2 }), /unsupported version 2/],
    ['no version', variant({ version: undefined }), /unsupported version/],
    ['no range', variant({ range: undefined }), /range is not an object/],
    ['numeric range ends', variant({ range: { start: 1, end: 2 } }), /must be strings/],
    ['a reversed range', variant({ range: { start: guid(0x40), end: guid(1) } }), /start is after end/],
    ['a zero start', variant({ range: { start: '00:00:00:00:00:00:00:00', end: guid(1) } }), /start must not be zero/],
    ['a non-canonical range', variant({ range: { start: '02-00-00-00-00-00-00-01', end: guid(0x40) } }), /canonical/],
    ['a numeric cursor', variant({ cursor: 3 }), /cursor must be a base-36 offset/],
    ['an upper-case cursor', variant({ cursor: 'A' }), /cursor/],
    ['a cursor past the end', variant({ cursor: '1s' }), /cursor is outside the range/],
    ['a huge cursor', variant({ cursor: 'z'.repeat(14) }), /cursor must be a base-36 offset/],
    ['held not a string', variant({ held: ['0.2'] }), /held must be a string/],
    ['a malformed run', variant({ held: '0.2,x' }), /malformed run "x"/],
    ['a trailing comma', variant({ held: '0.2,' }), /malformed run ""/],
    ['a negative gap', variant({ held: '-1.2' }), /malformed run/],
    ['adjacent runs', variant({ held: '0.2,0.1,p.0' }), /separated by at least one free GUID/],
    ['a run past the end', variant({ held: '0.2,1.1,p.10' }), /beyond the range end/],
    ['tails not an array', variant({ tails: 'x' }), /tails must be an array/],
    ['a tail without underscore', variant({ tails: ['x', '_a', '_b', ''] }), /tail must be/],
    ['owners not an array', variant({ owners: {} }), /owners must be an array/],
    ['a numeric owner entry', variant({ owners: [7] }), /malformed owner entry 7/],
    ['an owner entry whose toString is not a function', variant({ owners: [{ toString: 0 }] }), /malformed owner/],
    ['an owner entry without prototype', variant({ owners: [Object.create(null) as object] }), /malformed owner/],
    ['a version whose toJSON throws', variant({ version: { toJSON: 0 } }), /unsupported version/],
    ['a malformed owner entry', variant({ owners: ['0-0.pod'] }), /malformed owner entry/],
    ['owners out of order', variant({ owners: ['1.3.a', '0.3.b'] }), /strictly ascending/],
    ['an owned GUID not in use', variant({ owners: ['3.3.a'] }), /02:00:00:00:00:00:00:04 is not marked in use/],
    ['an owned GUID past the end', variant({ owners: ['zz.3.a'] }), /beyond the range end/],
    ['an owner holding two GUIDs', variant({ owners: ['0.3.a', '1.3.a'] }), /"a" holds more than one GUID/],
    ['an empty owner', variant({ owners: ['0.3.'] }), /owner must not be empty/],
    ['a missing tail', variant({ owners: ['0.9.a'] }), /missing tail/],
    ['a short packed UID', variant({ owners: ['0.0:D4-tW9nLRp'] }), /22 characters/],
    ['a non-base64url packed UID', variant({ owners: ['0.0:D4-tW9nLRp-hZXCGdyiVA+'] }), /not base64url/],
    ['a non-canonical packed UID', variant({ owners: ['0.0:D4-tW9nLRp-hZXCGdyiV__'] }), /not canonical/],
  ])('rejects %s', (_case, state, message) => {
    expect(() => GuidPool.fromState(state)).toThrow(InvalidPoolStateError);
    expect(() => GuidPool.fromState(state)).toThrow(message);
  });

  it('keeps hostile values short in the error', () => {
    const state = variant({ held: `0.${'1'.repeat(100_000)}` });
    expect(() => GuidPool.fromState(state)).toThrow(/^invalid GUID pool state: .{0,200}$/s);
  });
});
