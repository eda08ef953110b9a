/**
 * Conformance of the simulator's read endpoints and protocol edges (reference §2, §3.1, §3.4,
 * §4, §5): version shapes, one/all PKeys with query flags, knobs for unverified behaviour,
 * unknown routes, and hostile input that must never crash the simulator.
 */
import { useHttpsFixture } from './ufm-simulator-client';

const G1 = '0200000000000001';
const G2 = '0200000000000002';
const PKEYS = '/ufmRest/resources/pkeys';

const fixture = useHttpsFixture();
beforeEach(() => {
  fixture.sim.seed('0x5', [G2, G1], { index0: true });
});

const get = async (path: string): Promise<[number, unknown]> => {
  const res = await fixture.client.call('GET', path);
  return [res.status, res.status === 200 ? res.json() : res.text];
};
const members = [
  { guid: G1, membership: 'full', index0: true },
  { guid: G2, membership: 'full', index0: true },
];
const defaultQos = { mtu_limit: 2, service_level: 0, rate_limit: 2.5 };

describe('GET /app/ufm_version', () => {
  it.each([
    ['pre-6.18', ['ufm_release_version']],
    ['6.18+', ['ibdiagnet', 'mft', 'opensm', 'plugins', 'sharp', 'telemetry', 'ufm_release_version', 'ufm_webui']],
  ] as const)('answers the %s shape', async (shape, keys) => {
    fixture.sim.setKnobs({ versionShape: shape });
    const [status, body] = await get('/ufmRest/app/ufm_version');
    expect(status).toBe(200);
    expect(Object.keys(body as object).sort()).toEqual(keys);
    expect((body as { ufm_release_version: string }).ufm_release_version).toMatch(/^6\.\d+\.\d+-\d+$/);
  });
});

describe('GET /resources/pkeys/<pkey>', () => {
  it.each([
    ['', { partition: 'api_pkey_0x5', ip_over_ib: true }],
    ['?guids_data=true', { partition: 'api_pkey_0x5', ip_over_ib: true, guids: members }],
    ['?qos_conf=true', { partition: 'api_pkey_0x5', ip_over_ib: true, qos_conf: defaultQos }],
    [
      '/?guids_data=true&qos_conf=true',
      { partition: 'api_pkey_0x5', ip_over_ib: true, guids: members, qos_conf: defaultQos },
    ],
    ['?guids_data=false', { partition: 'api_pkey_0x5', ip_over_ib: true }],
  ])('0x0005%s answers the flat object', async (query, expected) => {
    expect(await get(`${PKEYS}/0x0005${query}`)).toEqual([200, expected]);
  });

  it.each([
    ['pre-6.18', { partition: 'management', ip_over_ib: true, guids: [] }],
    ['6.18+', { partition: 'management', ip_over_ib: true, index0: false, membership: 'limited', guids: [] }],
  ] as const)('0x7fff always exists (%s shape)', async (shape, expected) => {
    fixture.sim.setKnobs({ versionShape: shape });
    expect(await get(`${PKEYS}/0x7FFF?guids_data=true`)).toEqual([200, expected]);
  });

  it.each([
    ['200-empty', 200],
    ['404', 404],
  ] as const)('an unknown pkey with unknownPkeyGet=%s answers %i {}', async (knob, status) => {
    fixture.sim.setKnobs({ unknownPkeyGet: knob });
    const res = await fixture.client.call('GET', `${PKEYS}/0x6?guids_data=true`);
    expect([res.status, res.json()]).toEqual([status, {}]);
  });

  it.each(['0xzz', '0x0', '0x8000', '5', '%E0%A4%A'])('rejects pkey %s with 400', async (pkey) => {
    expect((await fixture.client.call('GET', `${PKEYS}/${pkey}`)).status).toBe(400);
  });
});

