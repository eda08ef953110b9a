/**
 * How the ufm plugin confirms changes and copes with the UFM versions in the field (issue 10): an
 * HTML page never confirms an add or a removal, a UFM without the DELETE route is served through
 * upstream's action route, large adds are chunked, `index0` follows the configuration, and the
 * limited partition is joined only when it exists. Runs once per UFM profile.
 */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseUfmConfig } from '../../domain/config';
import { UfmPlugin } from '../../plugins/ufm';
import { generateCaSignedCert, startUfmSimulator, type UfmSimulator } from '../../ufm-simulator';
import { colon, hex, UFM_PROFILES, useUfmPluginFixture, type Line } from './ufm-plugin-fixture';

const DELETE_ROUTE = 'DELETE /resources/pkeys/:pkey/guids/:guids';
const ACTION_ROUTE = 'POST /actions/remove_guids_from_pkey';
const ADD_ROUTE = 'POST /resources/pkeys';

describe.each(UFM_PROFILES)('%s', (_profile, knobs) => {
  const f = useUfmPluginFixture(knobs);

  describe('a change is confirmed only by a real success', () => {
    it.each([
      ['an add (POST)', 'POST', '/resources/pkeys'],
      ['a removal (DELETE)', 'DELETE', '/resources/pkeys/*/guids/*'],
    ])('an HTML page with status 200 in answer to %s is a retryable bad-response', async (_what, method, path) => {
      f.sim.seed('0x5', [hex(1)]);
      f.sim.addFault({ kind: 'html-200', method, path });
      const plugin = f.plugin();
      const call = method === 'POST' ? plugin.addGuidsToPKey(5, [colon(2)]) : plugin.removeGuidsFromPKey(5, [colon(1)]);
      const error = await f.failure(() => call);
      expect(error).toMatchObject({ code: 'bad-response', retryable: true, status: 200 });
      // Nothing changed, and the plugin did not claim otherwise.
      expect(f.sim.members('0x5')).toEqual([hex(1)]);
    });
  });

  describe('removal on a UFM without DELETE …/guids/<csv>', () => {
    it('falls back to upstream’s action route on 405, and remembers it', async () => {
      f.sim.setKnobs({ deleteGuidsRoute: '405' });
      f.sim.seed('0x5', [hex(1), hex(2), hex(3)]);
      const sink: Line[] = [];
      const plugin = f.plugin({}, sink);
      await plugin.removeGuidsFromPKey(5, [colon(1)]);
      await plugin.removeGuidsFromPKey(5, [colon(2)]);
      expect(f.sim.members('0x5')).toEqual([hex(3)]);
      expect(f.sim.counters()[DELETE_ROUTE]).toBe(1);
      expect(f.sim.counters()[ACTION_ROUTE]).toBe(2);
      const action = f.sim.requestLog().find((e) => e.path === '/ufmRest/actions/remove_guids_from_pkey');
      expect(action?.body).toEqual({ pkey: '0x0005', guids: [hex(1)] });
      expect(sink.filter((l) => l.level === 'warn' && /action route/.test(l.message))).toHaveLength(1);
    });

    it('falls back on 404 while the GUIDs are still members', async () => {
      f.sim.seed('0x5', [hex(1), hex(2)]);
      f.sim.addFault({ kind: 'status', status: 404, method: 'DELETE', path: '/resources/pkeys/*/guids/*' });
      await f.plugin().removeGuidsFromPKey(5, [colon(1)]);
      expect(f.sim.members('0x5')).toEqual([hex(2)]);
      expect(f.sim.counters()[ACTION_ROUTE]).toBe(1);
    });

    it('sends the rest of a chunked removal through the action route', async () => {
      f.sim.setKnobs({ deleteGuidsRoute: '405' });
      const all = Array.from({ length: 450 }, (_, i) => i + 1);
      f.sim.seed('0x6', [...all.map(hex), hex(999)]);
      await f.plugin().removeGuidsFromPKey(6, all.map(colon));
      expect(f.sim.members('0x6')).toEqual([hex(999)]);
      expect(f.sim.counters()[ACTION_ROUTE]).toBe(1);
    });
  });

  describe('adds', () => {
    it('a 10k-GUID add is chunked so no body exceeds a limit', async () => {
      const all = Array.from({ length: 2500 }, (_, i) => i + 1);
      f.sim.setKnobs({ maxBodyBytes: 32 * 1024 });
      await f.plugin().addGuidsToPKey(0x2fb, all.map(colon));
      expect(f.sim.members('0x2fb')).toHaveLength(2500);
      expect(f.sim.counters()[ADD_ROUTE]).toBe(3);
    });

    it.each([
      [true, undefined],
      [false, false],
    ])('index0 of the primary join is %s (ENABLE_INDEX0_FOR_PRIMARY_PKEY)', async (index0, setting) => {
      await f
        .plugin({}, undefined, setting === undefined ? {} : { index0ForPrimary: setting })
        .addGuidsToPKey(5, [colon(1)]);
      expect(f.sim.snapshot()['0x5']?.guids).toEqual([{ guid: hex(1), membership: 'full', index0 }]);
    });
  });

  describe('the limited partition (DEFAULT_LIMITED_PARTITION)', () => {
    it('joins an existing partition as a limited member without index0, and leaves it on removal', async () => {
      f.sim.seed('0x7ff', [hex(0x900)]); // the storage servers, full members
      const plugin = f.plugin();
      await plugin.addGuidsToLimitedPKey(0x7ff, [colon(1), colon(2)]);
      const post = f.sim.requestLog().find((e) => e.method === 'POST');
      expect(post?.body).toEqual({
        pkey: '0x07FF',
        index0: false,
        ip_over_ib: true,
        membership: 'limited',
        guids: [hex(1), hex(2)],
      });
      expect(f.sim.snapshot()['0x7ff']?.guids).toEqual([
        { guid: hex(1), membership: 'limited', index0: false },
        { guid: hex(2), membership: 'limited', index0: false },
        expect.objectContaining({ guid: hex(0x900), membership: 'full' }),
      ]);
      await plugin.removeGuidsFromPKey(0x7ff, [colon(1), colon(2)]);
      expect(f.sim.members('0x7ff')).toEqual([hex(0x900)]);
    });

    it('never creates a missing partition: a clear, retryable not-found', async () => {
      const error = await f.failure(() => f.plugin().addGuidsToLimitedPKey(0x7ff, [colon(1)]));
      expect(error).toMatchObject({ code: 'not-found', retryable: true, operation: 'addGuidsToLimitedPKey' });
      expect(error.message).toMatch(/0x07FF \(DEFAULT_LIMITED_PARTITION\) does not exist/);
      expect(f.sim.snapshot()).toEqual({});
      expect(f.sim.counters()[ADD_ROUTE]).toBeUndefined();
    });
  });
});

