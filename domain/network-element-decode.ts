/**
 * Decodes one JSON-form network-selection element the way Go `encoding/json` decodes it into
 * NAD-client v1.7.7's `NetworkSelectionElement`, while keeping every key it ignores.
 *
 * Go applies the members of an object in document order, matching known field names
 * case-insensitively, so for a known field that occurs several times (`name` and `NAME`, or a
 * repeated key) we compute Go's resulting value and keep the field once, under the spelling
 * and at the position of its last occurrence. That value is what Go would have seen, so
 * consumers that read our rewrite (Multus) see the same thing. Go's rules reproduced: a JSON
 * null leaves a string field unchanged; a second `cni-args` or `bandwidth` object is merged
 * into the first (Go reuses the map and the pointed-to struct); null resets them. Not
 * reproduced: Go reuses slice elements when a list field repeats; here the last list wins.
 */
import { isGoIpAddress } from './ip-address';
import { JsonEntries, JsonNumber, foldKey, isJsonObject, jsonTypeName, plainObject, toJsonValue } from './json-text';
import type { JsonObject, JsonTree, JsonValue } from './json-text';
import { knownFieldOf } from './network-element';
import type { KnownElementField } from './network-element';

/** Thrown for a value Go would refuse to decode; the caller names the annotation. */
export class ElementDecodeError extends Error {
  override readonly name = 'ElementDecodeError';
}

type Kind = 'string' | 'strings' | 'ips' | 'portMappings' | 'bandwidth' | 'cniArgs';

const KIND: Readonly<Record<KnownElementField, Kind>> = {
  name: 'string',
  namespace: 'string',
  ips: 'strings',
  mac: 'string',
  'infiniband-guid': 'string',
  interface: 'string',
  portMappings: 'portMappings',
  bandwidth: 'bandwidth',
  'cni-args': 'cniArgs',
  'default-route': 'ips',
  'ipam-claim-reference': 'string',
};

const PORT_MAPPING_INTS = new Set(['hostport', 'containerport']);
const PORT_MAPPING_STRINGS = new Set(['protocol', 'hostip']);
const BANDWIDTH_INTS = new Set(['ingressrate', 'ingressburst', 'egressrate', 'egressburst']);
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Decodes element `index` of the list into its raw object (known fields collapsed as
 * described above) and the namespace it names (`""` when none).
 * @throws ElementDecodeError when Go's decoding would fail: the element is not an object
 * (including null, where upstream dereferences a nil pointer), a known field has the wrong
 * JSON type, an integer field holds a non-integer, or a `default-route` item is not an IP.
 */
export function decodeElement(tree: JsonTree, index: number): { raw: JsonObject; namespace: string } {
  if (!(tree instanceof JsonEntries)) {
    throw new ElementDecodeError(`element ${index}: expected an object, got ${jsonTypeName(tree)}`);
  }
  // Each member's slot holds its key and, for an unknown key, its value; a known field's value is
  // resolved once at the end, so a field repeated k times costs O(total size), not O(k²).
  const slots: Array<readonly [string, JsonValue | Accumulated] | undefined> = [];
  const slotOf = new Map<string, number>();
  const effective = new Map<KnownElementField, Accumulated>();

  for (const [key, value] of tree.entries) {
    const field = knownFieldOf(key);
    const group = field === undefined ? `key:${key}` : `field:${field}`;
    let stored: JsonValue | Accumulated;
    if (field === undefined) {
      stored = toJsonValue(value);
    } else {
      checkField(field, value, `element ${index}: field ${JSON.stringify(key)}`);
      stored = accumulate(KIND[field], effective.get(field), toJsonValue(value));
      effective.set(field, stored);
    }
    const previous = slotOf.get(group);
    if (previous !== undefined) slots[previous] = undefined;
    slotOf.set(group, slots.length);
    slots.push([key, stored]);
  }

  const namespace = effective.get('namespace');
  const kept = slots.filter((slot) => slot !== undefined).map(([key, value]) => [key, resolve(value)] as const);
  return {
    raw: plainObject(kept),
    namespace: namespace?.value !== undefined && typeof namespace.value === 'string' ? namespace.value : '',
  };
}

