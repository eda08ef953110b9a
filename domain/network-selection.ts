/**
 * The pod network-selection annotation (`k8s.v1.cni.cncf.io/networks`): parsing exactly as
 * NAD-client v1.7.7 `ParsePodNetworkAnnotation` does (pkg/utils/net-attach-def.go), and
 * writing it back without losing what we do not own.
 *
 * Parity notes, where we differ on purpose:
 * - unknown element keys (Multus' `interfaceRequest`, `deviceID`, vendor keys) are kept on
 *   rewrite; upstream drops them, so a pod naming its interface only via `interfaceRequest`
 *   lost it;
 * - a JSON-form element is written back without the `namespace` it was defaulted to (the
 *   rewrite changes only what we own; Multus applies the same default); a short-form element
 *   becomes `{"name","namespace","interface"}` in Go struct order, as upstream writes it;
 * - a known key given more than once (`name` and `NAME`) is written back once, with the value
 *   Go decoded, so readers that match keys differently cannot disagree;
 * - `[null]` is an error; upstream dereferences a nil pointer and panics;
 * - numbers beyond the float64 range are refused even in unknown keys, which Go skips
 *   unread: a plain JSON value cannot hold them;
 * - nesting is limited to 1,000 levels, not Go's 10,000, so that every accepted annotation
 *   can be written back and passed to a workflow (see `MAX_JSON_DEPTH`);
 * - the rewrite is JSON with the same meaning, not the same bytes: key order is kept
 *   (except that integer-like keys such as `"1"` move first, a JavaScript object rule),
 *   numbers and escapes are re-rendered (`1e2` becomes `100`, large integers keep float64
 *   precision, as Go's cni-args do), and `<`, `>`, `&` are not `\u`-escaped as Go does.
 *
 * The element representation is documented at {@link NetworkSelectionElement}; accessors,
 * mutators and identifiers are re-exported here so callers need one import.
 */
import { NetworkAnnotationError } from './errors';
import { JsonSyntaxError, jsonTypeName, parseJsonText } from './json-text';
import { ElementDecodeError, decodeElement } from './network-element-decode';
import { elementFromRaw } from './network-element';
import type { NetworkSelectionElement } from './network-element';

export {
  getElementGuid,
  getElementPKey,
  isConfigured,
  withConfigured,
  withGuid,
  withoutConfigured,
  KNOWN_ELEMENT_FIELDS,
} from './network-element';
export type { NetworkSelectionElement, WithGuidOptions } from './network-element';
export { interfaceKeys, networkId, podNetworkInterfaceId } from './network-ids';
export type { JsonObject, JsonValue } from './json-text';

/** Upstream's reason when the annotation is missing or empty. */
export const NO_NETWORKS_REASON = 'no kubernetes network found';

// multi-net-spec's attachment-name rule as upstream applies it to each short-form part.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// Go's strings.TrimSpace (unicode.IsSpace): unlike String.prototype.trim it strips U+0085
// and keeps U+FEFF, which decides whether `\uFEFF` is an empty part or an invalid name.
const GO_SPACES = new Set([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006,
  0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]);

/**
 * Parses the annotation value into its elements, in order, duplicates kept.
 *
 * JSON form when the value contains `[`, `{` or `"` anywhere: it must be a JSON list of
 * objects, decoded with Go `encoding/json` rules (known keys matched case-insensitively,
 * repeated keys applied in order, wrong types refused). Otherwise the short form
 * `[<namespace>/]<name>[@<interface>]`, comma-separated, each part trimmed and, when
 * non-empty, a DNS-1123 label; empty parts pass (`a,,b` has an element named `""`). Elements
 * without a namespace get `podNamespace`.
 * @throws NetworkAnnotationError when the value is missing or empty ("no kubernetes network
 * found"), or when any element is invalid: one bad element rejects the whole annotation.
 */
export function parseNetworkSelection(value: string | undefined, podNamespace: string): NetworkSelectionElement[] {
  if (typeof value !== 'string' || value === '') {
    throw new NetworkAnnotationError(typeof value === 'string' ? value : '', NO_NETWORKS_REASON);
  }
  return /[[{"]/.test(value) ? parseJsonForm(value, podNamespace) : parseShortForm(value, podNamespace);
}

/**
 * Writes elements back as the annotation's JSON form: each element's `raw` object, so keys
 * we did not touch come out as they came in. An empty list gives `[]`.
 */
export function serializeNetworkSelection(elements: readonly NetworkSelectionElement[]): string {
  return JSON.stringify(elements.map((element) => element.raw));
}

function parseJsonForm(value: string, podNamespace: string): NetworkSelectionElement[] {
  try {
    const tree = parseJsonText(value);
    if (!Array.isArray(tree)) {
      throw new ElementDecodeError(`expected a JSON list of network objects, got ${jsonTypeName(tree)}`);
    }
    return tree.map((item, index) => {
      const { raw, namespace } = decodeElement(item, index);
      return elementFromRaw(raw, namespace === '' ? podNamespace : namespace);
    });
  } catch (error) {
    if (error instanceof JsonSyntaxError || error instanceof ElementDecodeError) {
      throw new NetworkAnnotationError(value, `invalid JSON form: ${error.message}`);
    }
    throw error;
  }
}

function parseShortForm(value: string, podNamespace: string): NetworkSelectionElement[] {
  return value.split(',').map((item) => {
    const trimmed = goTrimSpace(item);
    const slashParts = trimmed.split('/');
    if (slashParts.length > 2)
      throw new NetworkAnnotationError(value, `invalid network object ${quote(trimmed)} (failed at '/')`);
    const namespace = slashParts.length === 2 ? goTrimSpace(slashParts[0] ?? '') : '';
    const atParts = (slashParts.at(-1) ?? '').split('@');
    if (atParts.length > 2)
      throw new NetworkAnnotationError(value, `invalid network object ${quote(trimmed)} (failed at '@')`);
    const name = goTrimSpace(atParts[0] ?? '');
    const iface = goTrimSpace(atParts[1] ?? '');
    for (const part of [namespace, name, iface]) {
      if (part !== '' && !DNS_LABEL.test(part)) {
        throw new NetworkAnnotationError(
          value,
          `${quote(part)} in ${quote(trimmed)} is not a lower-case DNS label (a-z, 0-9, '-', alphanumeric at both ends)`,
        );
      }
    }
    const resolved = namespace === '' ? podNamespace : namespace;
    // The JSON this element is written back as, in Go struct order with Go's omitempty.
    const raw = {
      name,
      ...(resolved !== '' ? { namespace: resolved } : {}),
      ...(iface !== '' ? { interface: iface } : {}),
    };
    return elementFromRaw(raw, resolved);
  });
}

// A loop, not a regex: `\s+$` is quadratic on a long run of inner spaces.
function goTrimSpace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && GO_SPACES.has(text.charCodeAt(start))) start++;
  while (end > start && GO_SPACES.has(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}