describe('UFM_CERTIFICATE: the UFM server certificate issued by an organisation CA', () => {
  const issued = generateCaSignedCert();
  const elsewhere = generateCaSignedCert({ hosts: ['ufm.example.com'] });
  let sim: UfmSimulator;
  let misnamed: UfmSimulator;
  const plugins: UfmPlugin[] = [];
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  const connect = (server: UfmSimulator, pem: string) => {
    const env = { UFM_USERNAME: 'admin', UFM_PASSWORD: 'pw', UFM_ADDRESS: '127.0.0.1', UFM_PORT: String(server.port) };
    const plugin = new UfmPlugin(parseUfmConfig({ ...env, UFM_CERTIFICATE: pem }), { logger: quiet });
    plugins.push(plugin);
    return plugin;
  };
  beforeAll(async () => {
    sim = await startUfmSimulator({ tls: issued, username: 'admin', password: 'pw' });
    misnamed = await startUfmSimulator({ tls: elsewhere, username: 'admin', password: 'pw' });
  });
  afterAll(async () => {
    await Promise.all(plugins.map((p) => p.close()));
    await Promise.all([sim.close(), misnamed.close()]);
    for (const c of [issued, elsewhere]) rmSync(dirname(c.certPath), { recursive: true, force: true });
  });

  it('connects with the pinned server certificate (partial-chain trust), verification on', async () => {
    await expect(connect(sim, issued.cert).validate()).resolves.toBeUndefined();
  });

  it('connects with the issuing CA', async () => {
    await expect(connect(sim, issued.caCert).validate()).resolves.toBeUndefined();
  });

  it('refuses another CA and another pinned certificate', async () => {
    await expect(connect(sim, elsewhere.caCert).validate()).rejects.toMatchObject({ code: 'tls' });
    await expect(connect(sim, elsewhere.cert).validate()).rejects.toMatchObject({ code: 'tls' });
  });

  it('still checks the host name of a pinned certificate', async () => {
    // The right certificate, pinned, but issued for ufm.example.com while we dial 127.0.0.1.
    await expect(connect(misnamed, elsewhere.cert).validate()).rejects.toMatchObject({ code: 'tls' });
    await expect(connect(misnamed, elsewhere.caCert).validate()).rejects.toMatchObject({ code: 'tls' });
  });
});
