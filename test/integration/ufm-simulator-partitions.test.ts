/**
 * Conformance of the simulator's partition endpoints (reference §4): create an empty PKey with
 * QoS, delete a PKey, update QoS; validation of every field.
 */
import { useHttpsFixture } from './ufm-simulator-client';

const G1 = '0200000000000001';
const G2 = '0200000000000002';
const PKEYS = '/ufmRest/resources/pkeys';

const fixture = useHttpsFixture();

describe('POST /resources/pkeys/add (create empty)', () => {
  it('creates an empty partition with default QoS', async () => {
    expect((await fixture.client.call('POST', `${PKEYS}/add`, { body: { pkey: '0x10' } })).status).toBe(200);
    const res = await fixture.client.call('GET', `${PKEYS}/0x10?guids_data=true&qos_conf=true`);
    expect(res.json()).toEqual({
      partition: 'api_pkey_0x10',
      ip_over_ib: true,
      guids: [],
      qos_conf: { mtu_limit: 2, service_level: 0, rate_limit: 2.5 },
    });
  });

  it('takes QoS, ip_over_ib and partition_name', async () => {
    const body = {
      pkey: '0x11',
      mtu_limit: 4,
      service_level: 3,
      rate_limit: 10,
      ip_over_ib: false,
      partition_name: 'tenant_a',
    };
    expect((await fixture.client.call('POST', `${PKEYS}/add/`, { body })).status).toBe(200);
    const res = await fixture.client.call('GET', `${PKEYS}/0x11?qos_conf=true`);
    expect(res.json()).toEqual({
      partition: 'tenant_a',
      ip_over_ib: false,
      qos_conf: { mtu_limit: 4, service_level: 3, rate_limit: 10 },
    });
  });

  it.each([
    ['no pkey', {}],
    ['mtu 3', { pkey: '0x12', mtu_limit: 3 }],
    ['service level 16', { pkey: '0x12', service_level: 16 }],
    ['service level a string', { pkey: '0x12', service_level: '1' }],
    ['rate 7', { pkey: '0x12', rate_limit: 7 }],
    ['huge rate', { pkey: '0x12', rate_limit: 1e308 }],
    ['partition name with a space', { pkey: '0x12', partition_name: 'a b' }],
    ['management pkey', { pkey: '0x7fff' }],
  ])('rejects %s with 400', async (_name, body) => {
    expect((await fixture.client.call('POST', `${PKEYS}/add`, { body })).status).toBe(400);
    expect(fixture.sim.snapshot()).toEqual({});
  });
});

describe('DELETE /resources/pkeys/<pkey> and PUT /resources/pkeys/qos_conf', () => {
  it('deletes a partition with its members', async () => {
    fixture.sim.seed('0x5', [G1, G2]);
    expect((await fixture.client.call('DELETE', `${PKEYS}/0x0005`)).status).toBe(200);
    expect(fixture.sim.snapshot()).toEqual({});
  });

  it.each([
    ['0x7fff', 400],
    ['0x0', 400],
    ['0x5', 404],
  ])('DELETE of pkey %s with nothing there answers %i', async (pkey, status) => {
    expect((await fixture.client.call('DELETE', `${PKEYS}/${pkey}`)).status).toBe(status);
  });

  it('DELETE of an unknown pkey answers 200 under unknownPkeyRemove=200 (older UFM)', async () => {
    fixture.sim.setKnobs({ unknownPkeyRemove: '200' });
    expect((await fixture.client.call('DELETE', `${PKEYS}/0x5`)).status).toBe(200);
  });

  it.each(['PUT', 'POST'])('updates QoS with %s', async (method) => {
    fixture.sim.seed('0x5', [G1]);
    const body = { pkey: '0x5', mtu_limit: 4, service_level: 15, rate_limit: 300 };
    expect((await fixture.client.call(method, `${PKEYS}/qos_conf`, { body })).status).toBe(200);
    const res = await fixture.client.call('GET', `${PKEYS}/0x5?qos_conf=true`);
    expect((res.json() as { qos_conf: unknown }).qos_conf).toEqual({
      mtu_limit: 4,
      service_level: 15,
      rate_limit: 300,
    });
  });

  it.each([
    ['unknown pkey', { pkey: '0x6', mtu_limit: 4 }, 404],
    ['bad mtu', { pkey: '0x5', mtu_limit: 1 }, 400],
    ['management pkey', { pkey: '0x7fff', mtu_limit: 4 }, 400],
  ])('QoS update with %s answers %i', async (_name, body, status) => {
    fixture.sim.seed('0x5', [G1]);
    expect((await fixture.client.call('PUT', `${PKEYS}/qos_conf`, { body })).status).toBe(status);
  });
});
