/**
 * Input checks shared by the built-in plugins, run before any I/O so bad input fails fast and
 * never reaches the subnet manager (upstream's `IsPKeyValid` admits 0x0 and 0x7fff: §7.8).
 */
import { formatUfmGuid, parseGuid } from '../domain/guid';
import { SubnetManagerError } from './types';
import { describeValue } from '../domain/errors';

/**
 * Range-checks the PKey (0x1–0x7ffe) and parses every GUID (any form `parseGuid` accepts),
 * returning UFM's 16-hex lower-case form, de-duplicated, in input order.
 * @throws SubnetManagerError `invalid-input` naming the first bad value.
 */
export function validateInput(operation: string, pkey: unknown, guids: readonly unknown[]): string[] {
  if (typeof pkey !== 'number' || !Number.isInteger(pkey) || pkey < 0x1 || pkey > 0x7ffe) {
    throw new SubnetManagerError(
      'invalid-input',
      `${operation}: PKey ${clip(describeValue(pkey))} is not a partition number within 0x1-0x7ffe`,
      { operation },
    );
  }
  if (!Array.isArray(guids)) {
    throw new SubnetManagerError('invalid-input', `${operation}: GUIDs must be an array`, { operation });
  }
  const unique = new Set<string>();
  for (const guid of guids) {
    try {
      unique.add(formatUfmGuid(parseGuid(guid as string)));
    } catch {
      throw new SubnetManagerError(
        'invalid-input',
        `${operation}: ${JSON.stringify(clip(String(guid)))} is not a GUID (expected e.g. 02:00:00:00:00:00:00:0a)`,
        { operation },
      );
    }
  }
  return [...unique];
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
