/**
 * Defaults and validation of {@link SimulatorKnobs}. Validation matters because knobs also
 * arrive as JSON over `/__sim/knobs` and the `--knobs` flag.
 */
import type { SimulatorKnobs } from './types';

/** Knob values when none are given: what current UFM is documented or observed to do (reference §5). */
export const DEFAULT_KNOBS: Readonly<SimulatorKnobs> = Object.freeze({
  unknownPkeyGet: '404',
  unknownPkeyRemove: '404',
  deleteGuidsRoute: 'served',
  unknownGuid: 'accept',
  managementPortsListed: false,
  listBothQueryBug: true,
  versionShape: '6.18+',
  postMemberships: 'ignore',
  maxBodyBytes: 1024 * 1024,
  maxRequestLine: 8190,
  baseLatencyMs: 0,
  requestLogLimit: 1000,
});

type Check = (value: unknown) => boolean;

const enumOf =
  (...values: string[]): Check =>
  (value) =>
    typeof value === 'string' && values.includes(value);
const isBoolean: Check = (value) => typeof value === 'boolean';
const countFrom =
  (min: number): Check =>
  (value) =>
    typeof value === 'number' && Number.isSafeInteger(value) && value >= min;

const CHECKS: Record<keyof SimulatorKnobs, [Check, string]> = {
  unknownPkeyGet: [enumOf('200-empty', '404'), '"200-empty" or "404"'],
  unknownPkeyRemove: [enumOf('200', '404'), '"200" or "404"'],
  deleteGuidsRoute: [enumOf('served', '405'), '"served" or "405"'],
  unknownGuid: [enumOf('accept', 'reject'), '"accept" or "reject"'],
  managementPortsListed: [isBoolean, 'true or false'],
  listBothQueryBug: [isBoolean, 'true or false'],
  versionShape: [enumOf('pre-6.18', '6.18+'), '"pre-6.18" or "6.18+"'],
  postMemberships: [enumOf('honour', 'ignore'), '"honour" or "ignore"'],
  maxBodyBytes: [countFrom(1), 'an integer >= 1'],
  maxRequestLine: [countFrom(16), 'an integer >= 16'],
  baseLatencyMs: [countFrom(0), 'an integer >= 0'],
  requestLogLimit: [countFrom(0), 'an integer >= 0'],
};

/**
 * Validates a partial knob object, e.g. parsed JSON from a client.
 * @returns a fresh object holding only known keys.
 * @throws Error naming the first unknown knob or invalid value.
 */
export function parseKnobs(input: unknown): Partial<SimulatorKnobs> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new Error('knobs must be a JSON object');
  }
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(input)) {
    if (!Object.hasOwn(CHECKS, name)) {
      throw new Error(`unknown knob "${name}"; known: ${Object.keys(CHECKS).join(', ')}`);
    }
    const [check, expected] = CHECKS[name as keyof SimulatorKnobs];
    if (!check(value)) throw new Error(`knob ${name}: expected ${expected}, got ${JSON.stringify(value)}`);
    out[name] = value;
  }
  return out as Partial<SimulatorKnobs>;
}
