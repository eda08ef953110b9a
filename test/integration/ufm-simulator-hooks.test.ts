/**
 * The `/__sim/*` HTTP hooks that out-of-process users (end-to-end tests, benchmarks) drive, and
 * the command line: flag parsing and a launch that exports a certificate clients can trust.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliUsageError, launchFromCli, parseCliArgs } from '../../ufm-simulator/cli';
import { ADMIN, basicAuth, createSimClient, useHttpsFixture } from './ufm-simulator-client';

const G1 = '0200000000000001';
const G2 = '0200000000000002';
const VERSION = '/ufmRest/app/ufm_version';

const fixture = useHttpsFixture({}, {});

async function hook(method: string, name: string, body?: unknown): Promise<[number, unknown]> {
  const res = await fixture.client.call(method, `/__sim/${name}`, { body });
  return [res.status, res.json()];
}

describe('/__sim hooks', () => {
  it('seed and state: partitions and ports, read back as the snapshot', async () => {
    expect(
      await hook('POST', 'seed', { pkey: '0x00A', guids: [G2, `0x${G1.toUpperCase()}`], membership: 'limited' }),
    ).toEqual([200, {}]);
    expect(await hook('POST', 'seed', { ports: [G1] })).toEqual([200, {}]);
    const expected = {
      '0xa': {
        partition: 'api_pkey_0xa',
        guids: [
          { guid: G1, membership: 'limited', index0: false },
          { guid: G2, membership: 'limited', index0: false },
        ],
      },
    };
    expect(await hook('GET', 'state')).toEqual([200, expected]);
    expect(fixture.sim.snapshot()).toEqual(expected);
  });

  it.each([
    ['nothing to seed', {}],
    ['a read-only pkey', { pkey: '0x7fff', guids: [G1] }],
    ['a pkey array', { pkey: ['0x5'], guids: [G1] }],
    ['a colon GUID', { pkey: '0x5', guids: ['02:00:00:00:00:00:00:01'] }],
    ['ports not an array', { ports: G1 }],
    ['a bad membership', { pkey: '0x5', guids: [G1], membership: 'x' }],
  ])('seed rejects %s with 400 {error}', async (_name, body) => {
    const [status, answer] = await hook('POST', 'seed', body);
    expect([status, typeof (answer as { error: unknown }).error]).toEqual([400, 'string']);
  });

  it('faults: add, list, remove one, clear all', async () => {
    const [, added] = await hook('POST', 'faults', { kind: 'status', status: 503, path: '/app/*', times: 2 });
    const { id } = added as { id: string };
    expect(await hook('GET', 'faults')).toEqual([
      200,
      [{ id, rule: { kind: 'status', status: 503, path: '/app/*', times: 2 }, remaining: 2 }],
    ]);
    expect((await fixture.client.call('GET', VERSION, { headers: { authorization: ADMIN } })).status).toBe(503);
    expect(await hook('DELETE', `faults/${id}`)).toEqual([200, {}]);
    expect((await hook('DELETE', `faults/${id}`))[0]).toBe(404);
    await hook('POST', 'faults', { kind: 'hang' });
    expect(await hook('DELETE', 'faults')).toEqual([200, {}]);
    expect(await hook('GET', 'faults')).toEqual([200, []]);
    expect((await hook('POST', 'faults', { kind: 'boom' }))[0]).toBe(400);
  });

  it('counters and log count UFM requests only, not hooks', async () => {
    await fixture.client.call('GET', VERSION, { headers: { authorization: ADMIN } });
    await fixture.client.call('POST', '/ufmRest/resources/pkeys/', {
      body: { pkey: '0x5', guids: [G1] },
      headers: { authorization: ADMIN },
    });
    await hook('GET', 'state');
    expect(await hook('GET', 'counters')).toEqual([200, { 'GET /app/ufm_version': 1, 'POST /resources/pkeys': 1 }]);
    const [, log] = await hook('GET', 'log');
    expect(log).toEqual([
      { method: 'GET', path: VERSION, route: '/app/ufm_version', authVariant: 'basic', status: 200 },
      {
        method: 'POST',
        path: '/ufmRest/resources/pkeys/',
        route: '/resources/pkeys',
        authVariant: 'basic',
        status: 200,
        body: { pkey: '0x5', guids: [G1] },
      },
    ]);
  });

  it('reset clears state, faults, counters and log', async () => {
    fixture.sim.seed('0x5', [G1]);
    fixture.sim.addFault({ kind: 'hang', path: '/nowhere' });
    await fixture.client.call('GET', VERSION);
    expect(await hook('POST', 'reset')).toEqual([200, {}]);
    expect([
      fixture.sim.snapshot(),
      fixture.sim.counters(),
      fixture.sim.requestLog(),
      (await hook('GET', 'faults'))[1],
    ]).toEqual([{}, {}, [], []]);
  });

  it('knobs: read, change, reject unknown or invalid values', async () => {
    expect((await hook('GET', 'knobs'))[1]).toMatchObject({
      unknownPkeyGet: '404',
      unknownPkeyRemove: '404',
      deleteGuidsRoute: 'served',
      postMemberships: 'ignore',
      unknownGuid: 'accept',
    });
    const patched = await hook('PATCH', 'knobs', { unknownPkeyGet: '200-empty' });
    expect(patched[1]).toMatchObject({ unknownPkeyGet: '200-empty' });
    const res = await fixture.client.call('GET', '/ufmRest/resources/pkeys/0x6', { headers: { authorization: ADMIN } });
    expect(res.status).toBe(200);
    expect((await hook('PATCH', 'knobs', { unknownPkeyGet: 'maybe' }))[0]).toBe(400);
    expect((await hook('PATCH', 'knobs', '{"__proto__": {"unknownGuid": "reject"}}'))[0]).toBe(400);
    expect(fixture.sim.knobs().unknownPkeyGet).toBe('200-empty');
  });

  it('password and tokens', async () => {
    expect(await hook('POST', 'password', { password: 'n3w' })).toEqual([200, {}]);
    const auth = { authorization: basicAuth('admin', 'n3w') };
    expect((await fixture.client.call('GET', VERSION, { headers: auth })).status).toBe(200);
    const [, issued] = await hook('POST', 'tokens');
    const token = { authorization: `Basic ${(issued as { access_token: string }).access_token}` };
    expect((await fixture.client.call('GET', '/ufmRestV3/app/ufm_version', { headers: token })).status).toBe(200);
    expect(await hook('DELETE', 'tokens')).toEqual([200, {}]);
    expect((await fixture.client.call('GET', '/ufmRestV3/app/ufm_version', { headers: token })).status).toBe(401);
    expect((await hook('POST', 'password', { password: 42 }))[0]).toBe(400);
  });

  it.each([
    ['an unknown hook', 'GET', 'nothing', undefined, 404],
    ['a wrong method', 'DELETE', 'state', undefined, 404],
    ['an argument where none is taken', 'GET', 'state/extra', undefined, 404],
    ['a body that is not JSON', 'POST', 'seed', '{', 400],
  ])('%s answers %i with JSON {error}', async (_name, method, name, body, status) => {
    const res = await fixture.client.call(method, `/__sim/${name}`, {
      body,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(status);
    expect(res.json()).toEqual({ error: expect.any(String) });
  });
});

describe('command line', () => {
  const env = { UFM_USERNAME: 'envuser', UFM_PASSWORD: 'envpass' };

  it.each([
    [[], { host: '127.0.0.1', port: 0, tls: false, username: 'envuser', password: 'envpass', knobs: {} }],
    [['--port', '8443', '--tls', '--cert-out', '/tmp/x.pem'], { port: 8443, tls: 'generate', certOut: '/tmp/x.pem' }],
    [['--cert=/c.pem', '--key=/k.pem'], { tls: { certFile: '/c.pem', keyFile: '/k.pem' } }],
    [['--username', 'u', '--password', 'p', '--host', '::1'], { username: 'u', password: 'p', host: '::1' }],
    [
      ['--latency-ms', '25', '--knobs', '{"unknownGuid":"reject"}'],
      { knobs: { unknownGuid: 'reject', baseLatencyMs: 25 } },
    ],
    [['--help'], { help: true }],
  ])('parses %j', (argv, expected) => {
    expect(parseCliArgs(argv, env)).toMatchObject(expected);
  });

  it('defaults to admin/123456 without environment', () => {
    expect(parseCliArgs([], {})).toMatchObject({ username: 'admin', password: '123456' });
  });

  it.each([
    [['--bogus'], /--bogus/],
    [['--port'], /--port needs a value/],
    [['--port', '70000'], /--port/],
    [['--port', '-1'], /--port/],
    [['--latency-ms', 'fast'], /--latency-ms/],
    [['--cert', '/c.pem'], /--cert and --key/],
    [['--tls', '--cert', '/c', '--key', '/k'], /--tls conflicts/],
    [['--cert-out', '/tmp/x.pem'], /--cert-out/],
    [['--knobs', '{"nope":1}'], /--knobs.*nope/],
    [['--tls=yes'], /--tls takes no value/],
    [['positional'], /unexpected argument/],
  ])('rejects %j naming the flag', (argv, message) => {
    expect(() => parseCliArgs(argv, env)).toThrow(CliUsageError);
    expect(() => parseCliArgs(argv, env)).toThrow(message);
  });

  it('launches with a generated certificate written to --cert-out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ufm-sim-cli-'));
    const certOut = join(dir, 'ufm.crt');
    const run = await launchFromCli(parseCliArgs(['--tls', '--cert-out', certOut, '--password', 'pw'], {}));
    const cliClient = createSimClient(run.announcement.url, readFileSync(certOut, 'utf8'));
    try {
      expect(run.announcement).toEqual({
        url: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/),
        certPath: certOut,
      });
      const res = await cliClient.call('GET', VERSION, { headers: { authorization: basicAuth('admin', 'pw') } });
      expect(res.status).toBe(200);
      expect((await cliClient.call('GET', '/__sim/counters')).json()).toEqual({ 'GET /app/ufm_version': 1 });
    } finally {
      cliClient.close();
      await run.shutdown();
    }
    expect(existsSync(certOut)).toBe(true);
    rmSync(dir, { recursive: true, force: true });
  });

  it('removes a generated certificate on shutdown when none was exported', async () => {
    const run = await launchFromCli(parseCliArgs(['--tls'], {}));
    const certPath = run.announcement.certPath ?? '';
    expect(existsSync(certPath)).toBe(true);
    await run.shutdown();
    expect(existsSync(certPath)).toBe(false);
  });

  it('names the flag when a certificate file cannot be read', async () => {
    const opts = parseCliArgs(['--cert', '/nonexistent/c.pem', '--key', '/nonexistent/k.pem'], {});
    await expect(launchFromCli(opts)).rejects.toThrow(/^--cert: cannot read/);
  });
});
