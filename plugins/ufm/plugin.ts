/**
 * The `ufm` subnet-manager plugin: NVIDIA UFM's REST API over axios, with basic auth under
 * `/ufmRest` (upstream `pkg/sm/plugins/ufm/ufm.go`). Differences from upstream, each for a §7
 * weakness of reference/ufm-rest-api.md: an axios instance and agent per plugin instead of process-wide
 * settings, a deadline on every request, a bounded response size, removal through the non-deprecated
 * `DELETE …/guids/<csv>` in chunks (upstream's action route as the fallback), any 2xx success but an
 * HTML page never confirming a change, a listing that survives odd entries, and no credential in any
 * log line, error or inspect output.
 */
import { inspect } from 'node:util';
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
import { UfmHttpClient } from './http';
import { parsePKeyListing, parseSinglePKey, readJsonObject, readUfmVersion } from './parse';
import {
  chunk,
  formatUfmPKey,
  LIST_PKEYS_PATH,
  MAX_GUIDS_PER_BODY,
  MAX_GUIDS_PER_DELETE,
  pkeyPath,
  PKEYS_PATH,
  REMOVE_GUIDS_ACTION_PATH,
  removeGuidsPath,
  VERSION_PATH,
} from './url';

/** Dependencies and tuning of a {@link UfmPlugin}. */
export interface UfmPluginDeps {
  readonly logger: PluginLogger;
  /** Largest response body accepted; default 64 MiB. */
  readonly maxResponseBytes?: number;
  /** `index0` of the primary (full-member) join: `ENABLE_INDEX0_FOR_PRIMARY_PKEY`, default true. */
  readonly index0ForPrimary?: boolean;
}

/** The JSON body of an add: upstream's exact fields; `pkey` in upstream's `0x%04X`. */
interface AddBody {
  readonly pkey: string;
  readonly index0: boolean;
  readonly ip_over_ib: boolean;
  readonly membership: 'full' | 'limited';
  readonly guids: readonly string[];
}

/** Spec version of the plugin interface, as upstream's `specVersion`. */
export const UFM_SPEC_VERSION = '1.0';

/** How this UFM removes GUIDs; learnt from its first answer and kept for the plugin's life. */
type RemoveRoute = 'delete' | 'action';

/** The UFM plugin. Construct once per process; call {@link UfmPlugin.close} on shutdown. */
export class UfmPlugin implements SubnetManagerPlugin {
  readonly name = 'ufm';
  readonly specVersion = UFM_SPEC_VERSION;
  readonly #http: UfmHttpClient;
  readonly #logger: PluginLogger;
  readonly #index0ForPrimary: boolean;
  #removeRoute: RemoveRoute = 'delete';

  /**
   * Creates the HTTP client; no request is sent until a method is called.
   * @throws ConfigError when `UFM_CERTIFICATE` does not parse.
   */
  constructor(config: UfmConfig, deps: UfmPluginDeps) {
    this.#logger = deps.logger;
    this.#http = new UfmHttpClient(config, deps.logger, deps.maxResponseBytes);
    this.#index0ForPrimary = deps.index0ForPrimary ?? true;
  }

