/**
 * The ufm plugin against the UFM simulator over verified HTTPS: every endpoint, idempotency,
 * chunked removal, defensive listing, the error classification for each injected fault, and no
 * password in any log line or error.
 */
import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { inspect } from 'node:util';
import { parseUfmConfig } from '../../domain/config';
import { ConfigError } from '../../domain/errors';
import { SubnetManagerError, type PluginLogger, type SubnetManagerErrorCode } from '../../plugins/types';
import { UfmPlugin } from '../../plugins/ufm';
import { generateSelfSignedCert, startUfmSimulator, type GeneratedCert, type UfmSimulator } from '../../ufm-simulator';

const PASSWORD = 'Integration-Pa55word-7f3a9c';
const BASIC = Buffer.from(`admin:${PASSWORD}`).toString('base64');
const TIMEOUT_MS = 500;
const hex = (n: number) => (0x0200000000000000n + BigInt(n)).toString(16).padStart(16, '0');
const colon = (n: number) => hex(n).replace(/(..)(?!$)/g, '$1:');

interface Line {
  level: string;
  message: string;
  fields?: Record<string, unknown>;
}

let sim: UfmSimulator;
let cert: GeneratedCert;
let otherCert: GeneratedCert;
const lines: Line[] = [];
const errors: unknown[] = [];
const plugins: UfmPlugin[] = [];

