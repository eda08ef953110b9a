/**
 * Parsers for single environment values, shared by `config.ts`. Each returns the parsed value or
 * throws a {@link ConfigError} naming the variable, the (clipped) value and what was expected.
 * Pure: no Node APIs, so workflows may bundle the config types alongside.
 */
import { ConfigError } from './errors';
import { REDACTED, Secret } from './secret';

/** An environment snapshot: `process.env` or a test's literal object. */
export type Env = Readonly<Record<string, string | undefined>>;

// Go's strconv (upstream's env library) accepts a leading `+`.
const DECIMAL = /^\+?\d{1,9}(\.\d{1,6})?$/;
const HOST_LABEL = /^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;
const LINE_BREAK = /[\r\n]/;

/** The value of `name`, treating unset and empty alike (for optional text such as a PEM or a path). */
export function readOptional(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Parses a duration in seconds (`5`, `0.25`) into whole milliseconds within `[minMs, maxMs]`.
 * Upstream reads `DAEMON_PERIODIC_UPDATE` as an int; fractions are a superset so tests can shorten it.
 * @throws ConfigError on anything else: empty, sign, exponent, unit suffix, zero, too small or too large.
 */
export function parseSeconds(name: string, value: string, minMs: number, maxMs: number): number {
  const expected = `a number of seconds between ${minMs / 1000} and ${maxMs / 1000}, e.g. 5 or 0.5`;
  if (!DECIMAL.test(value)) throw new ConfigError(name, value, expected);
  const ms = Math.round(Number(value) * 1000);
  if (ms < minMs || ms > maxMs) throw new ConfigError(name, value, expected);
  return ms;
}

/**
 * Parses a TCP port 1-65535 in decimal digits, optionally with a leading `+` (Go's `strconv.Atoi`);
 * `allowZero` admits 0, which upstream's UFM plugin reads as "the schema's default port".
 * @throws ConfigError otherwise.
 */
export function parsePort(name: string, value: string, allowZero = false): number {
  const port = /^\+?\d{1,5}$/.test(value) ? Number(value) : NaN;
  const min = allowZero ? 0 : 1;
  if (!(port >= min && port <= 65535)) {
    throw new ConfigError(name, value, `a TCP port number between ${min} and 65535`);
  }
  return port;
}

/**
 * Parses a boolean as Go's `strconv.ParseBool` does (`1`, `t`, `true`, `0`, `f`, `false`), in any case.
 * @throws ConfigError otherwise (including empty).
 */
export function parseBoolean(name: string, value: string): boolean {
  const lower = value.toLowerCase();
  if (lower === 'true' || lower === 't' || lower === '1') return true;
  if (lower === 'false' || lower === 'f' || lower === '0') return false;
  throw new ConfigError(name, value, 'true or false (or 1 or 0)');
}

/**
 * Validates a host: a DNS name, an IPv4 address, or an IPv6 literal with or without brackets.
 * Returns it without brackets. Rejects schemes, ports, paths, credentials, spaces and IPv6 zone ids
 * (upstream's `buildURL` would splice any of them into a broken URL).
 * @throws ConfigError naming `name` when the value is not a bare host.
 */
export function parseHost(name: string, value: string): string {
  const bare = value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value;
  const bracketed = bare !== value;
  if (bracketed || bare.includes(':')) {
    if (isIpv6(bare)) return bare;
  } else if (isHostname(bare)) {
    return bare;
  }
  throw new ConfigError(
    name,
    value,
    'a bare host name, IPv4 address or IPv6 address (no scheme, port, path or user), e.g. ufm.example.com or fd00::1',
  );
}

/**
 * Parses `host:port` (IPv6 as `[addr]:port`), as Temporal's `TEMPORAL_ADDRESS` is written.
 * @throws ConfigError when either part is missing or invalid.
 */
export function parseHostPort(name: string, value: string): string {
  const match = /^(\[[^\]]*\]|[^:[\]]+):(\d{1,5})$/.exec(value);
  const expected = 'host:port, e.g. 127.0.0.1:7233, temporal.example.com:7233 or [fd00::1]:7233';
  if (!match?.[1] || !match[2]) throw new ConfigError(name, value, expected);
  try {
    parseHost(name, match[1]);
    parsePort(name, match[2]);
  } catch {
    throw new ConfigError(name, value, expected);
  }
  return value;
}

/**
 * Validates a single-line, non-empty text value with no surrounding whitespace.
 * @throws ConfigError otherwise; the value is echoed only when `secret` is false.
 */
export function parseText(name: string, value: string, expected: string, secret = false): string {
  const echo = secret ? REDACTED : value;
  if (value.length === 0) throw new ConfigError(name, '', `${expected} (it is empty)`);
  if (LINE_BREAK.test(value)) {
    throw new ConfigError(name, echo, `${expected} on one line (a trailing newline from \`echo\` into a Secret?)`);
  }
  if (value.trim() !== value) throw new ConfigError(name, echo, `${expected} without surrounding spaces`);
  if (/\p{Cc}/u.test(value)) throw new ConfigError(name, echo, `${expected} without control characters`);
  return value;
}

/**
 * Wraps a password verbatim: spaces, punctuation and any Unicode are legal in basic auth, as upstream
 * accepts them. Only an empty value and a line break are refused: a line break is what `echo` into a
 * Secret leaves behind, and UFM would reject every request with it. Never echoes the value.
 * @throws ConfigError.
 */
export function parsePassword(name: string, value: string, expected: string): Secret {
  if (value.length === 0) throw new ConfigError(name, '', `${expected} (it is empty)`);
  if (LINE_BREAK.test(value)) {
    throw new ConfigError(name, REDACTED, `${expected} on one line (a trailing newline from \`echo\` into a Secret?)`);
  }
  return new Secret(value);
}

/** Wraps a validated credential; its value never appears in the thrown error. @throws ConfigError. */
export function parseSecret(name: string, value: string, expected: string): Secret {
  return new Secret(parseText(name, value, expected, true));
}

/**
 * Validates a file path (config only records it; reading is the entry point's job).
 * @throws ConfigError when it is empty, multi-line, or looks like PEM data pasted in place of a path.
 */
export function parseFilePath(name: string, value: string): string {
  if (value.startsWith('-----BEGIN')) {
    throw new ConfigError(name, value, 'a path to a PEM file, not the PEM data itself');
  }
  if (value.includes('\0')) throw new ConfigError(name, value, 'a file path without NUL characters');
  return parseText(name, value, 'a file path');
}

function isHostname(text: string): boolean {
  const name = text.endsWith('.') ? text.slice(0, -1) : text;
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  if (!labels.every((label) => HOST_LABEL.test(label))) return false;
  // All-numeric names are addresses; only dotted-quad IPv4 is accepted among them.
  return labels.some((label) => !/^\d+$/.test(label)) || isIpv4(name);
}

function isIpv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

function isIpv6(text: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return false;
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const groups = [...head, ...tail];
  let count = 0;
  for (const [i, group] of groups.entries()) {
    const last = i === groups.length - 1 && (halves.length === 1 || tail.length > 0);
    if (last && group.includes('.')) {
      if (!isIpv4(group)) return false;
      count += 2;
    } else if (HEX_GROUP.test(group)) {
      count += 1;
    } else {
      return false;
    }
  }
  return halves.length === 2 ? count <= 7 : count === 8;
}
