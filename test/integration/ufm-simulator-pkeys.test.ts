/**
 * Conformance of the simulator's GUID membership endpoints (reference §3.2, §3.3, §4): add, set
 * and remove in both forms; normalisation and validation of input.
 */
import { useHttpsFixture } from './ufm-simulator-client';

const G1 = '0200000000000001';
const G2 = '0200000000000002';
const G3 = '0200000000000003';
const PKEYS = '/ufmRest/resources/pkeys';

const fixture = useHttpsFixture();

const add = (body: unknown, path = PKEYS) => fixture.client.call('POST', path, { body });

describe('POST /resources/pkeys (add GUIDs)', () => {
  it('accepts upstream’s exact body, auto-creates api_pkey_0x… and answers 200 {}', async () => {
    const body = { pkey: '0x00AB', index0: true, ip_over_ib: true, membership: 'full', guids: [G1, G2] };
    const res = await add(body);
    expect([res.status, res.json()]).toEqual([200, {}]);
    expect(fixture.sim.snapshot()).toEqual({
      '0xab': {
        partition: 'api_pkey_0xab',
        guids: [
          { guid: G1, membership: 'full', index0: true },
          { guid: G2, membership: 'full', index0: true },
        ],
      },
    });
  });

  it.each([
    ['no trailing slash, plain type', PKEYS, 'application/json'],
    ['trailing slash, charset', `${PKEYS}/`, 'application/json; charset=utf-8'],
    ['odd case', `${PKEYS}/`, 'Application/JSON;Charset=UTF-8'],
  ])('accepts %s', async (_name, path, type) => {
    const res = await fixture.client.call('POST', path, {
      body: { pkey: '0x5', guids: [G1] },
      headers: { 'content-type': type },
    });
    expect(res.status).toBe(200);
    expect(fixture.sim.members('0x5')).toEqual([G1]);
  });

  it.each([
    ['0x00AB', '0xab'],
    ['0xAB', '0xab'],
    ['0X0005', '0x5'],
    ['0x1', '0x1'],
    ['0x7ffe', '0x7ffe'],
  ])('normalises pkey %s to %s', async (pkey, canonical) => {
    expect((await add({ pkey, guids: [G1] })).status).toBe(200);
    expect(Object.keys(fixture.sim.snapshot())).toEqual([canonical]);
  });

  it.each([
    ['0x0200000000000001', G1],
    ['02000000000000AB', '02000000000000ab'],
    ['0X02000000000000aB', '02000000000000ab'],
  ])('normalises GUID %s to %s', async (guid, canonical) => {
    expect((await add({ pkey: '0x5', guids: [guid] })).status).toBe(200);
    expect(fixture.sim.members('0x5')).toEqual([canonical]);
  });

  it.each([
    ['pkey missing', { guids: [G1] }],
    ['pkey a number', { pkey: 5, guids: [G1] }],
    ['pkey without 0x', { pkey: '5', guids: [G1] }],
    ['pkey 0x0', { pkey: '0x0', guids: [G1] }],
    ['pkey 0x7fff (management)', { pkey: '0x7fff', guids: [G1] }],
    ['pkey with the full-membership bit', { pkey: '0x8005', guids: [G1] }],
    ['pkey not hex', { pkey: '0xzz', guids: [G1] }],
    ['pkey an array', { pkey: ['0x5'], guids: [G1] }],
    ['guids missing', { pkey: '0x5' }],
    ['guids empty', { pkey: '0x5', guids: [] }],
    ['guids a string', { pkey: '0x5', guids: G1 }],
    ['guid a number', { pkey: '0x5', guids: [1] }],
    ['guid in colon form', { pkey: '0x5', guids: ['02:00:00:00:00:00:00:01'] }],
    ['guid of 15 digits', { pkey: '0x5', guids: ['020000000000001'] }],
    ['guid of 17 digits', { pkey: '0x5', guids: ['02000000000000001'] }],
    ['membership unknown', { pkey: '0x5', guids: [G1], membership: 'admin' }],
    ['index0 a string', { pkey: '0x5', guids: [G1], index0: 'true' }],
    ['ip_over_ib a number', { pkey: '0x5', guids: [G1], ip_over_ib: 1 }],
    ['body an array', [{ pkey: '0x5', guids: [G1] }]],
    ['body null', null],
    ['body a string', '"0x5"'],
    ['body not JSON', '{pkey: 0x5}'],
    ['body empty', ''],
  ])('rejects %s with 400 and changes nothing', async (_name, body) => {
    const res = await fixture.client.call('POST', PKEYS, { body, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(fixture.sim.snapshot()).toEqual({});
  });

  it.each([
    ['memberships too short', { pkey: '0x5', guids: [G1, G2], memberships: ['full'] }],
    ['memberships value unknown', { pkey: '0x5', guids: [G1], memberships: ['owner'] }],
  ])('with postMemberships=honour, rejects %s with 400', async (_name, body) => {
    fixture.sim.setKnobs({ postMemberships: 'honour' });
    const res = await fixture.client.call('POST', PKEYS, { body, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(fixture.sim.snapshot()).toEqual({});
  });

  it('rejects a non-JSON content type with 415', async () => {
    const res = await fixture.client.call('POST', PKEYS, {
      body: 'pkey=0x5',
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(415);
  });

  it('re-adding a member is idempotent and overwrites membership and index0', async () => {
    await add({ pkey: '0x5', guids: [G1, G2], membership: 'full', index0: true });
    expect((await add({ pkey: '0x0005', guids: ['0x' + G1.toUpperCase()], membership: 'limited' })).status).toBe(200);
    expect(fixture.sim.snapshot()['0x5']?.guids).toEqual([
      { guid: G1, membership: 'limited', index0: false },
      { guid: G2, membership: 'full', index0: true },
    ]);
  });

  it.each([
    ['honour', ['limited', 'full']],
    ['ignore', ['full', 'full']],
  ] as const)('per-GUID memberships on POST with postMemberships=%s', async (knob, expected) => {
    fixture.sim.setKnobs({ postMemberships: knob });
    await add({ pkey: '0x5', guids: [G1, G2], memberships: ['limited', 'full'] });
    expect(fixture.sim.snapshot()['0x5']?.guids.map((g) => g.membership)).toEqual(expected);
  });

  it.each([
    ['accept', undefined, 200],
    ['reject', undefined, 404],
    ['reject', [G1], 200],
  ] as const)('unknownGuid=%s with fabric ports %j answers %i', async (knob, ports, status) => {
    fixture.sim.setKnobs({ unknownGuid: knob });
    if (ports) fixture.sim.seedPorts([...ports]);
    expect((await add({ pkey: '0x5', guids: [G1] })).status).toBe(status);
    expect(fixture.sim.members('0x5')).toEqual(status === 200 ? [G1] : []);
  });

  it('serialises concurrent adds: every GUID lands exactly once', async () => {
    const guids = Array.from({ length: 40 }, (_, i) => `02000000000001${i.toString(16).padStart(2, '0')}`);
    const replies = await Promise.all(guids.map((g) => add({ pkey: '0x9', guids: [g, G1] })));
    expect(replies.every((r) => r.status === 200)).toBe(true);
    expect(fixture.sim.members('0x9')).toEqual([G1, ...guids].sort());
  });

  it('the deprecated POST /actions/add_guids_to_pkey reads default_membership', async () => {
    const res = await add(
      { pkey: '0x5', guids: [G1], default_membership: 'limited' },
      '/ufmRest/actions/add_guids_to_pkey',
    );
    expect(res.status).toBe(200);
    expect(fixture.sim.snapshot()['0x5']?.guids).toEqual([{ guid: G1, membership: 'limited', index0: false }]);
  });
});

describe('PUT /resources/pkeys (set GUIDs exactly)', () => {
  it('replaces the member list, honours memberships, and creates a missing PKey', async () => {
    fixture.sim.seed('0x5', [G1, G2]);
    const res = await fixture.client.call('PUT', PKEYS, {
      body: { pkey: '0x5', guids: [G2, G3], memberships: ['limited', 'full'] },
    });
    expect(res.status).toBe(200);
    expect(fixture.sim.snapshot()['0x5']?.guids).toEqual([
      { guid: G2, membership: 'limited', index0: false },
      { guid: G3, membership: 'full', index0: false },
    ]);
    expect((await fixture.client.call('PUT', `${PKEYS}/`, { body: { pkey: '0x6', guids: [G1] } })).status).toBe(200);
    expect(fixture.sim.members('0x6')).toEqual([G1]);
  });

  it.each([
    ['empty guids', { pkey: '0x5', guids: [] }],
    ['management pkey', { pkey: '0x7fff', guids: [G1] }],
    ['colon GUID', { pkey: '0x5', guids: ['02:00:00:00:00:00:00:01'] }],
  ])('rejects %s with 400', async (_name, body) => {
    fixture.sim.seed('0x5', [G1]);
    expect((await fixture.client.call('PUT', PKEYS, { body })).status).toBe(400);
    expect(fixture.sim.members('0x5')).toEqual([G1]);
  });
});

const removeForms = [
  [
    'POST /actions/remove_guids_from_pkey',
    (pkey: string, guids: string[]) =>
      fixture.client.call('POST', '/ufmRest/actions/remove_guids_from_pkey', { body: { pkey, guids } }),
  ],
  [
    'DELETE /resources/pkeys/<pkey>/guids/<csv>',
    (pkey: string, guids: string[]) => fixture.client.call('DELETE', `${PKEYS}/${pkey}/guids/${guids.join(',')}`),
  ],
] as const;

describe.each(removeForms)('remove GUIDs with %s', (_name, remove) => {
  it('removes members, case-insensitively and with 0x', async () => {
    fixture.sim.seed('0x5', [G1, G2, G3]);
    expect((await remove('0x0005', ['0x' + G1, G2.toUpperCase()])).status).toBe(200);
    expect(fixture.sim.members('0x5')).toEqual([G3]);
  });

  it('treats a non-member as a 200 no-op', async () => {
    fixture.sim.seed('0x5', [G1]);
    expect((await remove('0x5', [G2])).status).toBe(200);
    expect(fixture.sim.members('0x5')).toEqual([G1]);
  });

  it('deletes the partition when its last member goes', async () => {
    fixture.sim.seed('0x5', [G1]);
    fixture.sim.seed('0x6', [G1]);
    expect((await remove('0x5', [G1])).status).toBe(200);
    expect(Object.keys(fixture.sim.snapshot())).toEqual(['0x6']);
  });

  it.each([
    ['200', 200],
    ['404', 404],
  ] as const)('answers an unknown pkey per unknownPkeyRemove=%s', async (knob, status) => {
    fixture.sim.setKnobs({ unknownPkeyRemove: knob });
    expect((await remove('0x5', [G1])).status).toBe(status);
  });

  it.each([
    ['management pkey', '0x7fff', [G1]],
    ['out-of-range pkey', '0x8000', [G1]],
    ['malformed GUID', '0x5', ['zz00000000000001']],
    ['colon GUID', '0x5', ['02:00:00:00:00:00:00:01']],
  ])('rejects a %s with 400', async (_name, pkey, guids) => {
    fixture.sim.seed('0x5', [G1]);
    expect((await remove(pkey, guids)).status).toBe(400);
    expect(fixture.sim.members('0x5')).toEqual([G1]);
  });
});

describe('a UFM without DELETE /resources/pkeys/<pkey>/guids/<csv>', () => {
  it('answers 405 and keeps the members under deleteGuidsRoute=405, while the action route works', async () => {
    fixture.sim.seed('0x5', [G1, G2]);
    fixture.sim.setKnobs({ deleteGuidsRoute: '405' });
    const [, byDelete] = removeForms[1];
    const [, byAction] = removeForms[0];
    expect((await byDelete('0x5', [G1])).status).toBe(405);
    expect(fixture.sim.members('0x5')).toEqual([G1, G2]);
    expect((await byAction('0x5', [G1])).status).toBe(200);
    expect(fixture.sim.members('0x5')).toEqual([G2]);
  });
});
