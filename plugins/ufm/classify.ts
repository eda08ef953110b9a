/**
 * Turns HTTP statuses and transport failures into {@link SubnetManagerError}s. Pure, so the table
 * is tested without a server. Upstream (`pkg/drivers/http/client.go`) treats every non-200 alike
 * and copies the whole body into its message (§7.6); here the code decides retryability and the
 * message carries at most a short, tag-stripped excerpt.
 */
import { SubnetManagerError, type SubnetManagerErrorCode } from '../types';

/** The parts of a failed request the classifier needs; never the request config. */
export interface TransportFailure {
  /** Node or axios error code, e.g. `ECONNRESET`, `ETIMEDOUT`, `ERR_CANCELED`. */
  readonly code?: string;
  readonly message?: string;
  /** Our own per-request deadline fired. */
  readonly deadlineExpired?: boolean;
  /** The caller's signal aborted the request. */
  readonly callerCanceled?: boolean;
}

const EXCERPT_CHARS = 160;
const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'HOSTNAME_MISMATCH',
  'EPROTO',
]);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ECONNABORTED', 'ESOCKETTIMEDOUT', 'ERR_SOCKET_CONNECTION_TIMEOUT']);

/**
 * A short, single-line excerpt of a response body: HTML tags and control characters removed,
 * whitespace collapsed, clipped to 160 characters (UFM's Apache front end answers errors in HTML).
 * Throws nothing.
 */
export function bodyExcerpt(body: string): string {
  const text = body
    .slice(0, 4096)
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/\p{Cc}/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;
}

/**
 * `Retry-After` in ms, from delta-seconds or an HTTP date relative to `nowMs`; undefined when
 * absent or unparsable. Throws nothing.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d{1,6}$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP date has a weekday and month name; Date.parse would read "-1" as a year.
  const at = /[A-Za-z]{3}/.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/**
 * The error for an HTTP status that is not success (2xx). 401/403 → `unauthorized`, 404 → `not-found`,
 * 408 → `timeout`, 409 → `conflict`, 429 → `http-429`, other 4xx → `bad-request`, 5xx → `http-5xx`.
 * A redirect to a login page (`location` names one) is `unauthorized`: an expired session or a front
 * end that wants a login; any other 1xx/3xx is `bad-response`.
 * Throws nothing; returns the error for the caller to throw.
 */
export function statusError(
  operation: string,
  status: number,
  body: string,
  retryAfterMs?: number,
  location?: string,
): SubnetManagerError {
  const code = statusCode(status, location);
  const details = { status, operation, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  if (code === 'unauthorized') {
    // The body is Apache's login-failure page; it says nothing the operator needs.
    const what = status >= 300 && status < 400 ? 'UFM redirected to a login page' : 'UFM rejected the credentials';
    return new SubnetManagerError(
      code,
      `UFM ${operation} failed: HTTP ${status}: ${what}; check UFM_USERNAME and UFM_PASSWORD`,
      details,
    );
  }
  const excerpt = bodyExcerpt(body);
  return new SubnetManagerError(
    code,
    `UFM ${operation} failed: HTTP ${status}${excerpt ? `: ${excerpt}` : ''}`,
    details,
  );
}

/**
 * Checks the 2xx answer to a change (POST, PUT, DELETE). An HTML page is not UFM's answer but that of
 * something in front of it (a login page for an expired session, a proxy, the web server's 503 page
 * served with 200; reference §5), so the change is not confirmed: `bad-response`, retryable. Any
 * other body, empty (204) included, confirms it.
 * @throws SubnetManagerError `bad-response`.
 */
export function checkChangeAnswer(operation: string, status: number, contentType: string, body: string): void {
  if (!/html/i.test(contentType) && !body.trimStart().startsWith('<')) return;
  const excerpt = bodyExcerpt(body);
  throw new SubnetManagerError(
    'bad-response',
    `UFM ${operation} not confirmed: HTTP ${status} with an HTML page instead of UFM's answer ` +
      `(a login page, proxy or error page in front of UFM)${excerpt ? `: ${excerpt}` : ''}`,
    { status, operation },
  );
}

const LOGIN_PAGE = /log-?in|logon|sign-?in|auth|sso/i;

function statusCode(status: number, location?: string): SubnetManagerErrorCode {
  if (status === 401 || status === 403) return 'unauthorized';
  if (status >= 300 && status < 400 && location !== undefined && LOGIN_PAGE.test(location)) return 'unauthorized';
  if (status === 404) return 'not-found';
  if (status === 408) return 'timeout';
  if (status === 409) return 'conflict';
  if (status === 429) return 'http-429';
  if (status >= 400 && status < 500) return 'bad-request';
  if (status >= 500) return 'http-5xx';
  return 'bad-response';
}

/**
 * The error for a request that got no usable response. Timeouts (ours or the socket's) →
 * `timeout`; the caller's abort → `canceled`; certificate and handshake failures → `tls`;
 * a body over the size cap → `response-too-large`; anything else (refused, reset, DNS, a
 * response cut short) → `network`. Throws nothing.
 */
export function transportError(operation: string, failure: TransportFailure): SubnetManagerError {
  const code = failure.code ?? '';
  const detail = oneLine(failure.message ?? '') || code || 'unknown error';
  const make = (kind: SubnetManagerErrorCode, text: string) =>
    new SubnetManagerError(kind, `UFM ${operation} failed: ${text}`, { operation });
  if (failure.callerCanceled) return make('canceled', 'canceled by the caller');
  if (failure.deadlineExpired || TIMEOUT_CODES.has(code)) return make('timeout', `no answer in time (${detail})`);
  if (isTlsCode(code)) {
    return make('tls', `TLS verification failed (${code}: ${detail}); check UFM_CERTIFICATE and UFM_ADDRESS`);
  }
  if (code === 'ERR_BAD_RESPONSE' && /maxContentLength/.test(detail)) {
    return make('response-too-large', `response too large (${detail})`);
  }
  return make('network', code && !detail.includes(code) ? `${code}: ${detail}` : detail);
}

function isTlsCode(code: string): boolean {
  return TLS_CODES.has(code) || code.startsWith('CERT_') || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_');
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
