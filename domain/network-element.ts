/**
 * One entry of the pod network-selection annotation, and the pure accessors and mutators the
 * controller needs: read the GUID, write the GUID, mark the element configured.
 *
 * Representation: `raw` is the element exactly as it will be written back (every key in its
 * original spelling and order, unknown keys such as Multus' `interfaceRequest` included);
 * the other fields are a decoded view of `raw` with Go `encoding/json` semantics plus the
 * pod-namespace default. Mutators return a new element with both rebuilt from the new `raw`,
 * so the two never disagree. Everything is JSON-plain so elements can cross workflow
 * boundaries.
 */
import { CONFIGURED_KEY, CONFIGURED_VALUE, GUID_ARG, INFINIBAND_GUID_KEY, PKEY_ARG } from './annotations';
import { InvalidGuidError, InvalidPKeyError } from './errors';
import { isCanonicalGuid } from './guid';
import { foldKey, isJsonObject, plainObject } from './json-text';
import type { JsonObject, JsonValue } from './json-text';
import { normalizePKey } from './pkey';

/** A network-selection element: the raw JSON object plus its decoded view. */
export interface NetworkSelectionElement {
  /** The element as written back: all keys (original spelling, order) and values. */
  readonly raw: JsonObject;
  /** NAD name (`name`); may be `""` (upstream accepts `ib-net,` and `{}`). */
  readonly name: string;
  /** NAD namespace: the element's `namespace`, or the pod's namespace when that is empty. */
  readonly namespace: string;
  /** Requested interface name; absent when the element has none or `""`. */
  readonly interface?: string;
  /** `infiniband-guid`, verbatim; absent when missing or `""`. */
  readonly infinibandGuid?: string;
  /** `cni-args`: absent when the key is missing, `null` when it is JSON null. */
  readonly cniArgs?: JsonObject | null;
}

/** Keys of NAD-client's `NetworkSelectionElement`, in Go struct (= serialisation) order. */
export const KNOWN_ELEMENT_FIELDS = [
  'name',
  'namespace',
  'ips',
  'mac',
  INFINIBAND_GUID_KEY,
  'interface',
  'portMappings',
  'bandwidth',
  'cni-args',
  'default-route',
  'ipam-claim-reference',
] as const;

/** One of {@link KNOWN_ELEMENT_FIELDS}. */
export type KnownElementField = (typeof KNOWN_ELEMENT_FIELDS)[number];

const FIELD_BY_FOLD = new Map<string, KnownElementField>(KNOWN_ELEMENT_FIELDS.map((f) => [foldKey(f), f]));

/** The known field a key decodes into under Go's case-insensitive matching, if any. */
export function knownFieldOf(key: string): KnownElementField | undefined {
  return FIELD_BY_FOLD.get(key) ?? FIELD_BY_FOLD.get(foldKey(key));
}

/**
 * Builds an element from a raw object whose known fields appear at most once (as the
 * decoder leaves them) and its already-resolved namespace.
 */
export function elementFromRaw(raw: JsonObject, namespace: string): NetworkSelectionElement {
  const read = (field: KnownElementField): JsonValue | undefined => {
    const key = findKey(raw, field);
    return key === undefined ? undefined : raw[key];
  };
  const name = read('name');
  const iface = read('interface');
  const guid = read(INFINIBAND_GUID_KEY);
  const cniArgs = read('cni-args');
  return {
    raw,
    name: typeof name === 'string' ? name : '',
    namespace,
    ...(typeof iface === 'string' && iface !== '' ? { interface: iface } : {}),
    ...(typeof guid === 'string' && guid !== '' ? { infinibandGuid: guid } : {}),
    ...(cniArgs === null || isJsonObject(cniArgs) ? { cniArgs } : {}),
  };
}

/**
 * The GUID the element carries, verbatim (not validated or normalised; use `normalizeGuid`):
 * `infiniband-guid` when non-empty, else `cni-args.guid` when it is a non-empty string
 * (upstream `GetPodNetworkGUID`). `""` and JSON null count as no GUID: ib-sriov-cni decodes
 * cni-args as strings, where null reads as `""`.
 * @throws InvalidGuidError when `cni-args.guid` is another JSON type (upstream would render
 * it with `%s` into junk such as `%!s(float64=123)`).
 */
export function getElementGuid(element: NetworkSelectionElement): string | undefined {
  if (element.infinibandGuid !== undefined) return element.infinibandGuid;
  const value = ownValue(element.cniArgs, GUID_ARG);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') {
    throw new InvalidGuidError(JSON.stringify(value), `cni-args.${GUID_ARG} must be a string`);
  }
  return value;
}

/** Options for {@link withGuid}. */
export interface WithGuidOptions {
  /** The NAD's ib-sriov plugin declares `capabilities.infinibandGUID: true`. */
  readonly useInfinibandGuidField: boolean;
}

