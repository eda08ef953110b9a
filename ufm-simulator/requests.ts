/**
 * Validation of UFM request bodies into typed commands. Every field is read with `Object.hasOwn`
 * from a parsed JSON object, so keys like `__proto__` are plain data and never reach a prototype.
 */
import { describe, parseGuidList, parsePkey, SimHttpError } from './identifiers';
import type { MemberInput, Membership, PartitionInput, QosConf } from './state';

/** A request to add or set the members of a PKey. */
export interface MembersCommand {
  pkey: number;
  members: MemberInput[];
  attrs: PartitionInput;
}

/** Options of {@link parseMembersBody}. */
export interface MembersBodyOptions {
  /** `membership` on the current endpoints, `default_membership` on `/actions/add_guids_to_pkey`. */
  membershipField: 'membership' | 'default_membership';
  /** Whether per-GUID `memberships` is honoured (PUT always; POST per knob). */
  honourMemberships: boolean;
}

// Valid QoS values per the BMM client's comments (reference §2).
const MTU_LIMITS = [2, 4];
const RATE_LIMITS = [2.5, 5, 10, 14, 20, 25, 30, 40, 56, 60, 80, 100, 112, 120, 168, 200, 300];
const MAX_SERVICE_LEVEL = 15;
const PARTITION_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** Requires the body to be a JSON object. @throws SimHttpError 400 otherwise. */
export function requireObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new SimHttpError(400, 'request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

/** Reads an own property, ignoring inherited ones. */
export function field(body: Record<string, unknown>, name: string): unknown {
  return Object.hasOwn(body, name) ? body[name] : undefined;
}

/** Parses the body of add (`POST`) and set (`PUT`) requests. @throws SimHttpError 400 on any invalid field. */
export function parseMembersBody(raw: unknown, opts: MembersBodyOptions): MembersCommand {
  const body = requireObject(raw);
  const pkey = parsePkey(field(body, 'pkey'), true);
  const guids = parseGuidList(field(body, 'guids'), 'guids', false);
  const membership = parseMembership(field(body, opts.membershipField), opts.membershipField) ?? 'full';
  const index0 = optionalBoolean(body, 'index0') ?? false;
  const ipOverIb = optionalBoolean(body, 'ip_over_ib') ?? true;
  const perGuid = opts.honourMemberships ? parseMemberships(field(body, 'memberships'), guids.length) : undefined;
  // A GUID listed twice counts once; its last occurrence wins, as a dict built from the list would.
  const byGuid = new Map<string, MemberInput>();
  guids.forEach((guid, i) => byGuid.set(guid, { guid, membership: perGuid?.[i] ?? membership, index0 }));
  const members = [...byGuid.values()];
  return { pkey, members, attrs: { ipOverIb, index0 } };
}

/** Parses `{pkey, guids}` of `POST /actions/remove_guids_from_pkey`. @throws SimHttpError 400. */
export function parseRemoveBody(raw: unknown): { pkey: number; guids: string[] } {
  const body = requireObject(raw);
  return { pkey: parsePkey(field(body, 'pkey'), true), guids: parseGuidList(field(body, 'guids'), 'guids') };
}

/** Parses the body of `POST /resources/pkeys/add` (create an empty PKey). @throws SimHttpError 400. */
export function parseCreateBody(raw: unknown): { pkey: number; attrs: PartitionInput } {
  const body = requireObject(raw);
  const pkey = parsePkey(field(body, 'pkey'), true);
  const name = field(body, 'partition_name');
  if (name !== undefined && (typeof name !== 'string' || !PARTITION_NAME.test(name))) {
    throw new SimHttpError(400, `invalid partition_name ${describe(name)}`);
  }
  const attrs: PartitionInput = {
    ipOverIb: optionalBoolean(body, 'ip_over_ib') ?? true,
    index0: optionalBoolean(body, 'index0') ?? false,
    qos: parseQosFields(body),
  };
  if (typeof name === 'string') attrs.name = name;
  return { pkey, attrs };
}

/** Parses the body of `PUT /resources/pkeys/qos_conf`; absent QoS fields stay unchanged. @throws SimHttpError 400. */
export function parseQosBody(raw: unknown): { pkey: number; qos: Partial<QosConf> } {
  const body = requireObject(raw);
  return { pkey: parsePkey(field(body, 'pkey'), true), qos: parseQosFields(body) };
}

function parseQosFields(body: Record<string, unknown>): Partial<QosConf> {
  const qos: Partial<QosConf> = {};
  const mtu = field(body, 'mtu_limit');
  const sl = field(body, 'service_level');
  const rate = field(body, 'rate_limit');
  if (mtu !== undefined) qos.mtu_limit = oneOf(mtu, MTU_LIMITS, 'mtu_limit');
  if (sl !== undefined) {
    if (typeof sl !== 'number' || !Number.isInteger(sl) || sl < 0 || sl > MAX_SERVICE_LEVEL) {
      throw new SimHttpError(400, `invalid service_level ${describe(sl)}: expected an integer 0-15`);
    }
    qos.service_level = sl;
  }
  if (rate !== undefined) qos.rate_limit = oneOf(rate, RATE_LIMITS, 'rate_limit');
  return qos;
}

function oneOf(value: unknown, allowed: number[], name: string): number {
  if (typeof value !== 'number' || !allowed.includes(value)) {
    throw new SimHttpError(400, `invalid ${name} ${describe(value)}: expected one of ${allowed.join(', ')}`);
  }
  return value;
}

function parseMembership(value: unknown, name: string): Membership | undefined {
  if (value === undefined) return undefined;
  if (value !== 'full' && value !== 'limited') {
    throw new SimHttpError(400, `invalid ${name} ${describe(value)}: expected "full" or "limited"`);
  }
  return value;
}

function parseMemberships(value: unknown, count: number): Membership[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length !== count) {
    throw new SimHttpError(400, 'memberships must be an array as long as guids');
  }
  return value.map((m) => parseMembership(m, 'memberships[]') ?? 'full');
}

function optionalBoolean(body: Record<string, unknown>, name: string): boolean | undefined {
  const value = field(body, name);
  if (value !== undefined && typeof value !== 'boolean') {
    throw new SimHttpError(400, `invalid ${name} ${describe(value)}: expected true or false`);
  }
  return value;
}