  /**
   * `GET /ufmRest/app/ufm_version` must answer 2xx with a JSON object.
   * @throws SubnetManagerError (`unauthorized` for bad credentials, `tls`, `network`, `timeout`, …).
   */
  async validate(options?: CallOptions): Promise<void> {
    const answer = await this.#http.request('validate', 'GET', VERSION_PATH, undefined, options);
    const body = readJsonObject('validate', answer.status, answer.body);
    this.#logger.info('UFM is reachable', {
      baseUrl: this.#http.baseUrl,
      ufmVersion: readUfmVersion(body) ?? 'unknown',
    });
  }

  /**
   * `POST /ufmRest/resources/pkeys` with upstream's exact body (`index0` from
   * `ENABLE_INDEX0_FOR_PRIMARY_PKEY`), at most 1000 GUIDs per call; an empty list sends nothing.
   * Re-adding members is a no-op in UFM, so retrying after an ambiguous failure is safe.
   * @throws SubnetManagerError (`invalid-input` before any request for a bad PKey or GUID).
   */
  async addGuidsToPKey(pkey: number, guids: readonly GuidString[], options?: CallOptions): Promise<void> {
    const ufmGuids = validateInput('addGuidsToPKey', pkey, guids);
    await this.#add('addGuidsToPKey', pkey, ufmGuids, 'full', this.#index0ForPrimary, options);
  }

  /**
   * Limited membership of an existing partition: `GET …/pkeys/<pkey>` first, because the add route
   * would create a missing partition with default QoS, then the add with `membership: "limited"` and
   * `index0: false` (reference §5). A missing partition is `not-found`, retryable: an operator may
   * create it, and the pod's primary join does not wait for it.
   * @throws SubnetManagerError
   */
  async addGuidsToLimitedPKey(pkey: number, guids: readonly GuidString[], options?: CallOptions): Promise<void> {
    const operation = 'addGuidsToLimitedPKey';
    const ufmGuids = validateInput(operation, pkey, guids);
    if (ufmGuids.length === 0) return;
    if (!(await this.#partitionExists(operation, pkey, options))) {
      throw new SubnetManagerError(
        'not-found',
        `UFM ${operation} failed: the limited partition ${formatUfmPKey(pkey)} (DEFAULT_LIMITED_PARTITION) ` +
          'does not exist in UFM; create it with its QoS (it is never created implicitly)',
        { operation, status: 404, retryable: true },
      );
    }
    await this.#add(operation, pkey, ufmGuids, 'limited', false, options);
  }

  /**
   * `DELETE /ufmRest/resources/pkeys/<pkey>/guids/<csv>`, at most 200 GUIDs per call. Non-members
   * are a 200 no-op in UFM. A 404 (the partition may be gone: UFM deletes it with its last member)
   * is success once a read shows none of the GUIDs is a member. A UFM without that route (405, or
   * 404 while the GUIDs are still members) is sent upstream's `POST /ufmRest/actions/remove_guids_from_pkey`
   * from then on.
   * @throws SubnetManagerError (`invalid-input` before any request for a bad PKey or GUID).
   */
  async removeGuidsFromPKey(pkey: number, guids: readonly GuidString[], options?: CallOptions): Promise<void> {
    const ufmGuids = validateInput('removeGuidsFromPKey', pkey, guids);
    const started = Date.now();
    if (this.#removeRoute === 'delete') {
      for (const [i, part] of chunk(ufmGuids, MAX_GUIDS_PER_DELETE).entries()) {
        if (await this.#removeByDelete(pkey, part, options)) continue;
        // The route is missing: the rest goes through the action route.
        await this.#removeByAction(pkey, ufmGuids.slice(i * MAX_GUIDS_PER_DELETE), options);
        break;
      }
    } else {
      await this.#removeByAction(pkey, ufmGuids, options);
    }
    if (ufmGuids.length > 0) {
      this.#logger.debug('removed GUIDs from PKey', {
        pkey: formatUfmPKey(pkey),
        count: ufmGuids.length,
        route: this.#removeRoute,
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
    const answer = await this.#http.request('listGuidsInUse', 'GET', LIST_PKEYS_PATH, undefined, options);
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
    this.#http.close();
  }

  /** Log-safe JSON form. */
  toJSON(): Record<string, string> {
    return { name: this.name, baseUrl: this.#http.baseUrl };
  }

  /** Log-safe inspect form: the axios instance (and its agents) stay out of sight. */
  [inspect.custom](): string {
    return `UfmPlugin { baseUrl: '${this.#http.baseUrl}' }`;
  }

  async #add(
    operation: string,
    pkey: number,
    ufmGuids: readonly string[],
    membership: AddBody['membership'],
    index0: boolean,
    options?: CallOptions,
  ): Promise<void> {
    const started = Date.now();
    for (const part of chunk(ufmGuids, MAX_GUIDS_PER_BODY)) {
      const body: AddBody = { pkey: formatUfmPKey(pkey), index0, ip_over_ib: true, membership, guids: part };
      await this.#http.request(operation, 'POST', PKEYS_PATH, JSON.stringify(body), options);
    }
    if (ufmGuids.length > 0) {
      this.#logger.debug('added GUIDs to PKey', {
        pkey: formatUfmPKey(pkey),
        membership,
        count: ufmGuids.length,
        ms: Date.now() - started,
      });
    }
  }

  /** True when the DELETE route removed `part` (or it was already gone); false when UFM lacks the route. */
  async #removeByDelete(pkey: number, part: string[], options?: CallOptions): Promise<boolean> {
    try {
      await this.#http.request('removeGuidsFromPKey', 'DELETE', removeGuidsPath(pkey, part), undefined, options);
      return true;
    } catch (error) {
      if (!(error instanceof SubnetManagerError)) throw error;
      if (error.status === 405) return this.#useActionRoute(pkey, 'HTTP 405');
      if (error.code !== 'not-found') throw error;
      const remaining = await this.#stillMembers(pkey, part, options);
      return remaining === 0 || this.#useActionRoute(pkey, `HTTP 404 while ${remaining} GUIDs are still members`);
    }
  }

  #useActionRoute(pkey: number, why: string): false {
    this.#removeRoute = 'action';
    this.#logger.warn('UFM does not serve DELETE …/pkeys/<pkey>/guids/<guids>; removing through the action route', {
      pkey: formatUfmPKey(pkey),
      answer: why,
      route: REMOVE_GUIDS_ACTION_PATH,
    });
    return false;
  }

  /** Upstream's route; a 404 (unknown partition) is success once a read confirms no GUID is left. */
  async #removeByAction(pkey: number, ufmGuids: readonly string[], options?: CallOptions): Promise<void> {
    for (const part of chunk(ufmGuids, MAX_GUIDS_PER_BODY)) {
      const body = JSON.stringify({ pkey: formatUfmPKey(pkey), guids: part });
      try {
        await this.#http.request('removeGuidsFromPKey', 'POST', REMOVE_GUIDS_ACTION_PATH, body, options);
      } catch (error) {
        if (!(error instanceof SubnetManagerError) || error.code !== 'not-found') throw error;
        const remaining = await this.#stillMembers(pkey, part, options);
        if (remaining > 0) {
          throw new SubnetManagerError(
            'not-found',
            `${error.message}; ${remaining} of the GUIDs are still members of PKey ${formatUfmPKey(pkey)}`,
            { status: 404, operation: 'removeGuidsFromPKey' },
          );
        }
      }
    }
  }

  /** How many of `ufmGuids` are members of `pkey`; an unknown partition (404 or `{}`) has none. */
  async #stillMembers(pkey: number, ufmGuids: readonly string[], options?: CallOptions): Promise<number> {
    let members: Set<bigint>;
    try {
      const answer = await this.#http.request('removeGuidsFromPKey', 'GET', pkeyPath(pkey), undefined, options);
      members = parseSinglePKey(readJsonObject('removeGuidsFromPKey', answer.status, answer.body), pkey);
    } catch (error) {
      if (error instanceof SubnetManagerError && error.code === 'not-found') return 0;
      throw error;
    }
    return ufmGuids.filter((g) => members.has(BigInt(`0x${g}`))).length;
  }

  /** Whether UFM knows partition `pkey`: 404 and `{}` (older UFM) both mean it does not (§4). */
  async #partitionExists(operation: string, pkey: number, options?: CallOptions): Promise<boolean> {
    try {
      const answer = await this.#http.request(operation, 'GET', pkeyPath(pkey, false), undefined, options);
      return Object.keys(readJsonObject(operation, answer.status, answer.body)).length > 0;
    } catch (error) {
      if (error instanceof SubnetManagerError && error.code === 'not-found') return false;
      throw error;
    }
  }
}
