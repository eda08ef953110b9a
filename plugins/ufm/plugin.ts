/**
 * The `ufm` subnet-manager plugin: NVIDIA UFM's REST API over axios, with basic auth under
 * `/ufmRest` (upstream `pkg/sm/plugins/ufm/ufm.go`). Differences from upstream, each for a §7
 * weakness of reference/ufm-rest-api.md: an axios instance and agent per plugin instead of process-wide
 * settings, a deadline on every request, a bounded response size, removal through the non-deprecated
 * `DELETE …/guids/<csv>` in chunks, 200 and 201 both success, a listing that survives odd entries,
 * and no credential in any log line, error or inspect output.
 */
import { inspect } from 'node:util';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import type { UfmConfig } from '../../domain/config';
import type { GuidString } from '../../domain/guid';
import { validateInput } from '../input';
import {
  SubnetManagerError,
  type CallOptions,
  type GuidsByPKey,
  type PluginLogger,
  type SubnetManagerPlugin,
} from '../types';
import { parseRetryAfter, statusError, transportError } from './classify';
import { parsePKeyListing, parseSinglePKey, readJsonObject, readUfmVersion } from './parse';
import { createUfmAgents, type UfmAgents } from './tls';
import { describeValue } from '../../domain/errors';
import {
  buildUfmBaseUrl,
  chunk,
  formatUfmPKey,
  LIST_PKEYS_PATH,
  MAX_GUIDS_PER_DELETE,
  pkeyPath,
  PKEYS_PATH,
  removeGuidsPath,
  VERSION_PATH,
} from './url';

/** Dependencies and tuning of a {@link UfmPlugin}. */
export interface UfmPluginDeps {
  readonly logger: PluginLogger;
  /** Largest response body accepted; default 64 MiB (a listing of 100k GUIDs is about 7 MB). */
  readonly maxResponseBytes?: number;
}

/** Spec version of the plugin interface, as upstream's `specVersion`. */
export const UFM_SPEC_VERSION = '1.0';
const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
const SUCCESS = new Set([200, 201]);

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** The UFM plugin. Construct once per process; call {@link UfmPlugin.close} on shutdown. */
export class UfmPlugin implements SubnetManagerPlugin {
  readonly name = 'ufm';
  readonly specVersion = UFM_SPEC_VERSION;
  readonly #http: AxiosInstance;
  readonly #agents: UfmAgents;
  readonly #logger: PluginLogger;
  readonly #baseUrl: string;
  readonly #timeoutMs: number;
  // Built from the Secret per request, so the instance's defaults never hold the credentials.
  readonly #authorization: () => string;

