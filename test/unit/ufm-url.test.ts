import { buildUfmBaseUrl, chunk, formatUfmPKey, pkeyPath, removeGuidsPath } from '../../plugins/ufm/url';
import { validateInput } from '../../plugins/input';
import { SubnetManagerError } from '../../plugins/types';

describe('buildUfmBaseUrl', () => {
  it.each<[string, 'http' | 'https', number, string]>([
    ['ufm.example.com', 'https', 443, 'https://ufm.example.com:443'],
    ['10.0.0.7', 'http', 80, 'http://10.0.0.7:80'],
    ['fd00::7', 'https', 8443, 'https://[fd00::7]:8443'],
    ['::1', 'http', 8080, 'http://[::1]:8080'],
    ['::ffff:10.0.0.7', 'https', 443, 'https://[::ffff:10.0.0.7]:443'],
  ])('%s %s %d → %s', (address, httpSchema, port, expected) => {
    const url = buildUfmBaseUrl({ address, httpSchema, port });
    expect(url).toBe(expected);
    expect(new URL(url).port === '' || Number(new URL(url).port) === port).toBe(true);
  });
});

describe('formatUfmPKey (upstream "0x%04X")', () => {
  it.each<[number, string]>([
    [0x1, '0x0001'],
    [0x5, '0x0005'],
    [0xab, '0x00AB'],
    [0x7ffe, '0x7FFE'],
  ])('%d → %s', (pkey, expected) => expect(formatUfmPKey(pkey)).toBe(expected));
});

describe('paths', () => {
  it('DELETE path lists GUIDs comma-separated', () => {
    expect(removeGuidsPath(5, ['0200000000000001', '0200000000000002'])).toBe(
      '/ufmRest/resources/pkeys/0x5/guids/0200000000000001,0200000000000002',
    );
  });
  it('200 GUIDs fit in Apache’s 8190-byte request line', () => {
    const guids = Array.from({ length: 200 }, (_, i) => i.toString(16).padStart(16, '0'));
    expect(`DELETE ${removeGuidsPath(0x7ffe, guids)} HTTP/1.1`.length).toBeLessThan(8190);
  });
  it('single-PKey read asks for members', () => {
    expect(pkeyPath(0x2fb)).toBe('/ufmRest/resources/pkeys/0x2fb?guids_data=true');
  });
  it('PKeys in paths are minimal lower case, as other UFM clients write them', () => {
    expect(pkeyPath(0x7ffe, false)).toBe('/ufmRest/resources/pkeys/0x7ffe');
    expect(removeGuidsPath(0xab, ['0200000000000001'])).toContain('/pkeys/0xab/guids/');
  });
});

describe('chunk', () => {
  it.each<[number, number, number[]]>([
    [0, 200, []],
    [1, 200, [1]],
    [200, 200, [200]],
    [201, 200, [200, 1]],
    [450, 200, [200, 200, 50]],
  ])('%d items by %d → %j', (n, size, sizes) => {
    const items = Array.from({ length: n }, (_, i) => i);
    const parts = chunk(items, size);
    expect(parts.map((p) => p.length)).toEqual(sizes);
    expect(parts.flat()).toEqual(items);
  });
  it('rejects a size below 1', () => expect(() => chunk([1], 0)).toThrow(RangeError));
});

describe('validateInput', () => {
  it.each<[string, unknown[], string[]]>([
    ['canonical', ['02:00:00:00:00:00:00:0a'], ['020000000000000a']],
    ['upper case and dashes', ['02-00-00-00-00-00-00-0A'], ['020000000000000a']],
    ['dotted', ['0200.0000.0000.000a'], ['020000000000000a']],
    ['duplicates collapse', ['02:00:00:00:00:00:00:0a', '02:00:00:00:00:00:00:0A'], ['020000000000000a']],
    ['empty', [], []],
  ])('%s', (_name, guids, expected) => {
    expect(validateInput('op', 5, guids)).toEqual(expected);
  });

  it.each<[string, unknown, unknown[]]>([
    ['pkey 0', 0, []],
    ['pkey 0x7fff (management)', 0x7fff, []],
    ['pkey 0x8005 (membership bit)', 0x8005, []],
    ['pkey negative', -1, []],
    ['pkey fraction', 1.5, []],
    ['pkey NaN', Number.NaN, []],
    ['pkey string', '0x5', []],
    ['GUID bare hex (UFM form is not a domain GUID)', 5, ['020000000000000a']],
    ['GUID short', 5, ['02:00:00']],
    ['GUID number', 5, [42]],
    ['GUID null', 5, [null]],
    ['GUID with spaces', 5, [' 02:00:00:00:00:00:00:0a']],
  ])('%s → invalid-input', (_name, pkey, guids) => {
    let thrown: unknown;
    try {
      validateInput('addGuidsToPKey', pkey, guids);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SubnetManagerError);
    expect(thrown).toMatchObject({ code: 'invalid-input', retryable: false });
  });
});
