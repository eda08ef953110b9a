import { inspect } from 'node:util';
import {
  bodyExcerpt,
  checkChangeAnswer,
  parseRetryAfter,
  statusError,
  transportError,
  type TransportFailure,
} from '../../plugins/ufm/classify';
import { isRetryableCode, SubnetManagerError, type SubnetManagerErrorCode } from '../../plugins/types';

const APACHE_401 =
  '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN"><html><head><title>401 Unauthorized</title></head>' +
  '<body><h1>Unauthorized</h1><p>This server could not verify that you are authorized.</p></body></html>';

describe('statusError', () => {
  it.each<[number, SubnetManagerErrorCode, boolean]>([
    [400, 'bad-request', false],
    [401, 'unauthorized', false],
    [403, 'unauthorized', false],
    [404, 'not-found', false],
    [405, 'bad-request', false],
    [408, 'timeout', true],
    [409, 'conflict', true],
    [413, 'bad-request', false],
    [414, 'bad-request', false],
    [429, 'http-429', true],
    [500, 'http-5xx', true],
    [502, 'http-5xx', true],
    [503, 'http-5xx', true],
    [504, 'http-5xx', true],
    [302, 'bad-response', true],
  ])('HTTP %d → %s (retryable %s)', (status, code, retryable) => {
    const error = statusError('addGuidsToPKey', status, '');
    expect(error).toBeInstanceOf(SubnetManagerError);
    expect(error).toMatchObject({ code, retryable, status, operation: 'addGuidsToPKey' });
    expect(error.message).toContain(`HTTP ${status}`);
  });

  it('keeps only a short excerpt of an HTML body', () => {
    const error = statusError('validate', 503, `<html><body>${'Service Unavailable '.repeat(500)}</body></html>`);
    expect(error.message.length).toBeLessThan(260);
    expect(error.message).not.toContain('<');
  });

  it('does not quote the 401 page but points at the credentials', () => {
    const error = statusError('validate', 401, APACHE_401);
    expect(error.message).toContain('UFM_USERNAME');
    expect(error.message).not.toContain('could not verify');
  });

  it('carries Retry-After', () => {
    expect(statusError('list', 429, '', 2000).retryAfterMs).toBe(2000);
  });

  it.each<[string, SubnetManagerErrorCode]>([
    ['/dologin', 'unauthorized'],
    ['https://ufm/ufm_web/login.html?next=/ufmRest', 'unauthorized'],
    ['/sso/start', 'unauthorized'],
    ['/ufmRest/resources/pkeys/', 'bad-response'],
  ])('a redirect to %s → %s', (location, code) => {
    const error = statusError('addGuidsToPKey', 302, '', undefined, location);
    expect(error.code).toBe(code);
    if (code === 'unauthorized') expect(error.message).toMatch(/redirected to a login page/);
  });
});

describe('checkChangeAnswer: a change is confirmed only by a real success', () => {
  it.each<[string, string, string]>([
    ['an empty 204', '', ''],
    ["UFM's {}", 'application/json', '{}'],
    ['a JSON body without a content type', '', '{"status":"ok"}'],
    ['a plain-text body', 'text/plain', 'OK'],
  ])('accepts %s', (_what, contentType, body) => {
    expect(() => checkChangeAnswer('addGuidsToPKey', 200, contentType, body)).not.toThrow();
  });

  it.each<[string, string, string]>([
    ['an HTML content type', 'text/html; charset=iso-8859-1', 'Service Temporarily Unavailable'],
    ['an HTML body without a content type', '', '  <!DOCTYPE html><title>Login</title>'],
    ['an XHTML page', 'application/xhtml+xml', '<html/>'],
    ['a body starting with <', 'application/json', '<html><body>503 Service Temporarily Unavailable</body></html>'],
  ])('refuses %s as a retryable bad-response', (_what, contentType, body) => {
    let error: unknown;
    try {
      checkChangeAnswer('removeGuidsFromPKey', 200, contentType, body);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SubnetManagerError);
    expect(error).toMatchObject({ code: 'bad-response', retryable: true, status: 200 });
    expect((error as Error).message).toMatch(/not confirmed: HTTP 200 with an HTML page/);
  });
});

