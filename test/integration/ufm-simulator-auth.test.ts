/**
 * Conformance of authentication (reference §1): basic under /ufmRest, raw token under
 * /ufmRestV3, /dologin session under /ufmRestV2, Apache HTML 401s, runtime credential changes,
 * a log that never holds secrets, and TLS that verifies with the exported certificate only.
 */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { generateSelfSignedCert, startUfmSimulator, type UfmSimulator } from '../../ufm-simulator';
import { ADMIN, basicAuth, createSimClient, type SimClient, useHttpsFixture } from './ufm-simulator-client';

const VERSION = '/app/ufm_version';

const fixture = useHttpsFixture({}, {});

const status = async (path: string, headers: Record<string, string> = {}): Promise<number> =>
  (await fixture.client.call('GET', path, { headers })).status;

async function login(username: string, password: string): Promise<{ status: number; cookie?: string }> {
  const body = new URLSearchParams({ httpd_username: username, httpd_password: password }).toString();
  const res = await fixture.client.call('POST', '/dologin', {
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  return { status: res.status, cookie: res.headers['set-cookie']?.split(';')[0] };
}

describe('basic auth under /ufmRest', () => {
  it.each([
    ['good credentials', ADMIN, 200],
    ['wrong password', basicAuth('admin', 'wrong'), 401],
    ['wrong user', basicAuth('root', '123456'), 401],
    ['no colon', `Basic ${Buffer.from('admin123456').toString('base64')}`, 401],
    ['garbage', 'Basic !!!', 401],
    ['another scheme', 'Bearer abc', 401],
    ['a token instead of base64 credentials', 'Basic TOKEN', 401],
  ])('%s answers %i', async (_name, authorization, expected) => {
    const header = authorization.replace('TOKEN', fixture.sim.issueToken());
    expect(await status(`/ufmRest${VERSION}`, { authorization: header })).toBe(expected);
  });

  it('a missing header answers an Apache HTML 401 with a basic challenge', async () => {
    const res = await fixture.client.call('GET', `/ufmRest${VERSION}`);
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['www-authenticate']).toMatch(/^Basic realm=/);
    expect(res.text).toContain('<title>401 Unauthorized</title>');
    expect(() => res.json()).toThrow();
  });

  it('a changed password takes effect at once, and reset() restores it', async () => {
    fixture.sim.setPassword('s3cret');
    expect(await status(`/ufmRest${VERSION}`, { authorization: ADMIN })).toBe(401);
    expect(await status(`/ufmRest${VERSION}`, { authorization: basicAuth('admin', 's3cret') })).toBe(200);
    fixture.sim.reset();
    expect(await status(`/ufmRest${VERSION}`, { authorization: ADMIN })).toBe(200);
  });
});

describe('tokens under /ufmRestV3', () => {
  it('POST /ufmRest/app/tokens issues a 30-character token that GET lists', async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await fixture.client.call('POST', '/ufmRest/app/tokens', { headers: { authorization: ADMIN } });
    expect(res.status).toBe(200);
    const token = res.json() as { access_token: string; issued_at: number };
    expect(token).toEqual({
      access_token: expect.stringMatching(/^[A-Za-z0-9]{30}$/),
      revoked: false,
      issued_at: expect.any(Number),
      expires_in: 315360000,
      username: 'admin',
    });
    expect(token.issued_at).toBeGreaterThanOrEqual(before);
    const list = await fixture.client.call('GET', '/ufmRest/app/tokens/', { headers: { authorization: ADMIN } });
    expect(list.json()).toEqual([token]);
  });

  it.each([
    ['the raw token', (t: string) => `Basic ${t}`, 200],
    [
      'base64 of "token:" (a third-party habit)',
      (t: string) => `Basic ${Buffer.from(`${t}:`).toString('base64')}`,
      401,
    ],
    ['an unknown token', () => 'Basic AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 401],
    ['basic credentials', () => ADMIN, 401],
  ])('%s answers %i', async (_name, header, expected) => {
    expect(await status(`/ufmRestV3${VERSION}`, { authorization: header(fixture.sim.issueToken()) })).toBe(expected);
  });

  it('a missing header answers 401', async () => {
    expect(await status(`/ufmRestV3${VERSION}`)).toBe(401);
  });

  it('a revoked token answers 401 and is listed as revoked', async () => {
    const token = fixture.sim.issueToken();
    fixture.sim.revokeTokens();
    const res = await fixture.client.call('GET', `/ufmRestV3${VERSION}`, {
      headers: { authorization: `Basic ${token}` },
    });
    expect(res.status).toBe(401);
    expect(res.text).toContain('401 Unauthorized');
    const list = await fixture.client.call('GET', '/ufmRest/app/tokens', { headers: { authorization: ADMIN } });
    expect(list.json()).toEqual([expect.objectContaining({ access_token: token, revoked: true })]);
  });

  it('tokens survive a password change', async () => {
    const token = fixture.sim.issueToken();
    fixture.sim.setPassword('s3cret');
    expect(await status(`/ufmRestV3${VERSION}`, { authorization: `Basic ${token}` })).toBe(200);
  });
});

describe('sessions under /ufmRestV2', () => {
  it('POST /dologin sets a cookie that /ufmRestV2 accepts', async () => {
    const { status: code, cookie } = await login('admin', '123456');
    expect(code).toBe(200);
    expect(cookie).toMatch(/^session=.+/);
    expect(await status(`/ufmRestV2${VERSION}`, { cookie: cookie ?? '' })).toBe(200);
  });

  it.each([
    ['no cookie', () => ({})],
    ['a forged cookie', () => ({ cookie: 'session=forged' })],
    ['basic credentials', () => ({ authorization: ADMIN })],
  ])('%s answers 401', async (_name, headers) => {
    expect(await status(`/ufmRestV2${VERSION}`, headers())).toBe(401);
  });

  it('a wrong password at /dologin answers 401 without a cookie', async () => {
    const res = await login('admin', 'nope');
    expect(res).toEqual({ status: 401, cookie: undefined });
  });

  it('GET /dologin answers 405', async () => {
    expect(await status('/dologin')).toBe(405);
  });

  it('a password change ends open sessions', async () => {
    const { cookie = '' } = await login('admin', '123456');
    fixture.sim.setPassword('s3cret');
    expect(await status(`/ufmRestV2${VERSION}`, { cookie })).toBe(401);
  });
});

describe('request log', () => {
  it('records the auth variant and never a credential', async () => {
    const token = fixture.sim.issueToken();
    const { cookie = '' } = await login('admin', '123456');
    await status(`/ufmRest${VERSION}`, { authorization: ADMIN });
    await status(`/ufmRestV3${VERSION}`, { authorization: `Basic ${token}` });
    await status(`/ufmRestV2${VERSION}`, { cookie });
    await status(`/ufmRest${VERSION}`);
    const log = fixture.sim.requestLog();
    expect(log.map((e) => [e.method, e.path, e.authVariant, e.status])).toEqual([
      ['POST', '/dologin', 'none', 200],
      ['GET', `/ufmRest${VERSION}`, 'basic', 200],
      ['GET', `/ufmRestV3${VERSION}`, 'token', 200],
      ['GET', `/ufmRestV2${VERSION}`, 'session', 200],
      ['GET', `/ufmRest${VERSION}`, 'none', 401],
    ]);
    const text = JSON.stringify(log);
    for (const secret of ['123456', ADMIN.slice(6), token, cookie.slice(8)]) expect(text).not.toContain(secret);
  });
});

describe('TLS', () => {
  it('the certificate names 127.0.0.1 and localhost in subjectAltName and expires within days', () => {
    const x509 = new X509Certificate(fixture.cert.cert);
    expect(x509.subjectAltName).toEqual(expect.stringContaining('IP Address:127.0.0.1'));
    expect(x509.subjectAltName).toEqual(expect.stringContaining('DNS:localhost'));
    expect(Date.parse(x509.validTo) - Date.now()).toBeLessThan(8 * 24 * 3600 * 1000);
  });

  it('verifies by host name through the SAN entry', async () => {
    const byName = createSimClient(fixture.sim.url.replace('127.0.0.1', 'localhost'), fixture.cert.cert);
    try {
      expect((await byName.call('GET', `/ufmRest${VERSION}`, { headers: { authorization: ADMIN } })).status).toBe(200);
    } finally {
      byName.close();
    }
  });

  it.each([
    ['no CA', undefined, /SELF_SIGNED/],
    ['another certificate as CA', 'other', /SELF_SIGNED|UNABLE_TO_VERIFY|CERT_SIGNATURE/],
  ])('fails verification with %s', async (_name, ca, code) => {
    const other = ca === undefined ? undefined : generateSelfSignedCert();
    const untrusting = createSimClient(fixture.sim.url, other?.cert);
    try {
      await expect(untrusting.call('GET', `/ufmRest${VERSION}`)).rejects.toMatchObject({
        code: expect.stringMatching(code),
      });
    } finally {
      untrusting.close();
      if (other) rmSync(dirname(other.certPath), { recursive: true, force: true });
    }
  });
});

describe('over plain HTTP', () => {
  let plain: UfmSimulator;
  let plainClient: SimClient;

  beforeAll(async () => {
    plain = await startUfmSimulator({ username: 'ops', password: 'pw' });
    plainClient = createSimClient(plain.url);
  });
  afterAll(async () => {
    plainClient.close();
    await plain.close();
  });

  it('serves the same API and auth on an http:// loopback URL', async () => {
    expect(plain.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const auth = { authorization: basicAuth('ops', 'pw') };
    expect((await plainClient.call('GET', `/ufmRest${VERSION}`, { headers: auth })).status).toBe(200);
    expect((await plainClient.call('GET', `/ufmRest${VERSION}`, { headers: { authorization: ADMIN } })).status).toBe(
      401,
    );
  });

  it('sets no Secure flag on the session cookie', async () => {
    const body = 'httpd_username=ops&httpd_password=pw';
    const res = await plainClient.call('POST', '/dologin', {
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.headers['set-cookie']).not.toContain('Secure');
  });
});
