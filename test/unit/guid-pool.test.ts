import {
  GuidOutOfRangeError,
  GuidTakenError,
  InvalidGuidError,
  InvalidGuidRangeError,
  OwnerHoldsOtherGuidError,
  PoolExhaustedError,
} from '../../domain/errors';
import { GuidPool } from '../../domain/guid-pool';
import { DEFAULT_GUID_RANGE, parseGuidRange } from '../../domain/guid-range';

const range = parseGuidRange('02:00:00:00:00:00:00:01', '02:00:00:00:00:00:00:05');
const guid = (last: number) => `02:00:00:00:00:00:00:${last.toString(16).padStart(2, '0')}`;

describe('GuidPool construction', () => {
  it('starts empty with exact counters', () => {
    expect(new GuidPool(range).stats()).toEqual({ size: '5', used: '0', free: '5', owned: 0, reserved: '0' });
    expect(new GuidPool(DEFAULT_GUID_RANGE).stats().free).toBe('72057594037927936');
  });

  it('rejects a range that breaks upstream rule', () => {
    expect(() => new GuidPool({ start: range.end, end: range.start })).toThrow(InvalidGuidRangeError);
  });

  it('canonicalises the range it was given', () => {
    expect(new GuidPool({ start: '02-00-00-00-00-00-00-0A', end: '02:00:00:00:00:00:00:FF' }).range).toEqual({
      start: '02:00:00:00:00:00:00:0a',
      end: '02:00:00:00:00:00:00:ff',
    });
  });
});

describe('allocateRequested', () => {
  const pool = () => {
    const p = new GuidPool(range);
    p.allocateRequested('other', guid(3));
    return p;
  };

  it.each([
    ['a free GUID in range', 'me', guid(2), { guid: guid(2), outcome: 'allocated' }],
    ['the range start', 'me', guid(1), { guid: guid(1), outcome: 'allocated' }],
    ['the range end', 'me', guid(5), { guid: guid(5), outcome: 'allocated' }],
    ['dashed form, normalised', 'me', '02-00-00-00-00-00-00-04', { guid: guid(4), outcome: 'allocated' }],
    ['dotted form, normalised', 'me', '0200.0000.0000.0004', { guid: guid(4), outcome: 'allocated' }],
    ['its own GUID again (idempotent)', 'other', guid(3), { guid: guid(3), outcome: 'already-held' }],
    ['its own GUID in another form', 'other', '02-00-00-00-00-00-00-03', { guid: guid(3), outcome: 'already-held' }],
  ])('grants %s', (_case, owner, requested, expected) => {
    const p = pool();
    expect(p.allocateRequested(owner, requested)).toEqual(expected);
    expect(p.ownerOf(expected.guid)).toBe(owner);
  });

  it.each([
    ['below the range', guid(0), GuidOutOfRangeError],
    ['above the range', guid(6), GuidOutOfRangeError],
    ['held by another owner', guid(3), GuidTakenError],
    ['malformed', '02:00:00:00:00:00:03', InvalidGuidError],
    ['bare hex', '0200000000000003', InvalidGuidError],
  ])('refuses a GUID %s', (_case, requested, error) => {
    const p = pool();
    const before = p.toState();
    expect(() => p.allocateRequested('me', requested)).toThrow(error);
    expect(p.toState()).toEqual(before);
  });

  it('normalises upper-case input', () => {
    const p = new GuidPool(parseGuidRange('02:00:00:00:00:00:00:0a', '02:00:00:00:00:00:00:0f'));
    expect(p.allocateRequested('me', '02:00:00:00:00:00:00:0B')).toEqual({ guid: guid(11), outcome: 'allocated' });
    expect(p.allocateRequested('me', '02-00-00-00-00-00-00-0b').outcome).toBe('already-held');
  });

  it('refuses a second GUID for an owner that holds one', () => {
    const p = pool();
    expect(() => p.allocateRequested('other', guid(4))).toThrow(OwnerHoldsOtherGuidError);
    expect(p.guidOf('other')).toBe(guid(3));
  });

  it('names the holder when refusing', () => {
    expect(() => pool().allocateRequested('me', guid(3))).toThrow(/already allocated to other/);
  });

  it('adopts a GUID that is in use with no known owner', () => {
    const p = pool();
    p.reserve([guid(4)]);
    expect(p.allocateRequested('me', guid(4))).toEqual({ guid: guid(4), outcome: 'adopted' });
    expect(p.stats()).toMatchObject({ used: '2', owned: 2, reserved: '0' });
  });

  it.each(['', 42 as unknown as string])('rejects owner %p', (owner) => {
    expect(() => pool().allocateRequested(owner, guid(2))).toThrow(TypeError);
    expect(() => pool().allocate(owner)).toThrow(TypeError);
  });
});

