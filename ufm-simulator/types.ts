/**
 * Public types of the UFM REST simulator. They live apart from `index.ts` so that every
 * module can import them without creating an import cycle through the re-exports.
 */

/**
 * Behaviours the reference (`ufm-rest-api.md`, "Simulator must") could not verify, plus a few
 * limits. Each one is switchable so that clients can be tested against every plausible UFM.
 */
export interface SimulatorKnobs {
  /**
   * GET of a PKey that does not exist: `404` (default: what NVIDIA's own tooling and current clients
   * expect, reference §5) or `200 {}` (older UFM, as NVIDIA's Rust client copes with).
   */
  unknownPkeyGet: '200-empty' | '404';
  /** Removing GUIDs from, or deleting, a PKey that does not exist: `404` (default, current UFM) or a `200` no-op. */
  unknownPkeyRemove: '200' | '404';
  /** Whether `DELETE /resources/pkeys/<pkey>/guids/<guids>` is served (default) or answers `405` (an older UFM). */
  deleteGuidsRoute: 'served' | '405';
  /** Adding a GUID that is not a seeded fabric port: listed as a member (default) or `404`. */
  unknownGuid: 'accept' | 'reject';
  /** Whether the management partition `0x7fff` lists the seeded fabric ports (default: empty list). */
  managementPortsListed: boolean;
  /** NVIDIA bug 5409095: the list endpoint with both `guids_data` and `qos_conf` drops `guids` (default on). */
  listBothQueryBug: boolean;
  /** Body of `GET /app/ufm_version`: only `ufm_release_version` (pre-6.18) or with components (default). */
  versionShape: 'pre-6.18' | '6.18+';
  /**
   * Whether `POST /resources/pkeys` ignores per-GUID `memberships` and applies the request's single
   * `membership` (default, as UFM 6.19 was observed to; reference §5) or honours them.
   */
  postMemberships: 'honour' | 'ignore';
  /** Request bodies above this many bytes get `413` (default 1 MiB). */
  maxBodyBytes: number;
  /** Request lines above this many bytes get `414`, Apache's `LimitRequestLine` (default 8190). */
  maxRequestLine: number;
  /** Latency added to every UFM request before it is handled (default 0). */
  baseLatencyMs: number;
  /** How many request log entries are kept; older ones are dropped (default 1000). */
  requestLogLimit: number;
}

/** Options of {@link startUfmSimulator}. */
export interface UfmSimulatorOptions {
  /** Address to listen on; only this one (default `127.0.0.1`). */
  host?: string;
  /** TCP port; 0 picks a free one (default 0). */
  port?: number;
  /** PEM certificate and key for HTTPS; `false` or absent serves plain HTTP. */
  tls?: { cert: string; key: string } | false;
  /** Account accepted by basic auth, `/dologin` and token issue (default `admin`). */
  username?: string;
  /** Password of that account (default `123456`, UFM's factory default). */
  password?: string;
  /** Overrides of {@link SimulatorKnobs}; `reset()` returns to these. */
  knobs?: Partial<SimulatorKnobs>;
  /** Seed of the generator behind `FaultRule.probability`, so runs repeat (default 1). */
  faultSeed?: number;
}

/**
 * Kinds of injected fault:
 * - `latency`: delay before handling (`latencyMs` + random `jitterMs`); combines with the others.
 * - `status`: answer `status` (default 503) with an Apache HTML page; nothing is applied.
 * - `hang`: never answer; the client's timeout or `close()` ends the request.
 * - `reset`: read the request, then destroy the connection; nothing is applied.
 * - `apply-then-fail`: apply the change, then answer `status` with HTML, or hang if no status.
 * - `malformed-json`: apply the change, answer 200 with the JSON body cut in half.
 * - `html-200`: answer a UFM login page with status 200; nothing is applied.
 * - `unauthorized`: answer an HTML 401 whatever the credentials.
 * - `down`: destroy the connection as soon as the request head arrives, before any latency.
 */
export type FaultKind =
  'latency' | 'status' | 'hang' | 'reset' | 'apply-then-fail' | 'malformed-json' | 'html-200' | 'unauthorized' | 'down';