describe('GET /resources/pkeys (list)', () => {
  const management = { partition: 'management', ip_over_ib: true, index0: false, membership: 'limited' };

  it.each([
    [
      '?guids_data=true',
      {
        '0x5': { partition: 'api_pkey_0x5', ip_over_ib: true, guids: members },
        '0x7fff': { ...management, guids: [] },
      },
    ],
    [
      '/?qos_conf=true',
      {
        '0x5': { partition: 'api_pkey_0x5', ip_over_ib: true, qos_conf: defaultQos },
        '0x7fff': { ...management, qos_conf: defaultQos },
      },
    ],
  ])('%s is keyed by minimal lower-case pkey', async (query, expected) => {
    expect(await get(`${PKEYS}${query}`)).toEqual([200, expected]);
  });

  it('with no query answers a different shape: an array of pkeys', async () => {
    expect(await get(PKEYS)).toEqual([200, ['0x5', '0x7fff']]);
  });

  it.each([
    [true, { partition: 'api_pkey_0x5', ip_over_ib: true, qos_conf: defaultQos }],
    [false, { partition: 'api_pkey_0x5', ip_over_ib: true, guids: members, qos_conf: defaultQos }],
  ])('both flags with listBothQueryBug=%s', async (bug, expected) => {
    fixture.sim.setKnobs({ listBothQueryBug: bug });
    const [, body] = await get(`${PKEYS}/?guids_data=true&qos_conf=true`);
    expect((body as Record<string, unknown>)['0x5']).toEqual(expected);
  });

  it.each([
    [false, []],
    [true, [{ guid: 'f452140300a0b0c0', index0: false, membership: 'limited' }]],
  ])('managementPortsListed=%s decides what 0x7fff lists', async (listed, guids) => {
    fixture.sim.seedPorts(['F452140300A0B0C0']);
    fixture.sim.setKnobs({ managementPortsListed: listed });
    const [, body] = await get(`${PKEYS}/?guids_data=true`);
    expect((body as Record<string, { guids: unknown }>)['0x7fff']?.guids).toEqual(guids);
  });

  it('the deprecated GET /actions/get_all_pkeys answers like the list', async () => {
    expect(await get('/ufmRest/actions/get_all_pkeys?guids_data=true')).toEqual(await get(`${PKEYS}?guids_data=true`));
  });

  it('an emptied partition disappears from the list', async () => {
    await fixture.client.call('DELETE', `${PKEYS}/0x5/guids/${G1},${G2}`);
    expect(await get(`${PKEYS}?guids_data=true`)).toEqual([200, { '0x7fff': { ...management, guids: [] } }]);
  });
});

describe('routing and protocol edges', () => {
  it.each([
    ['unknown path', 'GET', '/ufmRest/resources/nothing', 404],
    ['outside any prefix', 'GET', '/resources/pkeys', 404],
    ['unsupported method', 'PATCH', PKEYS, 405],
    ['non-existent /pkeys/delete', 'POST', `${PKEYS}/delete`, 405],
  ])('%s answers %i with an HTML body', async (_name, method, path, status) => {
    const res = await fixture.client.call(method, path);
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(() => res.json()).toThrow();
  });

  it('the same tree is served under every prefix (auth aside)', async () => {
    const token = fixture.sim.issueToken();
    const res = await fixture.client.call('GET', `/ufmRestV3/resources/pkeys/0x5?guids_data=true`, {
      headers: { authorization: `Basic ${token}` },
    });
    expect(res.json()).toEqual((await get(`${PKEYS}/0x5?guids_data=true`))[1]);
  });

  it('answers a request line above Apache’s 8190 bytes with 414', async () => {
    const guids = Array.from({ length: 600 }, (_, i) => `0200000000${i.toString(16).padStart(6, '0')}`);
    const res = await fixture.client.call('DELETE', `${PKEYS}/0x5/guids/${guids.join(',')}`);
    expect(res.status).toBe(414);
    expect(fixture.sim.members('0x5')).toEqual([G1, G2]);
  });

  it('answers a body above the bound with 413', async () => {
    const body = JSON.stringify({ pkey: '0x6', guids: [G1], pad: 'x'.repeat(1024 * 1024) });
    expect((await fixture.client.call('POST', PKEYS, { body })).status).toBe(413);
    expect(fixture.sim.members('0x6')).toEqual([]);
  });
});

describe('hostile bodies', () => {
  it.each([
    ['a huge number as pkey', '{"pkey": 1e999, "guids": ["0200000000000001"]}', 400],
    ['an object as pkey', '{"pkey": {"toString": "0x6"}, "guids": ["0200000000000001"]}', 400],
    ['arrays in place of GUID strings', '{"pkey": "0x6", "guids": [["0200000000000001"]]}', 400],
    ['deep nesting', '['.repeat(50_000) + ']'.repeat(50_000), 400],
    ['many invalid GUIDs', JSON.stringify({ pkey: '0x6', guids: Array(20_000).fill({}) }), 400],
    ['a NUL byte', '{"pkey": "0x6\\u0000", "guids": ["0200000000000001"]}', 400],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 400],
    ['__proto__ pollution', '{"__proto__": {"polluted": true}, "pkey": "0x6", "guids": ["0200000000000001"]}', 200],
    [
      'constructor pollution',
      '{"constructor": {"prototype": {"polluted": true}}, "pkey": "0x6", "guids": ["0200000000000001"]}',
      200,
    ],
  ])('%s answers %i and the simulator keeps serving', async (_name, body, status) => {
    const res = await fixture.client.call('POST', PKEYS, { body, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(status);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(fixture.sim.members('0x6')).toEqual(status === 200 ? [G1] : []);
    expect((await fixture.client.call('GET', '/ufmRest/app/ufm_version')).status).toBe(200);
  });
});
