/**
 * The contract every subnet-manager plugin meets (upstream `pkg/sm/plugins/plugin.go`
 * `SubnetManagerClient`), and the one error they throw. Plugins do not depend on Temporal:
 * activities wrap them and turn a {@link SubnetManagerError} into an `ApplicationFailure`
 * whose `nonRetryable` is `!error.retryable`.
 */
import type { GuidString } from '../domain/guid';
import type { PKeyString } from '../domain/pkey';

/** Structured logger handed to plugins. Fields must be JSON-plain; never pass credentials or request configs. */
export interface PluginLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Per-call options. `signal` lets an activity's cancellation abort an in-flight request. */
export interface CallOptions {
  readonly signal?: AbortSignal;
}

/**
 * GUIDs that are members of each partition, as the subnet manager reports them: keys are canonical
 * PKeys (`0x5`), values canonical colon-form GUIDs, sorted and unique. A GUID in two partitions is
 * listed under both (upstream's map kept an arbitrary one). The management partition is listed as
 * `0x7fff` when the subnet manager names members there (port GUIDs): read-only, never ours to change,
 * but a GUID listed there is in use.
 */
export type GuidsByPKey = Record<PKeyString, GuidString[]>;

/**
 * A subnet-manager plugin. PKeys are partition numbers 0x1–0x7ffe (as `parsePKey` returns them);
 * GUIDs are domain strings in canonical colon form (`02:00:00:00:00:00:00:0a`), the form annotations
 * and workflow payloads carry, so callers never convert. Implementations also accept the other
 * forms `parseGuid` reads, and reject anything else with `invalid-input` before any I/O.
 * Every method is idempotent: adding a member or removing a non-member succeeds.
 */
export interface SubnetManagerPlugin {
  /** Plugin name, e.g. `ufm`. */
  readonly name: string;
  /** Version of this interface the plugin implements, e.g. `1.0`. */
  readonly specVersion: string;
  /** Checks reachability and credentials. @throws SubnetManagerError */
  validate(options?: CallOptions): Promise<void>;
  /** Makes `guids` full members of `pkey`, creating the partition if needed. @throws SubnetManagerError */
  addGuidsToPKey(pkey: number, guids: readonly GuidString[], options?: CallOptions): Promise<void>;
  /**
   * Makes `guids` limited members of the existing partition `pkey` (`DEFAULT_LIMITED_PARTITION`;
   * upstream `AddGuidsToLimitedPKey`). Never creates it: a missing partition is `not-found`.
   * Optional for user plugins; the loader refuses a plugin without it when a limited partition is set.
   * @throws SubnetManagerError
   */
  addGuidsToLimitedPKey?(pkey: number, guids: readonly GuidString[], options?: CallOptions): Promise<void>;
  /** Removes `guids` (full or limited members) from `pkey`; non-members are ignored. @throws SubnetManagerError */
  removeGuidsFromPKey(pkey: number, guids: readonly GuidString[], options?: CallOptions): Promise<void>;
  /** Lists the members of every partition, to rebuild the GUID pool. @throws SubnetManagerError */
  listGuidsInUse(options?: CallOptions): Promise<GuidsByPKey>;
  /** Releases sockets and timers; the plugin is unusable afterwards. Optional for user plugins. */
  close?(): Promise<void>;
}

/** Why a subnet-manager call failed; see {@link SubnetManagerError}. */
export type SubnetManagerErrorCode =
  | 'invalid-input'
  | 'network'
  | 'timeout'
  | 'canceled'
  | 'tls'
  | 'unauthorized'
  | 'bad-request'
  | 'not-found'
  | 'conflict'
  | 'http-429'
  | 'http-5xx'
  | 'bad-response'
  | 'response-too-large'
  | 'plugin-error';

const RETRYABLE: Readonly<Record<SubnetManagerErrorCode, boolean>> = {
  'invalid-input': false,
  network: true,
  timeout: true,
  canceled: false,
  tls: false,
  unauthorized: false,
  'bad-request': false,
  'not-found': false,
  conflict: true,
  'http-429': true,
  'http-5xx': true,
  'bad-response': true,
  'response-too-large': false,
  'plugin-error': true,
};

/** True when a failure with `code` may succeed on retry (the classification table). Throws nothing. */
export function isRetryableCode(code: SubnetManagerErrorCode): boolean {
  return RETRYABLE[code];
}

/** Extra context of a {@link SubnetManagerError}; all of it is safe to log. */
export interface SubnetManagerErrorDetails {
  readonly status?: number;
  /** Which operation failed, e.g. `addGuidsToPKey`. */
  readonly operation?: string;
  /** From a 429/503 `Retry-After`, when the server sent one. */
  readonly retryAfterMs?: number;
  /** Overrides the code's default retryability (for user plugins that know better). */
  readonly retryable?: boolean;
}

/**
 * Thrown by every plugin method when the subnet manager could not do what was asked.
 * The message is safe to log: it never holds credentials, request configs or more than a short
 * clipped excerpt of a response body, and no `cause` is attached (an `AxiosError`'s config
 * carries the basic-auth header).
 */
export class SubnetManagerError extends Error {
  override readonly name = 'SubnetManagerError';
  readonly retryable: boolean;
  readonly status?: number;
  readonly operation?: string;
  readonly retryAfterMs?: number;

  constructor(
    readonly code: SubnetManagerErrorCode,
    message: string,
    details: SubnetManagerErrorDetails = {},
  ) {
    super(message);
    this.retryable = details.retryable ?? isRetryableCode(code);
    if (details.status !== undefined) this.status = details.status;
    if (details.operation !== undefined) this.operation = details.operation;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
  }
}
