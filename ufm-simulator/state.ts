/**
 * The in-memory PKey/GUID model of the simulated UFM: partitions, members, QoS and the fabric
 * ports. Synchronous and free of I/O; callers serialise access (see `serial-queue.ts`).
 */
import type { PartitionSnapshot, SimulatorKnobs } from './types';
import { formatPkey, MANAGEMENT_PKEY, SimHttpError } from './identifiers';

/** PKey membership of one port. */
export type Membership = 'full' | 'limited';

/** QoS of a partition, field names as on the wire. */
export interface QosConf {
  mtu_limit: number;
  service_level: number;
  rate_limit: number;
}

/** One GUID to add or set, with its per-call attributes. */
export interface MemberInput {
  guid: string;
  membership: Membership;
  index0: boolean;
}

/** Partition attributes given when a write creates it. */
export interface PartitionInput {
  ipOverIb: boolean;
  index0?: boolean;
  qos?: Partial<QosConf>;
  name?: string;
}

/** Which optional parts a read includes. */
export interface ReadQuery {
  guids: boolean;
  qos: boolean;
}

interface Partition {
  name: string;
  ipOverIb: boolean;
  index0: boolean;
  qos: QosConf;
  members: Map<string, { membership: Membership; index0: boolean }>;
}

/** Default QoS of partitions created over REST. */
export const DEFAULT_QOS: Readonly<QosConf> = Object.freeze({ mtu_limit: 2, service_level: 0, rate_limit: 2.5 });

/** The partition table of one simulated UFM. */
export class PKeyStore {
  private readonly partitions = new Map<number, Partition>();
  private readonly ports = new Set<string>();

  /** @param knobs read on every call, so runtime knob changes apply at once. */
  constructor(private readonly knobs: () => Readonly<SimulatorKnobs>) {}

  /** Forgets every partition and port. */
  clear(): void {
    this.partitions.clear();
    this.ports.clear();
  }

  /** Registers fabric ports (already-normalised GUIDs). */
  addPorts(guids: readonly string[]): void {
    for (const guid of guids) this.ports.add(guid);
  }

  /**
   * Adds or updates members, creating the partition with REST defaults if missing. Re-adding a
   * member overwrites its membership and index0 (the reference assumes overwrite).
   * @param checkFabric false for test seeding, which may add GUIDs that are not fabric ports.
   * @throws SimHttpError 400 for 0x7fff, 404 for an unknown GUID under `unknownGuid: 'reject'`.
   */
  addMembers(pkey: number, members: readonly MemberInput[], attrs: PartitionInput, checkFabric = true): void {
    this.assertWritable(pkey);
    if (checkFabric) this.assertKnownGuids(members);
    const partition = this.ensure(pkey, attrs);
    for (const { guid, membership, index0 } of members) partition.members.set(guid, { membership, index0 });
  }

  /**
   * Makes the member list exactly `members`, creating the partition if missing.
   * @throws SimHttpError as {@link addMembers}.
   */
  setMembers(pkey: number, members: readonly MemberInput[], attrs: PartitionInput): void {
    this.assertWritable(pkey);
    this.assertKnownGuids(members);
    const partition = this.ensure(pkey, attrs);
    const wanted = new Set(members.map((m) => m.guid));
    for (const guid of [...partition.members.keys()]) if (!wanted.has(guid)) partition.members.delete(guid);
    for (const { guid, membership, index0 } of members) partition.members.set(guid, { membership, index0 });
  }

  /**
   * Removes members; non-members are a no-op. When the call empties the partition it is
   * deleted, as UFM does (NVCM PR #72); an already-empty partition is left alone.
   * @throws SimHttpError 400 for 0x7fff, 404 for an unknown PKey under `unknownPkeyRemove: '404'`.
   */
  removeMembers(pkey: number, guids: readonly string[]): void {
    this.assertWritable(pkey);
    const partition = this.partitions.get(pkey);
    if (!partition) return this.unknownOnRemove(pkey);
    let removed = false;
    for (const guid of guids) removed = partition.members.delete(guid) || removed;
    if (removed && partition.members.size === 0) this.partitions.delete(pkey);
  }

  /** Creates an empty partition; an existing one is left unchanged (U). @throws SimHttpError 400 for 0x7fff. */
  createPartition(pkey: number, attrs: PartitionInput): void {
    this.assertWritable(pkey);
    this.ensure(pkey, attrs);
  }

  /** Deletes a partition and its members. @throws SimHttpError as {@link removeMembers}. */
  deletePartition(pkey: number): void {
    this.assertWritable(pkey);
    if (!this.partitions.delete(pkey)) this.unknownOnRemove(pkey);
  }