/** Records into `sink` and into `lines`, which the leak check reads at the end. */
function logger(sink?: Line[]): PluginLogger {
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    const line = { level, message, ...(fields ? { fields } : {}) };
    lines.push(line);
    sink?.push(line);
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

function plugin(env: Record<string, string | undefined> = {}, sink?: Line[], maxResponseBytes?: number): UfmPlugin {
  const config = parseUfmConfig({
    UFM_USERNAME: 'admin',
    UFM_PASSWORD: PASSWORD,
    UFM_ADDRESS: '127.0.0.1',
    UFM_PORT: String(sim.port),
    UFM_CERTIFICATE: cert.cert,
    UFM_REQUEST_TIMEOUT: String(TIMEOUT_MS / 1000),
    ...env,
  });
  const created = new UfmPlugin(config, { logger: logger(sink), ...(maxResponseBytes ? { maxResponseBytes } : {}) });
  plugins.push(created);
  return created;
}

/** Runs `call`, expects a SubnetManagerError, and keeps it for the leak check. */
async function failure(call: () => Promise<unknown>): Promise<SubnetManagerError> {
  const error = await call().then(
    () => undefined,
    (e: unknown) => e,
  );
  errors.push(error);
  expect(error).toBeInstanceOf(SubnetManagerError);
  return error as SubnetManagerError;
}

beforeAll(async () => {
  cert = generateSelfSignedCert();
  otherCert = generateSelfSignedCert();
  sim = await startUfmSimulator({ tls: cert, username: 'admin', password: PASSWORD });
});
beforeEach(() => sim.reset());
afterEach(async () => {
  await Promise.all(plugins.splice(0).map((p) => p.close()));
});
afterAll(async () => {
  await sim.close();
  for (const c of [cert, otherCert]) rmSync(dirname(c.certPath), { recursive: true, force: true });
});

describe('happy paths over verified HTTPS', () => {
  it('validate reads the version, with verification on and said so', async () => {
    const sink: Line[] = [];
    await plugin({}, sink).validate();
    expect(sink).toContainEqual(expect.objectContaining({ level: 'info', message: 'UFM is reachable' }));
    expect(sink.some((l) => /verification is on/.test(l.message))).toBe(true);
    expect(sink.some((l) => l.level === 'warn')).toBe(false);
  });

  it('add sends upstream’s exact body and the GUIDs become full members', async () => {
    await plugin().addGuidsToPKey(5, [colon(2), colon(1), colon(1)]);
    expect(sim.members('0x5')).toEqual([hex(1), hex(2)]);
    const post = sim.requestLog().find((e) => e.method === 'POST');
    expect(post?.path).toBe('/ufmRest/resources/pkeys');
    expect(post?.authVariant).toBe('basic');
    expect(JSON.stringify(post?.body)).toBe(
      `{"pkey":"0x0005","index0":true,"ip_over_ib":true,"membership":"full","guids":["${hex(2)}","${hex(1)}"]}`,
    );
    expect(sim.snapshot()['0x5']?.guids.every((g) => g.membership === 'full' && g.index0)).toBe(true);
  });

  it('re-adding members is idempotent; an empty add sends nothing', async () => {
    const p = plugin();
    await p.addGuidsToPKey(0x2fb, [colon(1)]);
    await p.addGuidsToPKey(0x2fb, [colon(1)]);
    await p.addGuidsToPKey(0x2fb, []);
    expect(sim.members('0x2fb')).toEqual([hex(1)]);
    expect(sim.counters()['POST /resources/pkeys']).toBe(2);
  });

  it('remove takes members out and ignores non-members', async () => {
    sim.seed('0x5', [hex(1), hex(2), hex(3)]);
    await plugin().removeGuidsFromPKey(5, [colon(1), colon(3), colon(99)]);
    expect(sim.members('0x5')).toEqual([hex(2)]);
    expect(sim.requestLog().at(-1)?.path).toBe(`/ufmRest/resources/pkeys/0x0005/guids/${hex(1)},${hex(3)},${hex(99)}`);
  });

  it('remove chunks more than 200 GUIDs into several calls', async () => {
    const all = Array.from({ length: 450 }, (_, i) => i + 1);
    sim.seed('0x6', all.map(hex));
    await plugin().removeGuidsFromPKey(6, all.map(colon));
    expect(sim.members('0x6')).toEqual([]);
    expect(sim.counters()['DELETE /resources/pkeys/:pkey/guids/:guids']).toBe(3);
  });

  it.each<[string, Record<string, string>]>([
    ['200 for an unknown pkey', {}],
    ['404, confirmed by a 200 {} read', { unknownPkeyRemove: '404' }],
    ['404, confirmed by a 404 read', { unknownPkeyRemove: '404', unknownPkeyGet: '404' }],
  ])('removing from a partition that is gone succeeds: %s', async (_name, knobs) => {
    sim.setKnobs(knobs as Parameters<UfmSimulator['setKnobs']>[0]);
    await expect(plugin().removeGuidsFromPKey(0x77, [colon(1)])).resolves.toBeUndefined();
  });

  it('list returns canonical members per partition, without 0x7fff', async () => {
    sim.setKnobs({ managementPortsListed: true });
    sim.seedPorts([hex(50)]);
    sim.seed('0x5', [hex(2), hex(1)]);
    sim.seed('0x2fb', [hex(1)]);
    sim.seed('0x6', []);
    expect(await plugin().listGuidsInUse()).toEqual({
      '0x5': [colon(1), colon(2)],
      '0x6': [],
      '0x2fb': [colon(1)],
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
    sim.addFault({ ...rule, method: 'GET', path: '/resources/pkeys' });
    const error = await failure(() => plugin().listGuidsInUse());
    expect(error).toMatchObject({ code, retryable, operation: 'listGuidsInUse' });
  });

  it('wrong password → unauthorized, not retryable', async () => {
    const error = await failure(() => plugin({ UFM_PASSWORD: 'wrong-password' }).validate());
    expect(error).toMatchObject({ code: 'unauthorized', retryable: false, status: 401 });
  });

  it('a password changed at runtime surfaces as unauthorized', async () => {
    const p = plugin();
    await p.validate();
    sim.setPassword('rotated');
    expect(await failure(() => p.addGuidsToPKey(5, [colon(1)]))).toMatchObject({ code: 'unauthorized' });
  });

  it('a 5xx after applying is retryable, and the retry is harmless', async () => {
    sim.addFault({ kind: 'apply-then-fail', status: 500, method: 'POST', times: 1 });
    const p = plugin();
    expect(await failure(() => p.addGuidsToPKey(5, [colon(1)]))).toMatchObject({ code: 'http-5xx', retryable: true });
    await p.addGuidsToPKey(5, [colon(1)]);
    expect(sim.members('0x5')).toEqual([hex(1)]);
  });

  it('a hang ends as a timeout within the configured deadline', async () => {
    sim.addFault({ kind: 'hang', method: 'POST' });
    const started = performance.now();
    const error = await failure(() => plugin().addGuidsToPKey(5, [colon(1)]));
    const elapsed = performance.now() - started;
    expect(error).toMatchObject({ code: 'timeout', retryable: true });
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 1000);
  });

  it('the caller’s abort signal cancels a hanging request', async () => {
    sim.addFault({ kind: 'hang' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const error = await failure(() => plugin().validate({ signal: controller.signal }));
    expect(error).toMatchObject({ code: 'canceled', retryable: false });
  });

  it('a certificate that is not UFM’s → tls, not retryable', async () => {
    const error = await failure(() => plugin({ UFM_CERTIFICATE: otherCert.cert }).validate());
    expect(error).toMatchObject({ code: 'tls', retryable: false });
    expect(sim.requestLog()).toEqual([]);
  });

  it('nobody listening → network', async () => {
    const closed = await startUfmSimulator({ tls: cert });
    const port = closed.port;
    await closed.close();
    expect(await failure(() => plugin({ UFM_PORT: String(port) }).validate())).toMatchObject({ code: 'network' });
  });

  it('a listing over the size cap → response-too-large', async () => {
    sim.seed(
      '0x5',
      Array.from({ length: 50 }, (_, i) => hex(i + 1)),
    );
    const error = await failure(() => plugin({}, undefined, 512).listGuidsInUse());
    expect(error).toMatchObject({ code: 'response-too-large', retryable: false });
  });

  it.each<[string, number, string[]]>([
    ['PKey 0', 0, []],
    ['PKey 0x7fff', 0x7fff, []],
    ['bad GUID', 5, ['02:00']],
  ])('invalid input (%s) fails before any request', async (_name, pkey, guids) => {
    expect(await failure(() => plugin().addGuidsToPKey(pkey, guids))).toMatchObject({ code: 'invalid-input' });
    expect(sim.requestLog()).toEqual([]);
  });
});

describe('TLS set-up', () => {
  it('without UFM_CERTIFICATE it works unverified and says so once, loudly', async () => {
    const sink: Line[] = [];
    const p = plugin({ UFM_CERTIFICATE: undefined }, sink);
    await p.validate();
    await p.listGuidsInUse();
    const warnings = sink.filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(/verification is OFF/);
  });

  it('a PEM that does not parse stops the start', () => {
    const broken = cert.cert.replace(/\n[A-Za-z0-9+/]{20}/, '\n!!!!');
    const garbled = cert.cert.replace(/(-----BEGIN CERTIFICATE-----\n)[A-Za-z0-9+/]{8}/, '$1AAAAAAAA');
    for (const pem of [broken, garbled]) {
      expect(() => plugin({ UFM_CERTIFICATE: pem })).toThrow(ConfigError);
    }
  });

  it('reaches an IPv6 literal address', async () => {
    const v6 = await startUfmSimulator({ tls: cert, host: '::1', username: 'admin', password: PASSWORD });
    try {
      await plugin({ UFM_ADDRESS: '::1', UFM_PORT: String(v6.port) }).validate();
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
    plugin(
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
    expect(await rawPlugin(sink).listGuidsInUse()).toEqual({ '0x5': [colon(1), colon(2)], '0x2fb': [] });
    expect(sink).toContainEqual(
      expect.objectContaining({ level: 'warn', fields: expect.objectContaining({ count: 2 }) }),
    );
    expect(sink.some((l) => l.level === 'warn' && /plain HTTP/.test(l.message))).toBe(true);
  });

  it('accepts 201 with an empty body as success', async () => {
    answer = { status: 201, body: '' };
    await expect(rawPlugin().addGuidsToPKey(5, [colon(1)])).resolves.toBeUndefined();
  });

  it('does not follow a redirect (a login page): bad-response', async () => {
    answer = { status: 302, headers: { location: 'https://sso.example.com/login' }, body: '' };
    expect(await failure(() => rawPlugin().validate())).toMatchObject({ code: 'bad-response', status: 302 });
  });

  it('passes Retry-After of a 429 on', async () => {
    answer = { status: 429, headers: { 'retry-after': '7' }, body: 'slow down' };
    const error = await failure(() => rawPlugin().listGuidsInUse());
    expect(error).toMatchObject({ code: 'http-429', retryable: true, retryAfterMs: 7000 });
    expect(error.message).toContain('slow down');
  });

  it('a version body that is not an object: bad-response', async () => {
    answer = { status: 200, body: '["6.19"]' };
    expect(await failure(() => rawPlugin().validate())).toMatchObject({ code: 'bad-response' });
  });
});

describe('the password never leaks', () => {
  it('is in no log line, error, or rendering of the plugin', () => {
    const p = plugin();
    const rendered = [
      ...lines.map((l) => JSON.stringify(l)),
      ...errors.flatMap((e) => [JSON.stringify(e), inspect(e, { depth: Infinity, showHidden: true }), String(e)]),
      inspect(p, { depth: Infinity, showHidden: true }),
      JSON.stringify(p),
    ].join('\n');
    expect(errors.length).toBeGreaterThan(15);
    expect(rendered).not.toContain(PASSWORD);
    expect(rendered).not.toContain(BASIC);
  });
});