  /**
   * Creates the HTTP client; no request is sent until a method is called.
   * @throws ConfigError when `UFM_CERTIFICATE` does not parse.
   */
  constructor(config: UfmConfig, deps: UfmPluginDeps) {
    this.#logger = deps.logger;
    this.#baseUrl = buildUfmBaseUrl(config);
    this.#timeoutMs = config.requestTimeoutMs;
    this.#agents = createUfmAgents(config, deps.logger);
    const { username, password } = config;
    this.#authorization = () => `Basic ${Buffer.from(`${username}:${password.reveal()}`).toString('base64')}`;
    const maxBytes = deps.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.#http = axios.create({
      baseURL: this.#baseUrl,
      timeout: this.#timeoutMs,
      httpAgent: this.#agents.httpAgent,
      httpsAgent: this.#agents.httpsAgent,
      // axios does not tunnel HTTPS through a proxy with CONNECT; talk to UFM directly.
      proxy: false,
      // A redirect is a login page or a misconfigured front end, never a UFM answer.
      maxRedirects: 0,
      maxContentLength: maxBytes,
      maxBodyLength: maxBytes,
      responseType: 'text',
      // Parse ourselves: an HTML page with status 200 must become `bad-response`, not a string.
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      transitional: { clarifyTimeoutError: true, silentJSONParsing: false, forcedJSONParsing: false },
      headers: { Accept: 'application/json', 'User-Agent': 'ib-kubernetes-temporal' },
    });
  }

  /**
   * `GET /ufmRest/app/ufm_version` must answer 200 or 201 with a JSON object.
   * @throws SubnetManagerError (`unauthorized` for bad credentials, `tls`, `network`, `timeout`, …).
   */
  async validate(options?: CallOptions): Promise<void> {
    const answer = await this.#call('validate', 'GET', VERSION_PATH, undefined, options);
    const body = readJsonObject('validate', answer.status, answer.body);
    this.#logger.info('UFM is reachable', { baseUrl: this.#baseUrl, ufmVersion: readUfmVersion(body) ?? 'unknown' });
  }

  /**
   * `POST /ufmRest/resources/pkeys` with upstream's exact body; an empty list sends nothing.
   * Re-adding members is a no-op in UFM, so retrying after an ambiguous failure is safe.
   * @throws SubnetManagerError (`invalid-input` before any request for a bad PKey or GUID).
   */
  async addGuidsToPKey(pkey: number, guids: readonly GuidString[], options?: CallOptions): Promise<void> {
    const ufmGuids = validateInput('addGuidsToPKey', pkey, guids);
    if (ufmGuids.length === 0) return;
    const body = JSON.stringify({
      pkey: formatUfmPKey(pkey),
      index0: true,
      ip_over_ib: true,
      membership: 'full',
      guids: ufmGuids,
    });
    const started = Date.now();
    await this.#call('addGuidsToPKey', 'POST', PKEYS_PATH, body, options);
    this.#logger.debug('added GUIDs to PKey', {
      pkey: formatUfmPKey(pkey),
      count: ufmGuids.length,
      ms: Date.now() - started,
    });
  }

  /**
   * `DELETE /ufmRest/resources/pkeys/<pkey>/guids/<csv>`, at most 200 GUIDs per call. Non-members
   * are a 200 no-op in UFM. A 404 (the partition may be gone: UFM deletes it with its last member)
   * is success once a read shows none of the GUIDs is a member.
   * @throws SubnetManagerError (`invalid-input` before any request for a bad PKey or GUID).
   */
  async removeGuidsFromPKey(pkey: number, guids: readonly GuidString[], options?: CallOptions): Promise<void> {
    const ufmGuids = validateInput('removeGuidsFromPKey', pkey, guids);
    const started = Date.now();
    for (const part of chunk(ufmGuids, MAX_GUIDS_PER_DELETE)) {
      try {
        await this.#call('removeGuidsFromPKey', 'DELETE', removeGuidsPath(pkey, part), undefined, options);
      } catch (error) {
        if (!(error instanceof SubnetManagerError) || error.code !== 'not-found') throw error;
        await this.#confirmRemoved(pkey, part, error, options);
      }
    }
    if (ufmGuids.length > 0) {
      this.#logger.debug('removed GUIDs from PKey', {
        pkey: formatUfmPKey(pkey),
        count: ufmGuids.length,
        ms: Date.now() - started,
      });
    }
  }

  /**
   * `GET /ufmRest/resources/pkeys/?guids_data=true`, parsed defensively; skipped entries are
   * reported through the logger, not thrown.
   * @throws SubnetManagerError (`bad-response` when the body is not a JSON object).
   */
  async listGuidsInUse(options?: CallOptions): Promise<GuidsByPKey> {
    const answer = await this.#call('listGuidsInUse', 'GET', LIST_PKEYS_PATH, undefined, options);
    const body = readJsonObject('listGuidsInUse', answer.status, answer.body);
    const listing = parsePKeyListing(body);
    if (listing.skipped.length > 0) {
      this.#logger.warn('UFM listed partition entries that are not understood; they are skipped', {
        count: listing.skipped.length,
        samples: listing.skipped.slice(0, 5),
      });
    }
    return listing.guids;
  }

  /** Closes keep-alive sockets. Throws nothing. */
  async close(): Promise<void> {
    this.#agents.destroy();
  }

  /** Log-safe JSON form. */
  toJSON(): Record<string, string> {
    return { name: this.name, baseUrl: this.#baseUrl };
  }

  /** Log-safe inspect form: the axios instance (and its agents) stay out of sight. */
  [inspect.custom](): string {
    return `UfmPlugin { baseUrl: '${this.#baseUrl}' }`;
  }

  async #confirmRemoved(
    pkey: number,
    ufmGuids: string[],
    notFound: SubnetManagerError,
    options?: CallOptions,
  ): Promise<void> {
    let members: Set<bigint>;
    try {
      const answer = await this.#call('removeGuidsFromPKey', 'GET', pkeyPath(pkey), undefined, options);
      members = parseSinglePKey(readJsonObject('removeGuidsFromPKey', answer.status, answer.body), pkey);
    } catch (error) {
      // Some UFM versions answer 404 for an unknown partition (§4): it has no members.
      if (error instanceof SubnetManagerError && error.code === 'not-found') return;
      throw error;
    }
    const remaining = ufmGuids.filter((g) => members.has(BigInt(`0x${g}`)));
    if (remaining.length > 0) {
      throw new SubnetManagerError(
        'not-found',
        `${notFound.message}; ${remaining.length} of the GUIDs are still members of PKey ${formatUfmPKey(pkey)}, ` +
          'so this UFM may not support DELETE /ufmRest/resources/pkeys/<pkey>/guids/<guids>',
        { status: 404, operation: 'removeGuidsFromPKey' },
      );
    }
  }

  async #call(
    operation: string,
    method: string,
    url: string,
    data: string | undefined,
    options?: CallOptions,
  ): Promise<Answer> {
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
    if (SUCCESS.has(response.status)) return { status: response.status, body };
    const retryAfter = response.headers['retry-after'];
    throw statusError(
      operation,
      response.status,
      body,
      parseRetryAfter(typeof retryAfter === 'string' ? retryAfter : undefined, Date.now()),
    );
  }
}
