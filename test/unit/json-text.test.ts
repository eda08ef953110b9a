import fc from 'fast-check';
import { isGoIpAddress } from '../../domain/ip-address';
import { JsonSyntaxError, foldKey, parseJsonText, toJsonValue } from '../../domain/json-text';

const plain = (text: string) => toJsonValue(parseJsonText(text));

describe('parseJsonText', () => {
  it('agrees with JSON.parse on any JSON without duplicate keys', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        // JSON.stringify(-0) is "0", so compare re-serialised text rather than values.
        expect(JSON.stringify(plain(text))).toBe(JSON.stringify(JSON.parse(text)));
      }),
    );
  });

  it.each([
    ['a duplicate key keeps its last value at its last position', '{"a":1,"b":2,"a":3}', '{"b":2,"a":3}'],
    ['escapes', '"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00"', JSON.stringify('"\\/\b\f\n\r\té😀')],
    ['a lone surrogate escape is kept', '"\\ud800"', '"\\ud800"'],
    ['whitespace Go allows', ' \t\r\n[ 1 , 2 ]\n', '[1,2]'],
    ['exponent and fraction', '[1e2,-0.5,1E-2]', '[100,-0.5,0.01]'],
    ['__proto__ as data', '{"__proto__":{"x":1}}', '{"__proto__":{"x":1}}'],
  ])('%s', (_name, text, expected) => {
    expect(JSON.stringify(plain(text))).toBe(expected);
  });

  it.each([
    ['empty', ''],
    ['whitespace only', ' '],
    ['form feed is not JSON whitespace', '\f[]'],
    ['non-breaking space is not JSON whitespace', '\u00a0[]'],
    ['trailing comma', '[1,]'],
    ['missing value', '{"a":}'],
    ['missing colon', '{"a" 1}'],
    ['unquoted key', '{a:1}'],
    ['single quotes', "['a']"],
    ['leading zero', '01'],
    ['leading plus', '+1'],
    ['bare dot', '.5'],
    ['dangling exponent', '1e'],
    ['hex', '0x10'],
    ['Infinity', 'Infinity'],
    ['NaN', 'NaN'],
    ['undefined', 'undefined'],
    ['truncated literal', 'tru'],
    ['capitalised literal', 'True'],
    ['unterminated string', '"abc'],
    ['tab inside a string', '"a\tb"'],
    ['short \\u escape', '"\\u12"'],
    ['unknown escape', '"\\a"'],
    ['comment', '[1]//'],
    ['two values', '1 2'],
    ['unbalanced', '[1}'],
    ['number beyond float64', '1e400'],
    ['too deep', '['.repeat(1_001) + ']'.repeat(1_001)],
  ])('rejects %s', (_name, text) => {
    expect(() => parseJsonText(text)).toThrow(JsonSyntaxError);
  });
});

describe('foldKey (Go struct-field matching)', () => {
  it.each([
    ['NAME', 'name'],
    ['Cni-Args', 'cni-args'],
    ['name\u017fpace', 'namespace'],
    ['p\u212aey', 'pkey'],
    ['\u0130d', '\u0130d'], // dotted capital I has no simple fold to i in Go
  ])('%s folds to %s', (key, folded) => {
    expect(foldKey(key)).toBe(folded);
  });
});

describe('isGoIpAddress (net.ParseIP)', () => {
  it.each([
    '10.0.0.1',
    '0.0.0.0',
    '255.255.255.255',
    '::',
    '::1',
    '1::',
    'fe80::1',
    '2001:DB8::68',
    '1:2:3:4:5:6:7:8',
    '1:2:3:4:5:6:7::',
    '::ffff:1.2.3.4',
    '::1.2.3.4',
    '1:2:3:4:5:6:1.2.3.4',
    '0001:0002::',
  ])('accepts %s', (ip) => {
    expect(isGoIpAddress(ip)).toBe(true);
  });

  it.each([
    '',
    '1.2.3',
    '1.2.3.4.5',
    '01.2.3.4',
    '1.2.3.256',
    '1..2.3',
    ' 1.2.3.4',
    '1.2.3.4 ',
    '10.0.0.1/24',
    'fe80::1%eth0',
    '::1%',
    '%eth0',
    ':',
    ':::',
    '1::2::3',
    '00001::1',
    '1:2:3:4:5:6:7:8::',
    '1:2:3:4:5:6::7:8',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:1.2.3.4',
    '1:2:3:4:5:1.2.3.4',
    '::1.2.3',
    '::a.2.3.4',
    '1:',
    'g::1',
    'localhost',
  ])('rejects %p', (ip) => {
    expect(isGoIpAddress(ip)).toBe(false);
  });
});