/**
 * A known field's value so far. For an object field merged across occurrences, `entries` collects
 * the members of every occurrence in order (the last of a repeated key wins when resolved).
 */
class Accumulated {
  constructor(
    readonly value: JsonValue,
    readonly entries?: Array<readonly [string, JsonValue]>,
  ) {}
}

function resolve(value: JsonValue | Accumulated): JsonValue {
  if (!(value instanceof Accumulated)) return value;
  return value.entries ? plainObject(value.entries) : value.value;
}

/** Go's value for a field after one more occurrence; amortised O(size of `next`). */
function accumulate(kind: Kind, before: Accumulated | undefined, next: JsonValue): Accumulated {
  if (next === null) return kind === 'string' && before !== undefined ? before : new Accumulated(null);
  if ((kind === 'cniArgs' || kind === 'bandwidth') && isJsonObject(next)) {
    const merged = before?.entries ?? (isJsonObject(before?.value) ? Object.entries(before.value) : undefined);
    if (merged) {
      // Go reuses the map (or struct) of the earlier occurrence and sets the new members on it.
      for (const entry of Object.entries(next)) merged.push(entry);
      return new Accumulated(next, merged);
    }
  }
  return new Accumulated(next);
}

function checkField(field: KnownElementField, value: JsonTree, where: string): void {
  if (value === null) return; // null is accepted for every field
  const kind = KIND[field];
  switch (kind) {
    case 'string':
      return expect(typeof value === 'string', where, 'a string', value);
    case 'cniArgs':
      return expect(value instanceof JsonEntries, where, 'an object', value);
    case 'strings':
    case 'ips':
    case 'portMappings':
      expect(Array.isArray(value), where, 'a list', value);
      (value as JsonTree[]).forEach((item, i) => checkItem(kind, item, `${where}[${i}]`));
      return;
    case 'bandwidth':
      expect(value instanceof JsonEntries, where, 'an object', value);
      return checkStruct(value as JsonEntries, BANDWIDTH_INTS, new Set(), where);
  }
}

function checkItem(kind: 'strings' | 'ips' | 'portMappings', item: JsonTree, where: string): void {
  if (item === null) return;
  if (kind === 'portMappings') {
    expect(item instanceof JsonEntries, where, 'an object', item);
    return checkStruct(item as JsonEntries, PORT_MAPPING_INTS, PORT_MAPPING_STRINGS, where);
  }
  expect(typeof item === 'string', where, kind === 'ips' ? 'an IP address string' : 'a string', item);
  // net.IP's UnmarshalText accepts "" as "no address".
  if (kind === 'ips' && item !== '' && !isGoIpAddress(item as string)) {
    throw new ElementDecodeError(`${where}: invalid IP address ${JSON.stringify(item)}`);
  }
}

/** Checks the members of a small Go struct; unknown members are ignored, as Go does. */
function checkStruct(object: JsonEntries, ints: ReadonlySet<string>, strings: ReadonlySet<string>, where: string) {
  for (const [key, value] of object.entries) {
    const folded = foldKey(key);
    const at = `${where}.${key}`;
    if (value === null) continue;
    if (ints.has(folded)) {
      // Go parses the literal with strconv.ParseInt: no fraction, no exponent, 64-bit range.
      const text = value instanceof JsonNumber ? value.text : '';
      const ok = /^-?[0-9]+$/.test(text) && BigInt(text) >= INT64_MIN && BigInt(text) <= INT64_MAX;
      if (!ok) throw new ElementDecodeError(`${at}: expected an integer, got ${describe(value)}`);
    } else if (strings.has(folded)) {
      expect(typeof value === 'string', at, 'a string', value);
    }
  }
}

function expect(ok: boolean, where: string, wanted: string, value: JsonTree): void {
  if (!ok) throw new ElementDecodeError(`${where}: expected ${wanted}, got ${describe(value)}`);
}

function describe(value: JsonTree): string {
  return value instanceof JsonNumber ? `number ${value.text.slice(0, 40)}` : jsonTypeName(value);
}
