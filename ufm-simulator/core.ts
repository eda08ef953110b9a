/**
 * Everything a simulator holds apart from its sockets: PKey state, credentials, fault rules,
 * knobs, counters and log, plus the test-hook operations on them shared by the in-process API
 * and the `/__sim/*` HTTP hooks.
 */
import { Authenticator } from './auth';
import { FaultTable } from './faults';
import { parseGuid, parsePkey } from './identifiers';
import { DEFAULT_KNOBS, parseKnobs } from './knobs';
import { RequestRecorder } from './recorder';
import { SerialQueue } from './serial-queue';
import { PKeyStore } from './state';
import type { PartitionSnapshot, SimulatorKnobs } from './types';

/** What a core starts from, and returns to on reset. */
export interface CoreSettings {
  username: string;
  password: string;
  knobs: Partial<SimulatorKnobs>;
  faultSeed: number;
}

/** Options of {@link SimulatorCore.seed}. */
export interface SeedOptions {
  membership?: 'full' | 'limited';
  index0?: boolean;
}

/** State and hooks of one simulator. */
export class SimulatorCore {
  readonly store: PKeyStore;
  readonly auth: Authenticator;
  readonly faults: FaultTable;
  readonly recorder: RequestRecorder;
  /** Serialises every state mutation, from requests and hooks alike. */
  readonly queue = new SerialQueue();
  private readonly initialKnobs: SimulatorKnobs;
  private current: SimulatorKnobs;

  /** @throws Error when `settings.knobs` holds an invalid value. */
  constructor(settings: CoreSettings) {
    this.initialKnobs = { ...DEFAULT_KNOBS, ...parseKnobs(settings.knobs) };
    this.current = { ...this.initialKnobs };
    this.store = new PKeyStore(() => this.current);
    this.auth = new Authenticator(settings.username, settings.password);
    this.faults = new FaultTable(settings.faultSeed);
    this.recorder = new RequestRecorder(() => this.current.requestLogLimit);
  }

  /** Current knob values (a frozen copy). */
  get knobs(): Readonly<SimulatorKnobs> {
    return Object.freeze({ ...this.current });
  }

  /** Changes some knobs. @throws Error naming an unknown knob or invalid value; nothing changes then. */
  setKnobs(knobs: unknown): void {
    this.current = { ...this.current, ...parseKnobs(knobs) };
  }

  /** Back to how the simulator started: state, faults, counters, log, knobs, credentials, tokens, sessions. */
  reset(): void {
    this.store.clear();
    this.faults.clear();
    this.recorder.clear();
    this.auth.reset();
    this.current = { ...this.initialKnobs };
  }

  /**
   * Adds members to a PKey (created if missing) without going through the API, so fabric
   * checks (`unknownGuid: 'reject'`) do not apply. An empty list creates an empty PKey.
   * @throws Error on a malformed or read-only pkey, malformed GUIDs or options.
   */
  seed(pkey: string, guids: readonly string[], opts: SeedOptions = {}): void {
    const key = parsePkey(pkey, true);
    if (!Array.isArray(guids)) throw new Error('guids must be an array of GUID strings');
    const membership = opts.membership ?? 'full';
    if (membership !== 'full' && membership !== 'limited') throw new Error('membership must be "full" or "limited"');
    if (opts.index0 !== undefined && typeof opts.index0 !== 'boolean') throw new Error('index0 must be a boolean');
    const index0 = opts.index0 ?? false;
    const members = [...new Set(guids.map(parseGuid))].map((guid) => ({ guid, membership, index0 }));
    this.store.addMembers(key, members, { ipOverIb: true, index0 }, false);
  }

  /** Registers fabric ports. @throws Error on malformed GUIDs. */
  seedPorts(guids: readonly string[]): void {
    if (!Array.isArray(guids)) throw new Error('ports must be an array of GUID strings');
    this.store.addPorts(guids.map(parseGuid));
  }

  /** Sorted member GUIDs of a PKey, `[]` if it does not exist. @throws Error on a malformed pkey. */
  members(pkey: string): string[] {
    return this.store.members(parsePkey(pkey, false));
  }

  /** User partitions keyed by minimal pkey. */
  snapshot(): Record<string, PartitionSnapshot> {
    return this.store.snapshot();
  }
}