/**
 * Returns the element with `guid` as its GUID: in `infiniband-guid` when the NAD declares the
 * `infinibandGUID` capability (Multus then passes it as `runtimeConfig.infinibandGUID`), else
 * in `cni-args.guid` (creating `cni-args`), as upstream `SetPodNetworkGUID`. A GUID already in
 * the other place (a non-empty `infiniband-guid`, or any `cni-args.guid`) is overwritten too,
 * so ib-sriov-cni and {@link getElementGuid} can never see two different GUIDs.
 * @throws InvalidGuidError unless `guid` is canonical (`02:00:00:00:00:00:00:0a`), the only
 * form ib-sriov-cni accepts.
 */
export function withGuid(
  element: NetworkSelectionElement,
  guid: string,
  options: WithGuidOptions,
): NetworkSelectionElement {
  if (!isCanonicalGuid(guid)) throw new InvalidGuidError(guid, 'withGuid needs the canonical lower-case colon form');
  let raw = element.raw;
  if (options.useInfinibandGuidField || element.infinibandGuid !== undefined) {
    raw = setField(raw, INFINIBAND_GUID_KEY, guid);
  }
  if (!options.useInfinibandGuidField || ownValue(element.cniArgs, GUID_ARG) !== undefined) {
    raw = setField(raw, 'cni-args', { ...(element.cniArgs ?? {}), [GUID_ARG]: guid });
  }
  return elementFromRaw(raw, element.namespace);
}

/**
 * Returns the element marked configured: `cni-args["mellanox.infiniband.app"] = "configured"`
 * and `cni-args.pkey = pkey` (other cni-args kept, `cni-args` created if missing or null).
 * Write it only after the subnet manager confirmed the GUID is in the PKey.
 * @param pkey canonical PKey (`0x5`) or `""` when the NAD has none.
 * @throws InvalidPKeyError when `pkey` is neither `""` nor canonical.
 */
export function withConfigured(element: NetworkSelectionElement, pkey: string): NetworkSelectionElement {
  if (pkey !== '' && normalizePKey(pkey) !== pkey) {
    throw new InvalidPKeyError(pkey, 'withConfigured needs the canonical form, e.g. 0x5');
  }
  const cniArgs = { ...(element.cniArgs ?? {}), [CONFIGURED_KEY]: CONFIGURED_VALUE, [PKEY_ARG]: pkey };
  return elementFromRaw(setField(element.raw, 'cni-args', cniArgs), element.namespace);
}

/**
 * Returns the element without the configured marker and the `pkey` cni-arg (the GUID stays),
 * or the element itself when it carries neither.
 */
export function withoutConfigured(element: NetworkSelectionElement): NetworkSelectionElement {
  const cniArgs = element.cniArgs;
  if (!cniArgs || (!Object.hasOwn(cniArgs, CONFIGURED_KEY) && !Object.hasOwn(cniArgs, PKEY_ARG))) return element;
  const kept = Object.entries(cniArgs).filter(([key]) => key !== CONFIGURED_KEY && key !== PKEY_ARG);
  return elementFromRaw(setField(element.raw, 'cni-args', plainObject(kept)), element.namespace);
}

/** True when `cni-args["mellanox.infiniband.app"]` is exactly the string `configured`. */
export function isConfigured(element: NetworkSelectionElement): boolean {
  return ownValue(element.cniArgs, CONFIGURED_KEY) === CONFIGURED_VALUE;
}

/**
 * The `cni-args.pkey` string recorded when the element was configured (`""` for a NAD without
 * PKey), or undefined when missing or not a string (upstream panics on a non-string).
 */
export function getElementPKey(element: NetworkSelectionElement): string | undefined {
  const value = ownValue(element.cniArgs, PKEY_ARG);
  return typeof value === 'string' ? value : undefined;
}

/** The key under which `raw` holds `field` (any case Go accepts), if present. */
function findKey(raw: JsonObject, field: KnownElementField): string | undefined {
  return Object.keys(raw).find((key) => knownFieldOf(key) === field);
}

/** Own property only: a `cni-args` object never inherits a value. */
function ownValue(object: JsonObject | null | undefined, key: string): JsonValue | undefined {
  return object && Object.hasOwn(object, key) ? object[key] : undefined;
}

/**
 * Sets a known field, keeping its existing key (spelling and position); a new key goes where
 * Go's struct order puts it relative to the other known keys, so rewriting a short-form
 * element reproduces upstream's output. Unknown keys keep their places.
 */
function setField(raw: JsonObject, field: KnownElementField, value: JsonValue): JsonObject {
  const entries = Object.entries(raw);
  const existing = entries.findIndex(([key]) => knownFieldOf(key) === field);
  if (existing >= 0) {
    entries[existing] = [entries[existing]?.[0] ?? field, value];
  } else {
    const order = KNOWN_ELEMENT_FIELDS.indexOf(field);
    const later = entries.findIndex(([key]) => {
      const other = knownFieldOf(key);
      return other !== undefined && KNOWN_ELEMENT_FIELDS.indexOf(other) > order;
    });
    entries.splice(later >= 0 ? later : entries.length, 0, [field, value]);
  }
  return plainObject(entries);
}
