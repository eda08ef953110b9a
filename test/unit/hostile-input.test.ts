/**
 * Every parser of outside input, fed arbitrary and hostile values: each either returns or
 * throws its own documented error class, never a TypeError, RangeError or stack overflow
 * that would crash a worker or be retried for ever.
 */
import fc from 'fast-check';
import { parseConfig, parseUfmConfig } from '../../domain/config';
import {
  ConfigError,
  InvalidGuidError,
  InvalidPKeyError,
  InvalidPoolStateError,
  NadConfigError,
  NotIbSriovError,
} from '../../domain/errors';
import { parseGuid, parseUfmGuid } from '../../domain/guid';
import { GuidPool } from '../../domain/guid-pool';
import { parseIbSriovNetwork } from '../../domain/nad';
import { parsePKey } from '../../domain/pkey';

const RUNS = { numRuns: Number(process.env.FC_RUNS ?? 300) };
const anything = fc.oneof(fc.string(), fc.jsonValue(), fc.anything());

function throwsOnly(call: () => unknown, ...allowed: (new (...args: never[]) => Error)[]): void {
  try {
    call();
  } catch (error) {
    expect(allowed.some((kind) => error instanceof kind)).toBe(true);
  }
}

it('parseGuid and parseUfmGuid throw only InvalidGuidError', () => {
  fc.assert(
    fc.property(anything, (value) => {
      throwsOnly(() => parseGuid(value as string), InvalidGuidError);
      throwsOnly(() => parseUfmGuid(value as string), InvalidGuidError);
    }),
    RUNS,
  );
});

it('parsePKey throws only InvalidPKeyError', () => {
  const hexish = fc.string({ unit: fc.constantFrom(...'0xX123456789abcdefABCDEF _-') });
  fc.assert(
    fc.property(fc.oneof(anything, hexish), (value) => throwsOnly(() => parsePKey(value as string), InvalidPKeyError)),
    RUNS,
  );
});

it('parseIbSriovNetwork throws only NAD errors, for strings, JSON texts and non-strings', () => {
  const config = fc.oneof(
    anything,
    fc.json(),
    fc.jsonValue().map((v) => JSON.stringify({ type: 'ib-sriov', pkey: v })),
    fc.jsonValue().map((v) => JSON.stringify({ type: 'x', plugins: v })),
    fc.jsonValue().map((v) => JSON.stringify({ type: 'ib-sriov', pkey: '0x5', capabilities: v })),
  );
  fc.assert(
    fc.property(config, (value) =>
      throwsOnly(() => parseIbSriovNetwork('ns_net', value), NadConfigError, NotIbSriovError, InvalidPKeyError),
    ),
    RUNS,
  );
});

it('parseConfig and parseUfmConfig throw only ConfigError, and never echo a password', () => {
  const names = [
    'DAEMON_SM_PLUGIN',
    'DAEMON_SM_PLUGIN_PATH',
    'DAEMON_PERIODIC_UPDATE',
    'GUID_POOL_RANGE_START',
    'GUID_POOL_RANGE_END',
    'UFM_USERNAME',
    'UFM_PASSWORD',
    'UFM_ADDRESS',
    'UFM_HTTP_SCHEMA',
    'UFM_PORT',
    'UFM_CERTIFICATE',
    'UFM_REQUEST_TIMEOUT',
    'TEMPORAL_ADDRESS',
    'TEMPORAL_NAMESPACE',
    'TEMPORAL_TASK_QUEUE',
    'TEMPORAL_API_KEY',
    'TEMPORAL_TLS',
  ];
  const env = fc.dictionary(fc.constantFrom(...names), fc.string({ maxLength: 40 }));
  fc.assert(
    fc.property(env, (values) => {
      const password = 'pw-' + 'S3cr3t!'.repeat(3);
      const withSecret = { ...values, UFM_PASSWORD: password };
      for (const parse of [parseConfig, parseUfmConfig]) {
        try {
          parse(withSecret);
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          expect(JSON.stringify(error) + String(error)).not.toContain(password);
        }
      }
    }),
    RUNS,
  );
});

it('GuidPool.fromState throws only InvalidPoolStateError for arbitrary and mangled state', () => {
  const pool = new GuidPool({ start: '02:00:00:00:00:00:00:01', end: '02:00:00:00:00:00:ff:ff' });
  for (let i = 0; i < 50; i++) pool.allocate(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}_ib-net_idx_0`);
  const good = pool.toState() as unknown as Record<string, unknown>;
  const mangled = fc
    .tuple(fc.constantFrom(...Object.keys(good)), fc.oneof(fc.jsonValue(), fc.string(), fc.anything()))
    .map(([key, value]) => ({ ...good, [key]: value }));
  // Hostile entries inside the lists, where the decoder renders them into its messages.
  const hostileEntry = fc.oneof(
    fc.anything(),
    fc.constant({ toString: 0 }),
    fc.constant({ toJSON: 0, valueOf: 0 }),
    fc.constant(Object.create(null) as object),
  );
  const owners = good.owners as unknown[];
  const tails = good.tails as unknown[];
  const hostileLists = fc.oneof(
    fc.tuple(fc.nat(owners.length), hostileEntry).map(([at, entry]) => ({
      ...good,
      owners: [...owners.slice(0, at), entry, ...owners.slice(at)],
    })),
    fc.tuple(fc.nat(tails.length), hostileEntry).map(([at, entry]) => ({
      ...good,
      tails: [...tails.slice(0, at), entry, ...tails.slice(at)],
    })),
    hostileEntry.map((entry) => ({ ...good, range: { start: entry, end: entry } })),
  );
  fc.assert(
    fc.property(fc.oneof(anything, mangled, hostileLists), (state) =>
      throwsOnly(() => GuidPool.fromState(state), InvalidPoolStateError),
    ),
    RUNS,
  );
});

it.each([
  ['an object whose toString is not a function', { toString: 0 }],
  ['an object without prototype', Object.create(null) as object],
  ['a symbol', Symbol('guid')],
  ['a bigint', 5n],
])('error messages render %s without running its code', (_case, value) => {
  throwsOnly(() => parseGuid(value as never), InvalidGuidError);
  throwsOnly(() => parsePKey(value as never), InvalidPKeyError);
  throwsOnly(() => parseUfmGuid(value as never), InvalidGuidError);
});