/**
 * One fault injection rule. Rules match UFM requests (under any `/ufmRest*` prefix, and
 * `/dologin`), never the `/__sim/*` hooks. All matching `latency` rules add up; of the other
 * kinds the oldest matching rule wins.
 */
export interface FaultRule {
  /** HTTP method, case-insensitive (default: any). */
  method?: string;
  /** Glob on the path after the prefix, without query or trailing slash; `*` spans `/` (default: any). */
  path?: string;
  /** What happens to a matching request. */
  kind: FaultKind;
  /** For `latency`: fixed delay before handling. */
  latencyMs?: number;
  /** For `latency`: extra random delay in `[0, jitterMs)`. */
  jitterMs?: number;
  /** For `status` (default 503) and `apply-then-fail` (absent: hang after applying). */
  status?: number;
  /** Apply to the next N matching requests, then expire (default: forever). */
  times?: number;
  /** Chance 0..1 that a matching request is affected, from a seeded generator (default 1). */
  probability?: number;
}

/** Which credential a UFM request presented. */
export type AuthVariant = 'basic' | 'token' | 'session' | 'none';

/** One entry of the request log. Credentials are never recorded. */
export interface RequestLogEntry {
  method: string;
  /** Path and query as received, e.g. `/ufmRest/resources/pkeys/?guids_data=true`. */
  path: string;
  /** Route name as used by counters, e.g. `/resources/pkeys/:pkey`. */
  route: string;
  authVariant: AuthVariant;
  /** Status answered; 0 when no HTTP answer was sent (hang, reset, down). */
  status: number;
  /** Parsed JSON request body, when there was one of at most 64 KiB. */
  body?: unknown;
}

/** Snapshot of one user partition, as returned by {@link UfmSimulator.snapshot}. */
export interface PartitionSnapshot {
  partition: string;
  guids: { guid: string; membership: string; index0: boolean }[];
}

/** A running simulator and its test hooks. */
export interface UfmSimulator {
  /** Base URL without trailing slash, e.g. `https://127.0.0.1:40123`. */
  readonly url: string;
  readonly port: number;
  /** Stops listening and destroys every open socket, including hanging requests. */
  close(): Promise<void>;
  /** Returns state, faults, counters, log, knobs, credentials, tokens and sessions to how they started. */
  reset(): void;
  /** User partitions (not `0x7fff`) keyed by minimal lower-case pkey, GUIDs sorted. */
  snapshot(): Record<string, PartitionSnapshot>;
  /** Sorted GUIDs in a PKey, `[]` if it does not exist. @throws Error when `pkey` is malformed. */
  members(pkey: string): string[];
  /** Adds members (default full, index0 false), creating the PKey; empty `guids` creates it empty. @throws Error on bad input. */
  seed(pkey: string, guids: string[], opts?: { membership?: 'full' | 'limited'; index0?: boolean }): void;
  /** Registers fabric ports (used by `unknownGuid: 'reject'` and `managementPortsListed`). @throws Error on bad GUIDs. */
  seedPorts(guids: string[]): void;
  /** Adds a fault rule and returns its id. @throws Error when the rule is invalid. */
  addFault(rule: FaultRule): string;
  /** Removes one fault rule; false if the id is unknown. */
  removeFault(id: string): boolean;
  clearFaults(): void;
  /** Requests per route, keyed `${METHOD} ${route}`, e.g. `POST /resources/pkeys`; faulted ones included. */
  counters(): Record<string, number>;
  requestLog(): RequestLogEntry[];
  /** Current knob values. */
  knobs(): SimulatorKnobs;
  /** Changes knobs at runtime. @throws Error when a value is invalid. */
  setKnobs(knobs: Partial<SimulatorKnobs>): void;
  /** Changes the password; open `/ufmRestV2` sessions end, tokens stay valid. */
  setPassword(password: string): void;
  /** Issues an access token for the configured user, as `POST /ufmRest/app/tokens` does. */
  issueToken(): string;
  /** Revokes every token issued so far. */
  revokeTokens(): void;
}