  /** Changes QoS fields that are given. @throws SimHttpError 400 for 0x7fff, 404 for an unknown PKey (mocks). */
  updateQos(pkey: number, qos: Partial<QosConf>): void {
    this.assertWritable(pkey);
    const partition = this.partitions.get(pkey);
    if (!partition) throw new SimHttpError(404, `pkey ${formatPkey(pkey)} not found`);
    partition.qos = { ...partition.qos, ...qos };
  }

  /** Whether the PKey exists (0x7fff always does). */
  has(pkey: number): boolean {
    return pkey === MANAGEMENT_PKEY || this.partitions.has(pkey);
  }

  /** The `GET /resources/pkeys/<pkey>` body, or undefined when the PKey does not exist. */
  describe(pkey: number, query: ReadQuery): Record<string, unknown> | undefined {
    if (pkey === MANAGEMENT_PKEY) return this.describeManagement(query);
    const partition = this.partitions.get(pkey);
    if (!partition) return undefined;
    const body: Record<string, unknown> = { partition: partition.name, ip_over_ib: partition.ipOverIb };
    if (query.guids) body['guids'] = sortedMembers(partition);
    if (query.qos) body['qos_conf'] = { ...partition.qos };
    return body;
  }

  /** The list body keyed by minimal lower-case pkey, in ascending pkey order, 0x7fff included. */
  list(query: ReadQuery): Record<string, unknown> {
    const body: Record<string, unknown> = {};
    for (const pkey of this.pkeys()) body[formatPkey(pkey)] = this.describe(pkey, query);
    return body;
  }

  /** Every existing pkey, ascending, 0x7fff included. */
  pkeys(): number[] {
    return [...this.partitions.keys(), MANAGEMENT_PKEY].sort((a, b) => a - b);
  }

  /** Sorted member GUIDs of a user partition; `[]` when it does not exist. */
  members(pkey: number): string[] {
    return [...(this.partitions.get(pkey)?.members.keys() ?? [])].sort();
  }

  /** User partitions keyed by minimal pkey, GUIDs sorted; deterministic for equal states. */
  snapshot(): Record<string, PartitionSnapshot> {
    const out: Record<string, PartitionSnapshot> = {};
    for (const pkey of this.pkeys()) {
      const partition = this.partitions.get(pkey);
      if (partition) out[formatPkey(pkey)] = { partition: partition.name, guids: sortedMembers(partition) };
    }
    return out;
  }

  private describeManagement(query: ReadQuery): Record<string, unknown> {
    const body: Record<string, unknown> = { partition: 'management', ip_over_ib: true };
    // Partition-level index0/membership appear only on 0x7fff and only on newer UFM (BMM).
    if (this.knobs().versionShape === '6.18+') Object.assign(body, { index0: false, membership: 'limited' });
    if (query.guids) {
      const ports = this.knobs().managementPortsListed ? [...this.ports].sort() : [];
      body['guids'] = ports.map((guid) => ({ guid, index0: false, membership: 'limited' }));
    }
    if (query.qos) body['qos_conf'] = { ...DEFAULT_QOS };
    return body;
  }

  private ensure(pkey: number, attrs: PartitionInput): Partition {
    let partition = this.partitions.get(pkey);
    if (!partition) {
      partition = {
        name: attrs.name ?? `api_pkey_${formatPkey(pkey)}`,
        ipOverIb: attrs.ipOverIb,
        index0: attrs.index0 ?? false,
        qos: { ...DEFAULT_QOS, ...attrs.qos },
        members: new Map(),
      };
      this.partitions.set(pkey, partition);
    }
    return partition;
  }

  private assertWritable(pkey: number): void {
    if (pkey === MANAGEMENT_PKEY) throw new SimHttpError(400, 'the management partition 0x7fff is read-only');
  }

  private assertKnownGuids(members: readonly MemberInput[]): void {
    if (this.knobs().unknownGuid === 'accept') return;
    const unknown = members.find((m) => !this.ports.has(m.guid));
    if (unknown) throw new SimHttpError(404, `guid ${unknown.guid} not found in the fabric`);
  }

  private unknownOnRemove(pkey: number): void {
    if (this.knobs().unknownPkeyRemove === '404') throw new SimHttpError(404, `pkey ${formatPkey(pkey)} not found`);
  }
}

function sortedMembers(partition: Partition): PartitionSnapshot['guids'] {
  return [...partition.members.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([guid, m]) => ({ guid, membership: m.membership, index0: m.index0 }));
}
