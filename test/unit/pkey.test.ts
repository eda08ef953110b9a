import { InvalidPKeyError } from '../../domain/errors';
import { formatPKey, normalizePKey, parsePKey } from '../../domain/pkey';

describe('parsePKey', () => {
  it.each([
    ['0x5', 0x5],
    ['0X5', 0x5],
    ['0x0005', 0x5],
    ['0x00AB', 0xab],
    ['0xa30', 0xa30], // rejected by upstream before PR #211 (first digit a letter)
    ['0x7ffe', 0x7ffe],
    ['0x1', 0x1],
    ['0x8005', 0x5], // full-membership bit stripped: UFM takes membership as its own field
    ['0xfffe', 0x7ffe],
    ['0x00000000000005', 0x5], // leading zeros, as Go's ParseUint allows
  ])('parses %s as 0x%s', (text, expected) => {
    expect(parsePKey(text)).toBe(expected);
  });

  it.each([
    ['empty', ''],
    ['no prefix', '5'],
    ['decimal', '10'],
    ['prefix only', '0x'],
    ['trailing garbage (upstream accepted it)', '0x5zz'],
    ['leading garbage (upstream accepted it)', 'abc0x12'],
    ['double prefix', '0x0x5'],
    ['leading space', ' 0x5'],
    ['trailing space', '0x5 '],
    ['sign', '-0x5'],
    ['underscore', '0x7_ff'],
    ['zero', '0x0'],
    ['management key', '0x7fff'],
    ['management key with full bit', '0xffff'],
    ['only the full-membership bit', '0x8000'],
    ['above 16 bits', '0x10000'],
    ['above 32 bits', '0x100000000'],
    ['huge', `0x${'f'.repeat(10_000)}`],
  ])('rejects %s', (_case, text) => {
    expect(() => parsePKey(text)).toThrow(InvalidPKeyError);
  });

  it.each([[5], [null], [{}], [['0x5']]])('rejects the non-string %p', (value) => {
    expect(() => parsePKey(value as unknown as string)).toThrow(InvalidPKeyError);
  });
});

describe('canonical form', () => {
  it.each([
    ['0x0005', '0x5'],
    ['0X00AB', '0xab'],
    ['0x7FFE', '0x7ffe'],
    ['0x8005', '0x5'],
  ])('normalizes %s to %s', (text, canonical) => {
    expect(normalizePKey(text)).toBe(canonical);
  });

  it.each([[0], [0x7fff], [0x8000], [1.5], [NaN], [-1]])('formatPKey refuses %s', (value) => {
    expect(() => formatPKey(value)).toThrow(InvalidPKeyError);
  });
});
