/**
 * PKey and GUID syntax as UFM accepts and emits it. Kept separate from the domain parsers on
 * purpose: the simulator models UFM, not our client, so a client-side bug is not hidden by
 * sharing the same code on both ends.
 */

/** An HTTP-level rejection of a request; `status` is what the simulator answers. */
export class SimHttpError extends Error {
  override readonly name = 'SimHttpError';
  /** Thrown by parsers and the state model when a request must be refused with `status`. */
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The predefined, read-only default partition. */
export const MANAGEMENT_PKEY = 0x7fff;
const MIN_WRITABLE_PKEY = 0x1;
const MAX_WRITABLE_PKEY = 0x7ffe;
// Long enough for any zero padding a client may use, short enough that hostile input is cheap.
const PKEY_SYNTAX = /^0[xX][0-9a-fA-F]{1,8}$/;
const GUID_SYNTAX = /^(?:0[xX])?([0-9a-fA-F]{16})$/;

/** Minimal lower-case hex form used in UFM responses, e.g. `0x5`, `0x7fff`. */
export function formatPkey(pkey: number): string {
  return `0x${pkey.toString(16)}`;
}

/**
 * Parses a request PKey: a string `0x` + hex, padding and case ignored (`0x00AB` ≡ `0xab`).
 * Bare numbers are refused: the reference only says one may be read as decimal (M).
 * @throws SimHttpError 400 when malformed or outside 0x1–0x7ffe (0x7fff too when `writable`).
 */
export function parsePkey(value: unknown, writable: boolean): number {
  if (typeof value !== 'string' || !PKEY_SYNTAX.test(value)) {
    throw new SimHttpError(400, `invalid pkey ${describe(value)}: expected a string 0x followed by hex digits`);
  }
  const pkey = Number.parseInt(value.slice(2), 16);
  const max = writable ? MAX_WRITABLE_PKEY : MANAGEMENT_PKEY;
  if (pkey < MIN_WRITABLE_PKEY || pkey > max) {
    const why = pkey === MANAGEMENT_PKEY ? 'the management partition 0x7fff is read-only' : 'out of range 0x1-0x7ffe';
    throw new SimHttpError(400, `invalid pkey ${describe(value)}: ${why}`);
  }
  return pkey;
}

/**
 * Parses a request GUID: 16 hex digits, optional `0x`, any case; the colon form is refused
 * (UFM documents 16–20 characters, which `02:00:…` exceeds).
 * @returns 16 lower-case hex digits, the form UFM emits.
 * @throws SimHttpError 400 otherwise.
 */
export function parseGuid(value: unknown): string {
  const match = typeof value === 'string' ? GUID_SYNTAX.exec(value) : null;
  if (!match?.[1]) {
    throw new SimHttpError(400, `invalid guid ${describe(value)}: expected 16 hex digits, optionally prefixed by 0x`);
  }
  return match[1].toLowerCase();
}

/**
 * Parses a non-empty list of GUIDs, dropping repeats unless `dedupe` is false (then the result
 * stays index-aligned with the input).
 * @throws SimHttpError 400 when not a non-empty array of valid GUID strings.
 */
export function parseGuidList(value: unknown, field: string, dedupe = true): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new SimHttpError(400, `${field} must be a non-empty array of GUID strings`);
  }
  const guids = value.map(parseGuid);
  return dedupe ? [...new Set(guids)] : guids;
}

/** Short, safe rendering of hostile input for error messages. */
export function describe(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = typeof value;
  }
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
