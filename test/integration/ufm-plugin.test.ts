/**
 * The ufm plugin against the UFM simulator over verified HTTPS: every endpoint, idempotency,
 * chunked removal, defensive listing, the error classification for each injected fault, and no
 * password in any log line or error. Runs once per UFM profile (how unknown PKeys are answered).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../../domain/errors';
import type { SubnetManagerErrorCode } from '../../plugins/types';
import { startUfmSimulator, type UfmSimulator } from '../../ufm-simulator';
import {
  BASIC,
  colon,
  hex,
  PASSWORD,
  TIMEOUT_MS,
  UFM_PROFILES,
  useUfmPluginFixture,
  type Line,
} from './ufm-plugin-fixture';

describe.each(UFM_PROFILES)('%s', (_profile, knobs) => {
  const f = useUfmPluginFixture(knobs);

  describe('happy paths over verified HTTPS', () => {
    it('validate reads the version, with verification on and said so', async () => {
      const sink: Line[] = [];
      await f.plugin({}, sink).validate();
      expect(sink).toContainEqual(expect.objectContaining({ level: 'info', message: 'UFM is reachable' }));
      expect(sink.some((l) => /verification is on/.test(l.message))).toBe(true);
      expect(sink.some((l) => l.level === 'warn')).toBe(false);
    });

    it('add sends upstream’s exact body and the GUIDs become full members', async () => {
      await f.plugin().addGuidsToPKey(5, [colon(2), colon(1), colon(1)]);
      expect(f.sim.members('0x5')).toEqual([hex(1), hex(2)]);
      const post = f.sim.requestLog().find((e) => e.method === 'POST');
      expect(post?.path).toBe('/ufmRest/resources/pkeys');
      expect(post?.authVariant).toBe('basic');
      expect(JSON.stringify(post?.body)).toBe(
        `{"pkey":"0x0005","index0":true,"ip_over_ib":true,"membership":"full","guids":["${hex(2)}","${hex(1)}"]}`,
      );
      expect(f.sim.snapshot()['0x5']?.guids.every((g) => g.membership === 'full' && g.index0)).toBe(true);
    });

    it('re-adding members is idempotent; an empty add sends nothing', async () => {
      const p = f.plugin();
      await p.addGuidsToPKey(0x2fb, [colon(1)]);
      await p.addGuidsToPKey(0x2fb, [colon(1)]);
      await p.addGuidsToPKey(0x2fb, []);
      expect(f.sim.members('0x2fb')).toEqual([hex(1)]);
      expect(f.sim.counters()['POST /resources/pkeys']).toBe(2);
    });

    it('remove takes members out and ignores non-members', async () => {
      f.sim.seed('0x5', [hex(1), hex(2), hex(3)]);
      await f.plugin().removeGuidsFromPKey(5, [colon(1), colon(3), colon(99)]);
      expect(f.sim.members('0x5')).toEqual([hex(2)]);
      // PKeys in paths are minimal lower case, as UFM writes them; bodies keep upstream's 0x%04X.
      expect(f.sim.requestLog().at(-1)?.path).toBe(`/ufmRest/resources/pkeys/0x5/guids/${hex(1)},${hex(3)},${hex(99)}`);
    });

    it('remove chunks more than 200 GUIDs into several calls', async () => {
      const all = Array.from({ length: 450 }, (_, i) => i + 1);
      f.sim.seed('0x6', all.map(hex));
      await f.plugin().removeGuidsFromPKey(6, all.map(colon));
      expect(f.sim.members('0x6')).toEqual([]);
      expect(f.sim.counters()['DELETE /resources/pkeys/:pkey/guids/:guids']).toBe(3);
    });

    it.each<[string, Record<string, string>]>([
      ['200 for an unknown pkey', { unknownPkeyRemove: '200' }],
      ['404, confirmed by a 200 {} read', { unknownPkeyRemove: '404', unknownPkeyGet: '200-empty' }],
      ['404, confirmed by a 404 read', { unknownPkeyRemove: '404', unknownPkeyGet: '404' }],
    ])('removing from a partition that is gone succeeds: %s', async (_name, knobs) => {
      f.sim.setKnobs(knobs as Parameters<UfmSimulator['setKnobs']>[0]);
      await expect(f.plugin().removeGuidsFromPKey(0x77, [colon(1)])).resolves.toBeUndefined();
    });

    it('list returns canonical members per partition; management ports under 0x7fff', async () => {
      f.sim.setKnobs({ managementPortsListed: true });
      f.sim.seedPorts([hex(50)]);
      f.sim.seed('0x5', [hex(2), hex(1)]);
      f.sim.seed('0x2fb', [hex(1)]);
      f.sim.seed('0x6', []);
      expect(await f.plugin().listGuidsInUse()).toEqual({
        '0x5': [colon(1), colon(2)],
        '0x6': [],
        '0x2fb': [colon(1)],
        '0x7fff': [colon(50)],
      });
    });
  });

  describe('failures are classified', () => {
    it.each<[string, Parameters<UfmSimulator['addFault']>[0], SubnetManagerErrorCode, boolean]>([
      ['503 page', { kind: 'status', status: 503 }, 'http-5xx', true],
      ['500 page', { kind: 'status', status: 500 }, 'http-5xx', true],
      ['429', { kind: 'status', status: 429 }, 'http-429', true],
      ['400', { kind: 'status', status: 400 }, 'bad-request', false],
      ['401 fault', { kind: 'unauthorized' }, 'unauthorized', false],
      ['HTML page with status 200', { kind: 'html-200' }, 'bad-response', true],
      ['truncated JSON', { kind: 'malformed-json' }, 'bad-response', true],
      ['connection reset', { kind: 'reset' }, 'network', true],
      ['server down', { kind: 'down' }, 'network', true],
    ])('%s → %s', async (_name, rule, code, retryable) => {
      f.sim.addFault({ ...rule, method: 'GET', path: '/resources/pkeys' });
      const error = await f.failure(() => f.plugin().listGuidsInUse());
      expect(error).toMatchObject({ code, retryable, operation: 'listGuidsInUse' });
    });

    it('wrong password → unauthorized, not retryable', async () => {
      const error = await f.failure(() => f.plugin({ UFM_PASSWORD: 'wrong-password' }).validate());
      expect(error).toMatchObject({ code: 'unauthorized', retryable: false, status: 401 });
    });

    it('a password changed at runtime surfaces as unauthorized', async () => {
      const p = f.plugin();
      await p.validate();
      f.sim.setPassword('rotated');
      expect(await f.failure(() => p.addGuidsToPKey(5, [colon(1)]))).toMatchObject({ code: 'unauthorized' });
    });

    it('a 5xx after applying is retryable, and the retry is harmless', async () => {
      f.sim.addFault({ kind: 'apply-then-fail', status: 500, method: 'POST', times: 1 });
      const p = f.plugin();
      expect(await f.failure(() => p.addGuidsToPKey(5, [colon(1)]))).toMatchObject({
        code: 'http-5xx',
        retryable: true,
      });
      await p.addGuidsToPKey(5, [colon(1)]);
      expect(f.sim.members('0x5')).toEqual([hex(1)]);
    });

    it('a hang ends as a timeout within the configured deadline', async () => {
      f.sim.addFault({ kind: 'hang', method: 'POST' });
      const started = performance.now();
      const error = await f.failure(() => f.plugin().addGuidsToPKey(5, [colon(1)]));
      const elapsed = performance.now() - started;
      expect(error).toMatchObject({ code: 'timeout', retryable: true });
      expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
      expect(elapsed).toBeLessThan(TIMEOUT_MS + 1000);
    });

    it('the caller’s abort signal cancels a hanging request', async () => {
      f.sim.addFault({ kind: 'hang' });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      const error = await f.failure(() => f.plugin().validate({ signal: controller.signal }));
      expect(error).toMatchObject({ code: 'canceled', retryable: false });
    });

    it('a certificate that is not UFM’s → tls, not retryable', async () => {
      const error = await f.failure(() => f.plugin({ UFM_CERTIFICATE: f.otherCert.cert }).validate());
      expect(error).toMatchObject({ code: 'tls', retryable: false });
      expect(f.sim.requestLog()).toEqual([]);
    });

    it('nobody listening → network', async () => {
      const closed = await startUfmSimulator({ tls: f.cert });
      const port = closed.port;
      await closed.close();
      expect(await f.failure(() => f.plugin({ UFM_PORT: String(port) }).validate())).toMatchObject({ code: 'network' });
    });

    it('a listing over the size cap → response-too-large', async () => {
      f.sim.seed(
        '0x5',
        Array.from({ length: 50 }, (_, i) => hex(i + 1)),
      );
      const error = await f.failure(() => f.plugin({}, undefined, { maxResponseBytes: 512 }).listGuidsInUse());
      expect(error).toMatchObject({ code: 'response-too-large', retryable: false });
    });

    it.each<[string, number, string[]]>([
      ['PKey 0', 0, []],
      ['PKey 0x7fff', 0x7fff, []],
      ['bad GUID', 5, ['02:00']],
    ])('invalid input (%s) fails before any request', async (_name, pkey, guids) => {
      expect(await f.failure(() => f.plugin().addGuidsToPKey(pkey, guids))).toMatchObject({ code: 'invalid-input' });
      expect(f.sim.requestLog()).toEqual([]);
    });
  });

  describe('TLS set-up', () => {
    it('without UFM_CERTIFICATE it works unverified and says so once, loudly', async () => {
      const sink: Line[] = [];
      const p = f.plugin({ UFM_CERTIFICATE: undefined }, sink);
      await p.validate();
      await p.listGuidsInUse();
      const warnings = sink.filter((l) => l.level === 'warn');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.message).toMatch(/verification is OFF/);
    });

    it('a PEM that does not parse stops the start', () => {
      const broken = f.cert.cert.replace(/\n[A-Za-z0-9+/]{20}/, '\n!!!!');
      const garbled = f.cert.cert.replace(/(-----BEGIN CERTIFICATE-----\n)[A-Za-z0-9+/]{8}/, '$1AAAAAAAA');
      for (const pem of [broken, garbled]) {
        expect(() => f.plugin({ UFM_CERTIFICATE: pem })).toThrow(ConfigError);
      }
    });

    it('reaches an IPv6 literal address', async () => {
      const v6 = await startUfmSimulator({ tls: f.cert, host: '::1', username: 'admin', password: PASSWORD });
      try {
        await f.plugin({ UFM_ADDRESS: '::1', UFM_PORT: String(v6.port) }).validate();
        expect(v6.requestLog()).toHaveLength(1);
      } finally {
        await v6.close();
      }
    });
  });

  describe('a UFM with odd answers (raw server)', () => {
    let raw: Server;
    let answer: { status: number; headers?: Record<string, string>; body: string } = { status: 200, body: '' };
    const rawPlugin = (sink?: Line[]) =>
      f.plugin(
        {
          UFM_HTTP_SCHEMA: 'http',
          UFM_PORT: String((raw.address() as AddressInfo).port),
          UFM_CERTIFICATE: undefined,
        },
        sink,
      );
    beforeAll(async () => {
      raw = createServer((_req, res) => res.writeHead(answer.status, answer.headers).end(answer.body));
      await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    });
    afterAll(() => new Promise<void>((resolve) => raw.close(() => resolve())));

    it('parses a listing by numeric key and skips malformed entries, reporting them', async () => {
      answer = {
        status: 200,
        body: JSON.stringify({
          '0x0005': { guids: [{ guid: hex(1).toUpperCase() }, { guid: 'not-a-guid' }] },
          '0X5': { guids: [{ guid: hex(2) }] },
          '0x7FFF': { guids: [{ guid: hex(9) }] },
          '0x02FB': {},
          bogus: { guids: [] },
        }),
      };
      const sink: Line[] = [];
      expect(await rawPlugin(sink).listGuidsInUse()).toEqual({
        '0x5': [colon(1), colon(2)],
        '0x2fb': [],
        '0x7fff': [colon(9)],
      });
      expect(sink).toContainEqual(
        expect.objectContaining({ level: 'warn', fields: expect.objectContaining({ count: 2 }) }),
      );
      expect(sink.some((l) => l.level === 'warn' && /plain HTTP/.test(l.message))).toBe(true);
    });

    it('accepts 201 with an empty body as success', async () => {
      answer = { status: 201, body: '' };
      await expect(rawPlugin().addGuidsToPKey(5, [colon(1)])).resolves.toBeUndefined();
    });

    it('does not follow a redirect: to a login page it is unauthorized, elsewhere bad-response', async () => {
      answer = { status: 302, headers: { location: 'https://sso.example.com/login' }, body: '' };
      expect(await f.failure(() => rawPlugin().validate())).toMatchObject({ code: 'unauthorized', status: 302 });
      answer = { status: 307, headers: { location: 'https://ufm-b.example.com/ufmRest/app/ufm_version' }, body: '' };
      expect(await f.failure(() => rawPlugin().validate())).toMatchObject({ code: 'bad-response', status: 307 });
    });

    it.each([204, 202])('accepts %d with an empty body as a confirmed change', async (status) => {
      answer = { status, body: '' };
      await expect(rawPlugin().removeGuidsFromPKey(5, [colon(1)])).resolves.toBeUndefined();
    });

    it('passes Retry-After of a 429 on', async () => {
      answer = { status: 429, headers: { 'retry-after': '7' }, body: 'slow down' };
      const error = await f.failure(() => rawPlugin().listGuidsInUse());
      expect(error).toMatchObject({ code: 'http-429', retryable: true, retryAfterMs: 7000 });
      expect(error.message).toContain('slow down');
    });

    it('a version body that is not an object: bad-response', async () => {
      answer = { status: 200, body: '["6.19"]' };
      expect(await f.failure(() => rawPlugin().validate())).toMatchObject({ code: 'bad-response' });
    });
  });

  describe('the password never leaks', () => {
    it('is in no log line, error, or rendering of the plugin', () => {
      f.plugin();
      expect(f.errorCount).toBeGreaterThan(15);
      expect(f.rendered()).not.toContain(PASSWORD);
      expect(f.rendered()).not.toContain(BASIC);
    });
  });
});