describe('allocate (next fit)', () => {
  it('hands out the range start first, then ascending GUIDs', () => {
    const p = new GuidPool(range);
    expect(['a', 'b', 'c'].map((owner) => p.allocate(owner).guid)).toEqual([guid(1), guid(2), guid(3)]);
  });

  it('is idempotent per owner', () => {
    const p = new GuidPool(range);
    expect(p.allocate('a')).toEqual({ guid: guid(1), outcome: 'allocated' });
    expect(p.allocate('a')).toEqual({ guid: guid(1), outcome: 'already-held' });
    expect(p.allocate('b').guid).toBe(guid(2));
  });

  it('skips reserved and requested GUIDs', () => {
    const p = new GuidPool(range);
    p.reserve([guid(1)]);
    p.allocateRequested('x', guid(2));
    expect(p.allocate('a').guid).toBe(guid(3));
  });

  it('does not reuse a released GUID until the cursor wraps around', () => {
    const p = new GuidPool(range);
    p.allocate('a');
    p.allocate('b');
    p.releaseOwner('a');
    expect(['c', 'd', 'e'].map((owner) => p.allocate(owner).guid)).toEqual([guid(3), guid(4), guid(5)]);
    expect(p.allocate('f').guid).toBe(guid(1));
  });

  it('wraps past the range end to the first free GUID', () => {
    const p = new GuidPool(range);
    for (const owner of ['a', 'b', 'c', 'd', 'e']) p.allocate(owner);
    p.releaseOwner('d');
    p.releaseOwner('b');
    expect(p.allocate('x').guid).toBe(guid(2));
    expect(p.allocate('y').guid).toBe(guid(4));
  });

  it('throws PoolExhaustedError exactly when every GUID is used, yet still answers holders', () => {
    const p = new GuidPool(range);
    p.reserve([guid(2), guid(4)]);
    for (const owner of ['a', 'b', 'c']) p.allocate(owner);
    expect(p.stats()).toMatchObject({ used: '5', free: '0' });
    expect(() => p.allocate('late')).toThrow(PoolExhaustedError);
    expect(() => p.allocate('late')).toThrow(/exhausted: all 5 GUIDs are in use/);
    expect(p.allocate('b')).toEqual({ guid: guid(3), outcome: 'already-held' });
    p.releaseGuid(guid(4));
    expect(p.allocate('late').guid).toBe(guid(4));
  });

  it('allocates from a single-GUID range', () => {
    const p = new GuidPool(parseGuidRange('00:00:00:00:00:00:00:01', '00:00:00:00:00:00:00:01'));
    expect(p.allocate('a').guid).toBe('00:00:00:00:00:00:00:01');
    expect(() => p.allocate('b')).toThrow(PoolExhaustedError);
  });

  it('works at the top of the 64-bit space', () => {
    const p = new GuidPool(parseGuidRange('ff:ff:ff:ff:ff:ff:ff:fd', 'ff:ff:ff:ff:ff:ff:ff:fe'));
    expect([p.allocate('a').guid, p.allocate('b').guid]).toEqual([
      'ff:ff:ff:ff:ff:ff:ff:fd',
      'ff:ff:ff:ff:ff:ff:ff:fe',
    ]);
    p.releaseOwner('a');
    expect(p.allocate('c').guid).toBe('ff:ff:ff:ff:ff:ff:ff:fd');
  });
});

