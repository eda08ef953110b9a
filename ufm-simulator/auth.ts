/**
 * The three UFM authentication variants: basic auth under `/ufmRest`, the raw access token as
 * `Authorization: Basic <token>` under `/ufmRestV3`, and the `/dologin` session cookie under
 * `/ufmRestV2`. Nothing here logs or exposes a password.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AuthVariant } from './types';

/** URL prefix that selects the authentication variant. */
export type UfmPrefix = '/ufmRest' | '/ufmRestV2' | '/ufmRestV3';

/** A token as `POST /ufmRest/app/tokens` returns it. */
export interface TokenRecord {
  access_token: string;
  revoked: boolean;
  issued_at: number;
  expires_in: number;
  username: string;
}

/** Outcome of checking one request's credentials. */
export interface AuthResult {
  /** Which credential the request presented for its prefix. */
  variant: AuthVariant;
  ok: boolean;
}

/** Name of the session cookie set by `/dologin`. */
export const SESSION_COOKIE = 'session';
// Ten years, the lifetime UFM reports for its tokens (BMM runbook).
const TOKEN_LIFETIME_S = 315360000;
const TOKEN_LENGTH = 30;
const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Accounts, tokens and sessions of one simulator. */
export class Authenticator {
  private password: string;
  private readonly tokens = new Map<string, TokenRecord>();
  private readonly sessions = new Set<string>();

  /** @param username the one account; @param initialPassword its password until {@link setPassword}. */
  constructor(
    readonly username: string,
    private readonly initialPassword: string,
  ) {
    this.password = initialPassword;
  }

  /** Restores the initial password and forgets every token and session. */
  reset(): void {
    this.password = this.initialPassword;
    this.tokens.clear();
    this.sessions.clear();
  }

  /** Changes the password. Sessions end, since the login form's credentials no longer hold; tokens stay. */
  setPassword(password: string): void {
    this.password = password;
    this.sessions.clear();
  }

  /** Issues a new token for the account. */
  issueToken(): TokenRecord {
    const bytes = randomBytes(TOKEN_LENGTH);
    const token = Array.from(bytes, (b) => TOKEN_ALPHABET[b % TOKEN_ALPHABET.length]).join('');
    const record = {
      access_token: token,
      revoked: false,
      issued_at: Math.floor(Date.now() / 1000),
      expires_in: TOKEN_LIFETIME_S,
      username: this.username,
    };
    this.tokens.set(token, record);
    return { ...record };
  }

  /** Every token issued since the last reset, revoked ones included. */
  listTokens(): TokenRecord[] {
    return [...this.tokens.values()].map((t) => ({ ...t }));
  }

  /** Revokes every token. */
  revokeTokens(): void {
    for (const token of this.tokens.values()) token.revoked = true;
  }

  /** Checks `/dologin` form credentials. @returns a new session id, or undefined when they are wrong. */
  login(username: string | null, password: string | null): string | undefined {
    if (username === null || password === null || !this.matches(username, password)) return undefined;
    const session = randomBytes(24).toString('base64url');
    this.sessions.add(session);
    return session;
  }

  /** Checks a request's credentials against what its prefix requires. */
  authenticate(prefix: UfmPrefix, authorization: string | undefined, cookie: string | undefined): AuthResult {
    if (prefix === '/ufmRestV2') {
      const session = readCookie(cookie, SESSION_COOKIE);
      return {
        variant: session === undefined ? 'none' : 'session',
        ok: session !== undefined && this.sessions.has(session),
      };
    }
    if (authorization === undefined) return { variant: 'none', ok: false };
    const credential = /^Basic +(\S+)\s*$/i.exec(authorization)?.[1];
    if (prefix === '/ufmRestV3') {
      // The raw token, not base64 of anything (NVIDIA's SLURM plugin and BMM client).
      const token = credential === undefined ? undefined : this.tokens.get(credential);
      return { variant: 'token', ok: token !== undefined && !token.revoked };
    }
    return { variant: 'basic', ok: credential !== undefined && this.checkBasic(credential) };
  }

  private checkBasic(encoded: string): boolean {
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 && this.matches(decoded.slice(0, colon), decoded.slice(colon + 1));
  }

  private matches(username: string, password: string): boolean {
    // Both comparisons always run, in constant time, so timing reveals neither field.
    const userOk = sameSecret(username, this.username);
    const passOk = sameSecret(password, this.password);
    return userOk && passOk;
  }
}

function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