describe('transportError', () => {
  it.each<[string, TransportFailure, SubnetManagerErrorCode]>([
    ['refused', { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:443' }, 'network'],
    ['reset', { code: 'ECONNRESET', message: 'socket hang up' }, 'network'],
    ['DNS', { code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND ufm' }, 'network'],
    ['DNS again', { code: 'EAI_AGAIN' }, 'network'],
    ['unreachable', { code: 'EHOSTUNREACH' }, 'network'],
    ['body cut', { code: 'ERR_BAD_RESPONSE', message: 'stream has been aborted' }, 'network'],
    ['no code', { message: 'weird' }, 'network'],
    ['axios timeout', { code: 'ETIMEDOUT', message: 'timeout of 100ms exceeded' }, 'timeout'],
    ['axios legacy timeout', { code: 'ECONNABORTED' }, 'timeout'],
    ['our deadline', { code: 'ERR_CANCELED', message: 'canceled', deadlineExpired: true }, 'timeout'],
    ['caller abort', { code: 'ERR_CANCELED', message: 'canceled', callerCanceled: true }, 'canceled'],
    ['caller abort wins', { code: 'ERR_CANCELED', deadlineExpired: true, callerCanceled: true }, 'canceled'],
    ['self-signed', { code: 'DEPTH_ZERO_SELF_SIGNED_CERT', message: 'self-signed certificate' }, 'tls'],
    ['chain', { code: 'SELF_SIGNED_CERT_IN_CHAIN' }, 'tls'],
    ['leaf', { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }, 'tls'],
    ['expired', { code: 'CERT_HAS_EXPIRED' }, 'tls'],
    ['altname', { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }, 'tls'],
    ['wrong version (https to http)', { code: 'EPROTO', message: 'wrong version number' }, 'tls'],
    ['ssl', { code: 'ERR_SSL_WRONG_VERSION_NUMBER' }, 'tls'],
    ['too large', { code: 'ERR_BAD_RESPONSE', message: 'maxContentLength size of 10 exceeded' }, 'response-too-large'],
  ])('%s → %s', (_name, failure, code) => {
    const error = transportError('listGuidsInUse', failure);
    expect(error).toMatchObject({ code, retryable: isRetryableCode(code), operation: 'listGuidsInUse' });
    expect(error.message).toMatch(/^UFM listGuidsInUse failed: /);
    expect(error.cause).toBeUndefined();
  });

  it('clips a huge message', () => {
    expect(transportError('validate', { code: 'ECONNRESET', message: 'x'.repeat(5000) }).message.length).toBeLessThan(
      300,
    );
  });
});

describe('retryability table', () => {
  it.each<[SubnetManagerErrorCode, boolean]>([
    ['invalid-input', false],
    ['network', true],
    ['timeout', true],
    ['canceled', false],
    ['tls', false],
    ['unauthorized', false],
    ['bad-request', false],
    ['not-found', false],
    ['conflict', true],
    ['http-429', true],
    ['http-5xx', true],
    ['bad-response', true],
    ['response-too-large', false],
    ['plugin-error', true],
  ])('%s → %s', (code, retryable) => {
    expect(isRetryableCode(code)).toBe(retryable);
    expect(new SubnetManagerError(code, 'm').retryable).toBe(retryable);
  });

  it('an explicit retryable overrides the table, and inspect shows no cause', () => {
    const error = new SubnetManagerError('plugin-error', 'm', { retryable: false });
    expect(error.retryable).toBe(false);
    expect(inspect(error)).not.toContain('cause');
  });
});

describe('bodyExcerpt', () => {
  it.each<[string, string]>([
    ['', ''],
    ['plain', 'plain'],
    ['<p>a</p>\n\n<b>b</b>', 'a b'],
    ['<script>var password="x"</script>ok', 'ok'],
    ['bell\u0007char', 'bell char'],
  ])('%j → %j', (body, expected) => expect(bodyExcerpt(body)).toBe(expected));

  it('clips to 160 characters', () => expect(bodyExcerpt('y'.repeat(1000))).toHaveLength(161));
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it.each<[string | undefined, number | undefined]>([
    [undefined, undefined],
    ['3', 3000],
    [' 0 ', 0],
    ['Wed, 01 Jan 2025 00:00:05 GMT', 5000],
    ['Tue, 31 Dec 2024 00:00:00 GMT', 0],
    ['soon', undefined],
    ['-1', undefined],
  ])('%j → %j', (value, expected) => expect(parseRetryAfter(value, now)).toBe(expected));
});
