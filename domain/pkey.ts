/**
 * Partition keys. A PKey is written in NADs as `0x`-prefixed hex. UFM accepts partition
 * numbers 0x1–0x7ffe for writes (0x7fff is the read-only management partition), and its
 * responses key partitions by minimal lower-case hex, so that form (`0x5`) is our canonical
 * one everywhere: workflow ids, UFM calls and the `cni-args.pkey` we write.
 */
import { describeValue, InvalidPKeyError } from './errors';

/** Canonical PKey text: `0x` and minimal lower-case hex, e.g. `0x5`, `0x7ffe`. */
export type PKeyString = string;

const FULL_MEMBERSHIP_BIT = 0x8000;
const MIN_PKEY = 0x1;
const MAX_PKEY = 0x7ffe;
const PKEY_SYNTAX = /^0[xX][0-9a-fA-F]+$/;

/**
 * Parses a NAD `pkey` string into a 15-bit partition number.
 *
 * Stricter than upstream's unanchored regex (it once accepted trailing garbage and, before
 * PR #211, rejected hex letters): the whole string must be `0x`/`0X` and hex digits. The
 * full-membership bit 0x8000 is stripped, since UFM takes membership as a separate field
 * and rejects the bit in the key (upstream rejects such keys outright).
 * @throws InvalidPKeyError when malformed, zero, the management key 0x7fff, or above 0xffff.
 */
export function parsePKey(text: string): number {
  if (typeof text !== 'string') throw new InvalidPKeyError(describeValue(text), 'not a string');
  if (!PKEY_SYNTAX.test(text)) throw new InvalidPKeyError(text, 'expected 0x followed by hex digits, e.g. 0x7ff');
  const digits = text.slice(2).replace(/^0+(?=.)/, '');
  if (digits.length > 4) throw new InvalidPKeyError(text, 'value exceeds 0xffff');
  const partition = Number.parseInt(digits, 16) & ~FULL_MEMBERSHIP_BIT;
  if (partition < MIN_PKEY || partition > MAX_PKEY) {
    throw new InvalidPKeyError(
      text,
      'partition must be within 0x1-0x7ffe (0x0 is invalid, 0x7fff is the management key)',
    );
  }
  return partition;
}

/** Formats a partition number canonically. @throws InvalidPKeyError when out of range. */
export function formatPKey(partition: number): PKeyString {
  if (!Number.isInteger(partition) || partition < MIN_PKEY || partition > MAX_PKEY) {
    throw new InvalidPKeyError(describeValue(partition), 'partition must be an integer within 0x1-0x7ffe');
  }
  return `0x${partition.toString(16)}`;
}

/** Parses any accepted form and returns the canonical one. @throws InvalidPKeyError. */
export function normalizePKey(text: string): PKeyString {
  return formatPKey(parsePKey(text));
}
