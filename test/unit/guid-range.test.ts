import { InvalidGuidError, InvalidGuidRangeError } from '../../domain/errors';
import { formatGuid, parseGuid } from '../../domain/guid';
import {
  DEFAULT_GUID_RANGE,
  DEFAULT_GUID_RANGE_END,
  DEFAULT_GUID_RANGE_START,
  findGuidShard,
  getGuidRangeBounds,
  getGuidRangeSize,
  isGuidInRange,
  parseGuidRange,
  splitGuidRange,
} from '../../domain/guid-range';

describe('parseGuidRange', () => {
  // Upstream pkg/guid/guid_pool.go isValidRange: start <= end && start != 0 && end != all-ones.
  it.each([
    ['the upstream defaults', '02:00:00:00:00:00:00:00', '02:FF:FF:FF:FF:FF:FF:FF', '02:ff:ff:ff:ff:ff:ff:ff'],
    ['a single GUID', '00:00:00:00:00:00:00:01', '00:00:00:00:00:00:00:01', '00:00:00:00:00:00:00:01'],
    ['the widest valid range', '00:00:00:00:00:00:00:01', 'ff:ff:ff:ff:ff:ff:ff:fe', 'ff:ff:ff:ff:ff:ff:ff:fe'],
    ['dashed and dotted forms', '02-00-00-00-00-00-00-0A', '0200.0000.0000.00ff', '02:00:00:00:00:00:00:ff'],
  ])('accepts %s', (_case, start, end, canonicalEnd) => {
    const range = parseGuidRange(start, end);
    expect(range.start).toBe(formatGuid(parseGuid(start)));
    expect(range.end).toBe(canonicalEnd);
  });

  it.each([
    ['start after end', '02:00:00:00:00:00:00:02', '02:00:00:00:00:00:00:01', /start is after end/, 'end'],
    ['a zero start', '00:00:00:00:00:00:00:00', '02:00:00:00:00:00:00:01', /start must not be zero/, 'start'],
    ['an all-ones end', '02:00:00:00:00:00:00:00', 'FF:FF:FF:FF:FF:FF:FF:FF', /end must not be ff/, 'end'],
    ['a 6-byte start', '02:00:00:00:00:00', '02:00:00:00:00:00:00:01', /start is not a GUID/, 'start'],
    ['bare hex', '0200000000000000', '02:00:00:00:00:00:00:01', /start is not a GUID/, 'start'],
    ['an empty end', '02:00:00:00:00:00:00:00', '', /end is not a GUID/, 'end'],
    ['surrounding spaces', ' 02:00:00:00:00:00:00:00', '02:00:00:00:00:00:00:01', /start is not a GUID/, 'start'],
  ])('rejects %s', (_case, start, end, message, bound) => {
    expect(() => parseGuidRange(start, end)).toThrow(message);
    expect(() => parseGuidRange(start, end)).toThrow(expect.objectContaining({ name: 'InvalidGuidRangeError', bound }));
  });

  it('keeps hostile values short in the error', () => {
    const hostile = 'x'.repeat(10_000);
    expect(() => parseGuidRange(hostile, hostile)).toThrow(/^invalid GUID range .{0,400}$/s);
  });

  it('exports the defaults in canonical form', () => {
    expect(DEFAULT_GUID_RANGE).toEqual({ start: DEFAULT_GUID_RANGE_START, end: DEFAULT_GUID_RANGE_END });
    expect(parseGuidRange(DEFAULT_GUID_RANGE_START, DEFAULT_GUID_RANGE_END)).toEqual(DEFAULT_GUID_RANGE);
  });
});

describe('range helpers', () => {
  const small = parseGuidRange('02:00:00:00:00:00:00:0a', '02:00:00:00:00:00:00:13');

  it('computes sizes exactly beyond Number.MAX_SAFE_INTEGER', () => {
    expect(getGuidRangeSize(DEFAULT_GUID_RANGE)).toBe(2n ** 56n);
    expect(getGuidRangeSize(DEFAULT_GUID_RANGE).toString()).toBe('72057594037927936');
    expect(getGuidRangeSize(small)).toBe(10n);
  });

  it.each([
    ['02:00:00:00:00:00:00:0a', true],
    ['02:00:00:00:00:00:00:13', true],
    ['02:00:00:00:00:00:00:09', false],
    ['02:00:00:00:00:00:00:14', false],
    ['02-00-00-00-00-00-00-0F', true],
  ])('isGuidInRange(%s) is %s', (guid, expected) => {
    expect(isGuidInRange(small, guid)).toBe(expected);
    expect(isGuidInRange(small, parseGuid(guid))).toBe(expected);
  });

  it('rejects malformed GUIDs and ranges', () => {
    expect(() => isGuidInRange(small, 'nope')).toThrow(InvalidGuidError);
    expect(() => getGuidRangeBounds({ start: small.end, end: small.start })).toThrow(InvalidGuidRangeError);
    expect(() => getGuidRangeBounds(null as never)).toThrow(InvalidGuidRangeError);
  });
});

describe('splitGuidRange', () => {
  const range = parseGuidRange('02:00:00:00:00:00:00:0a', '02:00:00:00:00:00:00:13');

  it.each([1, 2, 3, 4, 7, 10])('splits 10 GUIDs into %i contiguous shards', (shards) => {
    const parts = splitGuidRange(range, shards);
    expect(parts).toHaveLength(shards);
    expect(parts[0]!.start).toBe(range.start);
    expect(parts.at(-1)!.end).toBe(range.end);
    const sizes = parts.map((part) => getGuidRangeSize(part));
    expect(sizes.reduce((a, b) => a + b)).toBe(10n);
    expect(Number(sizes[0]! - sizes.at(-1)!)).toBeLessThanOrEqual(1);
    for (let index = 1; index < parts.length; index++) {
      expect(parseGuid(parts[index]!.start)).toBe(parseGuid(parts[index - 1]!.end) + 1n);
    }
  });

  it('routes every GUID to the shard that contains it', () => {
    for (const shards of [1, 3, 4, 9]) {
      const parts = splitGuidRange(range, shards);
      for (let value = parseGuid(range.start) - 1n; value <= parseGuid(range.end) + 1n; value++) {
        const expected = parts.findIndex((part) => isGuidInRange(part, value));
        expect(findGuidShard(range, shards, value)).toBe(expected);
      }
    }
  });

  it('splits the default range into equal shards', () => {
    const parts = splitGuidRange(DEFAULT_GUID_RANGE, 16);
    expect(parts[1]).toEqual({ start: '02:10:00:00:00:00:00:00', end: '02:1f:ff:ff:ff:ff:ff:ff' });
    expect(findGuidShard(DEFAULT_GUID_RANGE, 16, '02:1f:ff:ff:ff:ff:ff:ff')).toBe(1);
  });

  it.each([
    [0, RangeError],
    [-1, RangeError],
    [1.5, RangeError],
    [Number.NaN, RangeError],
    [11, InvalidGuidRangeError],
  ])('rejects %p shards', (shards, error) => {
    expect(() => splitGuidRange(range, shards)).toThrow(error);
    expect(() => findGuidShard(range, shards, range.start)).toThrow(error);
  });
});
