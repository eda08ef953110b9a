import {
  expectObject,
  parseJsonBody,
  parsePKeyListing,
  parseResponsePKey,
  parseSinglePKey,
  readUfmVersion,
} from '../../plugins/ufm/parse';
import { SubnetManagerError } from '../../plugins/types';

const g = (n: number) => `02000000000000${n.toString(16).padStart(2, '0')}`;
const c = (n: number) => `02:00:00:00:00:00:00:${n.toString(16).padStart(2, '0')}`;

describe('parseJsonBody / expectObject', () => {
  it.each<[string, string]>([
    ['HTML login page', '<html><head><title>UFM Login</title></head><body>Please log in</body></html>'],
    ['truncated JSON', '{"0x5": {"guids": [{"guid": "0200'],
    ['empty body', ''],
  ])('%s → bad-response', (_name, body) => {
    let thrown: unknown;
    try {
      parseJsonBody('listGuidsInUse', 200, body);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SubnetManagerError);
    expect(thrown).toMatchObject({ code: 'bad-response', retryable: true, status: 200 });
  });

  it.each<[string, unknown]>([
    ['array', []],
    ['null', null],
    ['string', 'ok'],
    ['number', 1],
  ])('%s is not an object', (_name, body) => {
    expect(() => expectObject('validate', 200, body)).toThrow(/expected a JSON object/);
  });

  it('reads the version when present', () => {
    expect(readUfmVersion({ ufm_release_version: '6.11.1-2' })).toBe('6.11.1-2');
    expect(readUfmVersion({ opensm: '5' })).toBeUndefined();
  });
});

describe('parseResponsePKey', () => {
  it.each<[string, number | undefined]>([
    ['0x5', 5],
    ['0x0005', 5],
    ['0X05', 5],
    ['0x2FB', 0x2fb],
    ['0x7ffe', 0x7ffe],
    ['0x7fff', 0x7fff],
    ['0x0', undefined],
    ['0x8005', undefined],
    ['0xffff', undefined],
    ['5', undefined],
    ['0x', undefined],
    ['0x5 ', undefined],
    ['management', undefined],
    ['0x1234567890', undefined],
  ])('%j → %j', (key, expected) => expect(parseResponsePKey(key)).toBe(expected));
});

describe('parsePKeyListing', () => {
  it('reads the documented shape (reference §3.4)', () => {
    const listing = parsePKeyListing({
      '0x7fff': { partition: 'management', ip_over_ib: true, index0: false, membership: 'limited', guids: [] },
      '0x2fb': {
        partition: 'api_pkey_0x2fb',
        ip_over_ib: true,
        guids: [
          { guid: g(2), index0: true, membership: 'full' },
          { guid: g(1), index0: true, membership: 'full' },
        ],
      },
    });
    expect(listing).toEqual({ guids: { '0x2fb': [c(1), c(2)] }, skipped: [] });
  });

  it.each<[string, Record<string, unknown>, Record<string, string[]>, number]>([
    ['empty', {}, {}, 0],
    ['missing guids', { '0x5': { partition: 'p' } }, { '0x5': [] }, 0],
    ['null guids', { '0x5': { guids: null } }, { '0x5': [] }, 0],
    ['upper-case GUIDs', { '0x5': { guids: [{ guid: '020000000000000A' }] } }, { '0x5': [c(10)] }, 0],
    ['0x-prefixed GUIDs', { '0x5': { guids: [{ guid: '0x020000000000000a' }] } }, { '0x5': [c(10)] }, 0],
    ['colon GUIDs', { '0x5': { guids: [{ guid: c(10) }] } }, { '0x5': [c(10)] }, 0],
    ['bare string entries', { '0x5': { guids: [g(3)] } }, { '0x5': [c(3)] }, 0],
    [
      'padded and upper-case keys merge',
      { '0x0005': { guids: [g(1)] }, '0X5': { guids: [g(2), g(1)] } },
      { '0x5': [c(1), c(2)] },
      0,
    ],
    ['management ports listed as 0x7fff', { '0x7fff': { guids: [{ guid: g(9) }] } }, { '0x7fff': [c(9)] }, 0],
    [
      'same GUID in two pkeys',
      { '0x5': { guids: [g(1)] }, '0x6': { guids: [g(1)] } },
      { '0x5': [c(1)], '0x6': [c(1)] },
      0,
    ],
    [
      'malformed GUID entries are skipped, not fatal',
      { '0x5': { guids: [{ guid: 'zz' }, { guid: g(1) }, {}, { guid: 5 }, null] }, '0x6': { guids: [g(2)] } },
      { '0x5': [c(1)], '0x6': [c(2)] },
      4,
    ],
    ['bad key skipped', { bogus: { guids: [g(1)] }, '0x0': { guids: [] }, '0x6': { guids: [] } }, { '0x6': [] }, 2],
    ['non-object value skipped', { '0x5': 'x', '0x6': [], '0x7': { guids: [g(7)] } }, { '0x7': [c(7)] }, 2],
    ['guids not an array skipped', { '0x5': { guids: 'x' } }, {}, 1],
  ])('%s', (_name, body, expected, skipped) => {
    const listing = parsePKeyListing(body);
    expect(listing.guids).toEqual(expected);
    expect(listing.skipped).toHaveLength(skipped);
  });

  it('clips hostile entries in the skipped report', () => {
    const listing = parsePKeyListing({ '0x5': { guids: [{ guid: 'x'.repeat(10_000) }] } });
    expect(JSON.stringify(listing.skipped).length).toBeLessThan(200);
  });

  it('keys come out in ascending order, JSON-plain', () => {
    const listing = parsePKeyListing({ '0x10': { guids: [] }, '0x2': { guids: [] }, '0xa': { guids: [] } });
    expect(Object.keys(listing.guids)).toEqual(['0x2', '0xa', '0x10']);
    expect(JSON.parse(JSON.stringify(listing.guids))).toEqual(listing.guids);
  });
});

describe('parseSinglePKey', () => {
  it.each<[string, Record<string, unknown>, bigint[]]>([
    ['flat', { partition: 'p', guids: [{ guid: g(1) }] }, [0x0200000000000001n]],
    ['empty object (unknown pkey)', {}, []],
    ['wrapped', { '0x0005': { guids: [{ guid: g(2) }] } }, [0x0200000000000002n]],
    ['no guids', { partition: 'p' }, []],
  ])('%s', (_name, body, expected) => {
    expect([...parseSinglePKey(body, 5)]).toEqual(expected);
  });
});