describe('release', () => {
  const pool = () => {
    const p = new GuidPool(range);
    p.allocate('a');
    p.reserve([guid(2)]);
    return p;
  };

  it.each([
    ['an owner', (p: GuidPool) => p.releaseOwner('a'), { released: true, guid: guid(1), owner: 'a' }],
    ['a GUID', (p: GuidPool) => p.releaseGuid(guid(1)), { released: true, guid: guid(1), owner: 'a' }],
    [
      'a GUID in another form',
      (p: GuidPool) => p.releaseGuid('02-00-00-00-00-00-00-01'),
      { released: true, guid: guid(1), owner: 'a' },
    ],
    [
      'a GUID and its owner',
      (p: GuidPool) => p.releaseGuid(guid(1), 'a'),
      { released: true, guid: guid(1), owner: 'a' },
    ],
    ['a reserved GUID', (p: GuidPool) => p.releaseGuid(guid(2)), { released: true, guid: guid(2), owner: null }],
    ['an unknown owner', (p: GuidPool) => p.releaseOwner('zz'), { released: false, reason: 'not-held' }],
    ['a free GUID', (p: GuidPool) => p.releaseGuid(guid(3)), { released: false, reason: 'not-held' }],
    ['an out-of-range GUID', (p: GuidPool) => p.releaseGuid(guid(9)), { released: false, reason: 'not-held' }],
    [
      'a GUID with the wrong owner',
      (p: GuidPool) => p.releaseGuid(guid(1), 'b'),
      { released: false, reason: 'owner-mismatch' },
    ],
    [
      'a reserved GUID by owner',
      (p: GuidPool) => p.releaseGuid(guid(2), 'a'),
      { released: false, reason: 'owner-mismatch' },
    ],
  ])('of %s', (_case, release, expected) => {
    const p = pool();
    expect(release(p)).toEqual(expected);
    expect(p.stats().used).toBe(expected.released ? '1' : '2');
  });

  it('releasing twice is a no-op the second time', () => {
    const p = pool();
    p.releaseOwner('a');
    expect(p.releaseOwner('a')).toEqual({ released: false, reason: 'not-held' });
    expect(p.guidOf('a')).toBeUndefined();
    expect(p.ownerOf(guid(1))).toBeUndefined();
  });

  it('rejects a malformed GUID', () => {
    expect(() => pool().releaseGuid('zz')).toThrow(InvalidGuidError);
  });
});

describe('reserve and reset', () => {
  it('counts what it did and ignores out-of-range, duplicate and malformed entries', () => {
    const p = new GuidPool(range);
    p.allocate('a');
    const report = p.reserve([guid(1), guid(2), guid(2), '02-00-00-00-00-00-00-03', guid(0), guid(9), 'junk']);
    expect(report).toEqual({ reserved: 2, alreadyHeld: 2, outOfRange: 2, invalid: 1 });
    expect(p.ownerOf(guid(1))).toBe('a');
    expect(p.ownerOf(guid(2))).toBeNull();
    expect(p.stats()).toEqual({ size: '5', used: '3', free: '2', owned: 1, reserved: '2' });
    expect(p.allocate('b').guid).toBe(guid(4));
  });

  it('reset forgets owners, keeps the cursor and reserves the given GUIDs', () => {
    const p = new GuidPool(range);
    p.allocate('a');
    p.allocate('b');
    expect(p.reset([guid(4), guid(7)])).toEqual({ reserved: 1, alreadyHeld: 0, outOfRange: 1, invalid: 0 });
    expect(p.guidOf('a')).toBeUndefined();
    expect(p.stats()).toMatchObject({ used: '1', owned: 0 });
    expect(p.allocate('c').guid).toBe(guid(3));
    expect(p.allocate('d').guid).toBe(guid(5));
    expect(p.allocate('e').guid).toBe(guid(1));
  });

  it('lists owned GUIDs in GUID order', () => {
    const p = new GuidPool(range);
    p.allocateRequested('z', guid(4));
    p.allocate('y');
    p.reserve([guid(2)]);
    expect(p.listOwned()).toEqual([
      { owner: 'y', guid: guid(1) },
      { owner: 'z', guid: guid(4) },
    ]);
  });
});
