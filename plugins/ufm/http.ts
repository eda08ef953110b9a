/**
 * The HTTP side of the ufm plugin: one axios instance and agent per plugin, basic auth built per
 * request from the Secret, a deadline on every request, a bounded response size, and every answer
 * classified into a {@link SubnetManagerError}. No AxiosError, request config or credential leaves it.
 */
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import type { UfmConfig } from '../../domain/config';
import { describeValue } from '../../domain/errors';
import type { CallOptions, PluginLogger } from '../types';
import { checkChangeAnswer, parseRetryAfter, statusError, transportError } from './classify';
import { createUfmAgents, type UfmAgents } from './tls';
import { buildUfmBaseUrl } from './url';

/** A 2xx answer: its status and body text. */
export interface UfmAnswer {
  readonly status: number;
  readonly body: string;
}

const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
const CHANGES = new Set(['POST', 'PUT', 'DELETE']);

/** Sends requests to one UFM. */
export class UfmHttpClient {
  readonly baseUrl: string;
  readonly #http: AxiosInstance;
  readonly #agents: UfmAgents;
  readonly #timeoutMs: number;
  // Built from the Secret per request, so the instance's defaults never hold the credentials.
  readonly #authorization: () => string;

  /**
   * No request is sent until {@link request} is called.
   * @param maxResponseBytes largest body accepted; default 64 MiB (a listing of 100k GUIDs is about 7 MB).
   * @throws ConfigError when `UFM_CERTIFICATE` does not parse.
   */
  constructor(config: UfmConfig, logger: PluginLogger, maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES) {
    this.baseUrl = buildUfmBaseUrl(config);
    this.#timeoutMs = config.requestTimeoutMs;
    this.#agents = createUfmAgents(config, logger);
    const { username, password } = config;
    this.#authorization = () => `Basic ${Buffer.from(`${username}:${password.reveal()}`).toString('base64')}`;
    this.#http = axios.create({
      baseURL: this.baseUrl,
      timeout: this.#timeoutMs,
      httpAgent: this.#agents.httpAgent,
      httpsAgent: this.#agents.httpsAgent,
      // axios does not tunnel HTTPS through a proxy with CONNECT; talk to UFM directly.
      proxy: false,
      // A redirect is a login page or a misconfigured front end, never a UFM answer.
      maxRedirects: 0,
      maxContentLength: maxResponseBytes,
      maxBodyLength: maxResponseBytes,
      responseType: 'text',
      // Parse ourselves: an HTML page with status 200 must become `bad-response`, not a string.
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      transitional: { clarifyTimeoutError: true, silentJSONParsing: false, forcedJSONParsing: false },
      headers: { Accept: 'application/json', 'User-Agent': 'ib-kubernetes-temporal' },
    });
  }

  /**
   * One request. Any 2xx is an answer, except an HTML page in answer to a change (POST, PUT, DELETE),
   * which confirms nothing.
   * @throws SubnetManagerError for every other outcome, classified (see `classify.ts`).
   */
  async request(
    operation: string,
    method: string,
    url: string,
    data?: string,
    options?: CallOptions,
  ): Promise<UfmAnswer> {
    const deadline = AbortSignal.timeout(this.#timeoutMs);
    const caller = options?.signal;
    if (caller?.aborted) throw transportError(operation, { callerCanceled: true });
    const signal = caller ? AbortSignal.any([deadline, caller]) : deadline;
    const headers: Record<string, string> = { Authorization: this.#authorization() };
    if (data !== undefined) headers['Content-Type'] = 'application/json; charset=utf-8';
    let response: AxiosResponse<unknown>;
    try {
      response = await this.#http.request<unknown>({ method, url, data, headers, signal });
    } catch (error) {
      // Only code and message leave this block: the AxiosError's config holds the Authorization header.
      // Duck-typed, since socket errors may come from another realm (e.g. under jest).
      const { code, message } = error as { code?: unknown; message?: unknown };
      throw transportError(operation, {
        ...(typeof code === 'string' ? { code } : {}),
        message: typeof message === 'string' ? message : describeValue(error),
        deadlineExpired: deadline.aborted,
        callerCanceled: caller?.aborted === true,
      });
    }
    const body = typeof response.data === 'string' ? response.data : '';
    const header = (name: string): string | undefined => {
      const value: unknown = response.headers[name];
      return typeof value === 'string' ? value : undefined;
    };
    if (response.status >= 200 && response.status < 300) {
      if (CHANGES.has(method)) checkChangeAnswer(operation, response.status, header('content-type') ?? '', body);
      return { status: response.status, body };
    }
    const retryAfter = parseRetryAfter(header('retry-after'), Date.now());
    throw statusError(operation, response.status, body, retryAfter, header('location'));
  }

  /** Closes keep-alive sockets. Throws nothing. */
  close(): void {
    this.#agents.destroy();
  }
}
