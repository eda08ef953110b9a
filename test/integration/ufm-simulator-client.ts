/**
 * A small HTTP(S) client for the UFM simulator conformance tests: axios with the simulator's
 * certificate as the only trusted CA, raw text bodies (error bodies are HTML, never assume JSON)
 * and no status validation, so tests assert on statuses themselves.
 */
import axios, { type AxiosRequestConfig } from 'axios';
import { rmSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { dirname } from 'node:path';
import {
  generateSelfSignedCert,
  startUfmSimulator,
  type GeneratedCert,
  type UfmSimulator,
  type UfmSimulatorOptions,
} from '../../ufm-simulator';

/** One answer, body kept as text. */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** Parses the body as JSON; throws when it is not. */
  json(): unknown;
}

/** Per-request options. */
export interface CallOptions {
  /** JSON-encoded unless a string or Buffer (sent as is). */
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/** A client bound to one simulator URL. */
export interface SimClient {
  call(method: string, path: string, opts?: CallOptions): Promise<Reply>;
  /** Destroys pooled sockets. */
  close(): void;
}

/** The `Authorization` value of basic auth. */
export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** Factory-default credentials of the simulator (and of UFM). */
export const ADMIN = basicAuth('admin', '123456');

/**
 * Creates a client. `ca` is the PEM to trust for HTTPS (omit it to trust nothing extra);
 * `defaultHeaders` go on every request unless overridden.
 */
export function createSimClient(baseUrl: string, ca?: string, defaultHeaders: Record<string, string> = {}): SimClient {
  const httpsAgent = new HttpsAgent({ keepAlive: true, ...(ca === undefined ? {} : { ca }) });
  const httpAgent = new HttpAgent({ keepAlive: true });
  return {
    async call(method, path, opts = {}) {
      const config: AxiosRequestConfig<string | Buffer> = {
        method,
        url: `${baseUrl}${path}`,
        httpsAgent,
        httpAgent,
        headers: { ...defaultHeaders, ...opts.headers },
        responseType: 'text',
        transformResponse: [(data: string) => data],
        validateStatus: () => true,
        maxRedirects: 0,
        timeout: opts.timeoutMs ?? 10_000,
        proxy: false,
      };
      if (opts.body !== undefined) {
        const raw = typeof opts.body === 'string' || Buffer.isBuffer(opts.body);
        config.data = raw ? (opts.body as string | Buffer) : JSON.stringify(opts.body);
        config.headers = { 'content-type': 'application/json', ...config.headers };
      }
      const res = await axios.request<string>(config);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) headers[k.toLowerCase()] = String(v);
      const text = res.data ?? '';
      return { status: res.status, headers, text, json: () => JSON.parse(text) as unknown };
    },
    close() {
      httpsAgent.destroy();
      httpAgent.destroy();
    },
  };
}

/** Awaits a request expected to fail at the socket level; returns the error code. */
export async function socketErrorOf(request: Promise<unknown>): Promise<string> {
  try {
    await request;
  } catch (err) {
    return (err as { code?: string }).code ?? 'NO_CODE';
  }
  throw new Error('the request unexpectedly succeeded');
}

/** Socket-level error codes a dropped connection surfaces as. */
export const DROPPED = ['ECONNRESET', 'EPIPE'];

/** An in-process simulator over HTTPS with a fresh certificate, and a client that trusts it. */
export interface HttpsFixture {
  sim: UfmSimulator;
  client: SimClient;
  cert: GeneratedCert;
  /** Closes client and simulator and deletes the certificate. */
  stop(): Promise<void>;
}

/** Starts an {@link HttpsFixture}; the client sends `headers` (default: admin basic auth) on every call. */
export async function startHttpsFixture(
  opts: UfmSimulatorOptions = {},
  headers: Record<string, string> = { authorization: ADMIN },
): Promise<HttpsFixture> {
  const cert = generateSelfSignedCert();
  const sim = await startUfmSimulator({ ...opts, tls: cert });
  const client = createSimClient(sim.url, cert.cert, headers);
  return {
    sim,
    client,
    cert,
    stop: async () => {
      client.close();
      await sim.close();
      rmSync(dirname(cert.certPath), { recursive: true, force: true });
    },
  };
}

/**
 * Registers one {@link HttpsFixture} per test file: started before all tests, reset before each
 * (a file's own `beforeEach`, registered later, runs after the reset), stopped after all. Read its
 * members inside hooks and tests only: they exist once `beforeAll` has run.
 */
export function useHttpsFixture(
  opts: UfmSimulatorOptions = {},
  headers: Record<string, string> = { authorization: ADMIN },
): HttpsFixture {
  let current: HttpsFixture | undefined;
  const live = (): HttpsFixture => {
    if (!current) throw new Error('the HTTPS fixture is used outside a test or hook');
    return current;
  };
  beforeAll(async () => {
    current = await startHttpsFixture(opts, headers);
  });
  beforeEach(() => live().sim.reset());
  afterAll(() => current?.stop());
  return {
    get sim() {
      return live().sim;
    },
    get client() {
      return live().client;
    },
    get cert() {
      return live().cert;
    },
    stop: () => live().stop(),
  };
}
