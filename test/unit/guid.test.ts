import { InvalidGuidError } from '../../domain/errors';
import {
  formatGuid,
  formatUfmGuid,
  GUID_MAX,
  isCanonicalGuid,
  normalizeGuid,
  parseGuid,
  parseUfmGuid,
} from '../../domain/guid';

describe('parseGuid (Go net.ParseMAC, 8 bytes, as upstream guid.ParseGUID)', () => {
  it.each([
    ['colon form', '02:00:00:00:00:00:00:0a', 0x020000000000000an],
    ['upper-case hex', '02:AB:CD:EF:00:11:22:33', 0x02abcdef00112233n],
    ['dash form', '02-00-00-00-00-00-00-01', 0x0200000000000001n],
    ['dotted form', '0200.0000.0000.00ff', 0x02000000000000ffn],
    ['all ones', 'ff:ff:ff:ff:ff:ff:ff:ff', GUID_MAX],
    ['zero (the pool, not the parser, refuses it)', '00:00:00:00:00:00:00:00', 0n],
  ])('accepts %s', (_case, text, expected) => {
    expect(parseGuid(text)).toBe(expected);
  });

  it.each([
    ['empty', ''],
    ['6-byte MAC', '02:00:00:00:00:01'],
    ['20-byte address', Array(20).fill('02').join(':')],
    ['single-digit octet', '2:00:00:00:00:00:00:01'],
    ['bare 16 hex digits', '0200000000000001'],
    ['0x prefix', '0x0200000000000001'],
    ['mixed separators', '02:00-00:00:00:00:00:01'],
    ['leading space', ' 02:00:00:00:00:00:00:01'],
    ['trailing newline', '02:00:00:00:00:00:00:01\n'],
    ['non-hex', '02:00:00:00:00:00:00:0g'],
    ['9 octets', '02:00:00:00:00:00:00:00:01'],
    ['dotted with 3 groups', '0200.0000.0001'],
    ['unicode digits', '02:00:00:00:00:00:00:٠١'],
    ['huge input', '02:'.repeat(100_000)],
  ])('rejects %s with InvalidGuidError', (_case, text) => {
    expect(() => parseGuid(text)).toThrow(InvalidGuidError);
  });

  it('rejects a non-string (JSON from a hostile annotation) with a clear error', () => {
    expect(() => parseGuid(123 as unknown as string)).toThrow(/invalid GUID "123": not a string/);
  });

  it('clips huge values in the error message', () => {
    const error = (() => {
      try {
        parseGuid('x'.repeat(10_000));
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected a throw');
    })();
    expect(error.message.length).toBeLessThan(400);
  });
});

describe('parseUfmGuid (16 hex digits as UFM writes them)', () => {
  it.each([
    ['lower case', '946dae03005985c8', 0x946dae03005985c8n],
    ['upper case', '946DAE03005985C8', 0x946dae03005985c8n],
    ['0x prefix', '0x0200000000000001', 0x0200000000000001n],
  ])('accepts %s', (_case, text, expected) => {
    expect(parseUfmGuid(text)).toBe(expected);
  });

  it.each([
    ['15 digits', '946dae03005985c'],
    ['colon form', '02:00:00:00:00:00:00:01'],
    ['empty', ''],
    ['junk', 'zz6dae03005985c8'],
  ])('rejects %s', (_case, text) => {
    expect(() => parseUfmGuid(text)).toThrow(InvalidGuidError);
  });
});

describe('formatting', () => {
  it.each([
    [0n, '00:00:00:00:00:00:00:00', '0000000000000000'],
    [0x0200000000000001n, '02:00:00:00:00:00:00:01', '0200000000000001'],
    [GUID_MAX, 'ff:ff:ff:ff:ff:ff:ff:ff', 'ffffffffffffffff'],
  ])('formats %s canonically and for UFM', (value, canonical, ufm) => {
    expect(formatGuid(value)).toBe(canonical);
    expect(formatUfmGuid(value)).toBe(ufm);
    expect(isCanonicalGuid(canonical)).toBe(true);
  });

  it.each([[-1n], [GUID_MAX + 1n]])('refuses %s, which does not fit 64 bits', (value) => {
    expect(() => formatGuid(value)).toThrow(RangeError);
  });

  it('keeps full 64-bit precision (no float rounding)', () => {
    const value = 0x02ff_ffff_ffff_fffdn;
    expect(parseGuid(formatGuid(value + 1n))).toBe(value + 1n);
    expect(formatGuid(value + 1n)).toBe('02:ff:ff:ff:ff:ff:ff:fe');
  });

  it.each([
    ['02:AB:CD:EF:00:11:22:33', '02:ab:cd:ef:00:11:22:33'],
    ['02-ab-cd-ef-00-11-22-33', '02:ab:cd:ef:00:11:22:33'],
    ['02ab.cdef.0011.2233', '02:ab:cd:ef:00:11:22:33'],
  ])('normalizes %s to %s', (text, canonical) => {
    expect(normalizeGuid(text)).toBe(canonical);
  });

  it.each([['02:AB:CD:EF:00:11:22:33'], ['02-ab-cd-ef-00-11-22-33'], ['0200000000000001']])(
    'does not call %s canonical',
    (text) => {
      expect(isCanonicalGuid(text)).toBe(false);
    },
  );
});
