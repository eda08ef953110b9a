/**
 * Domain errors. Each condition has its own class with an explicit `name`, which is also
 * the Temporal failure `type` that activities report (class identity does not survive the
 * activity boundary, so workflows branch on that string). None of them is retryable:
 * they all describe bad input or an exhausted resource, not a transient fault.
 */

/** Base class: `name` doubles as the failure type. */
export abstract class DomainError extends Error {
  abstract override readonly name: string;
}

/** Thrown when a string is not a GUID in any accepted form. */
export class InvalidGuidError extends DomainError {
  override readonly name = 'InvalidGuidError';
  constructor(
    readonly value: string,
    readonly reason: string,
  ) {
    super(`invalid GUID ${JSON.stringify(clip(value))}: ${reason}`);
  }
}

/** Thrown when a PKey string is malformed or outside the range UFM accepts. */
export class InvalidPKeyError extends DomainError {
  override readonly name = 'InvalidPKeyError';
  constructor(
    readonly value: string,
    readonly reason: string,
  ) {
    super(`invalid PKey ${JSON.stringify(clip(value))}: ${reason}`);
  }
}

/** Thrown when a GUID pool range is empty, reversed or uses a reserved value; `bound` is the end at fault. */
export class InvalidGuidRangeError extends DomainError {
  override readonly name = 'InvalidGuidRangeError';
  constructor(
    readonly start: string,
    readonly end: string,
    readonly reason: string,
    readonly bound: 'start' | 'end',
  ) {
    super(`invalid GUID range ${start}..${end}: ${reason}`);
  }
}

/** Thrown when a requested GUID lies outside the configured pool range. */
export class GuidOutOfRangeError extends DomainError {
  override readonly name = 'GuidOutOfRangeError';
  constructor(
    readonly guid: string,
    readonly start: string,
    readonly end: string,
  ) {
    super(`GUID ${guid} is outside the pool range ${start}..${end}`);
  }
}

/** Thrown when a requested GUID is already held by another owner. */
export class GuidTakenError extends DomainError {
  override readonly name = 'GuidTakenError';
  constructor(
    readonly guid: string,
    readonly owner: string,
  ) {
    super(`GUID ${guid} is already allocated to ${owner}`);
  }
}

/** Thrown when no free GUID is left in the pool. */
export class PoolExhaustedError extends DomainError {
  override readonly name = 'PoolExhaustedError';
  constructor(
    readonly start: string,
    readonly end: string,
    readonly size: string,
  ) {
    super(`GUID pool ${start}..${end} is exhausted: all ${size} GUIDs are in use`);
  }
}

/** Thrown when an owner that already holds one GUID requests a different one. */
export class OwnerHoldsOtherGuidError extends DomainError {
  override readonly name = 'OwnerHoldsOtherGuidError';
  constructor(
    readonly owner: string,
    readonly held: string,
    readonly requested: string,
  ) {
    super(`${owner} already holds GUID ${held} and cannot also take ${requested}`);
  }
}

/** Thrown when serialised pool state is malformed or inconsistent. */
export class InvalidPoolStateError extends DomainError {
  override readonly name = 'InvalidPoolStateError';
  constructor(readonly reason: string) {
    super(`invalid GUID pool state: ${reason}`);
  }
}

/** Thrown when the pod network-selection annotation cannot be parsed. */
export class NetworkAnnotationError extends DomainError {
  override readonly name = 'NetworkAnnotationError';
  constructor(
    readonly value: string,
    readonly reason: string,
  ) {
    super(`invalid network annotation ${JSON.stringify(clip(value))}: ${reason}`);
  }
}

/** Thrown when a NetworkAttachmentDefinition's `spec.config` is malformed. */
export class NadConfigError extends DomainError {
  override readonly name = 'NadConfigError';
  constructor(
    readonly networkId: string,
    readonly reason: string,
  ) {
    super(`network ${networkId}: invalid NetworkAttachmentDefinition config: ${reason}`);
  }
}

/** Thrown when a NetworkAttachmentDefinition is valid but does not use ib-sriov. */
export class NotIbSriovError extends DomainError {
  override readonly name = 'NotIbSriovError';
  constructor(
    readonly networkId: string,
    readonly reason: string,
  ) {
    super(`network ${networkId} is not an InfiniBand SR-IOV network: ${reason}`);
  }
}

/** Thrown when an environment variable has a value the process cannot start with. */
export class ConfigError extends DomainError {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    readonly value: string,
    readonly expected: string,
  ) {
    super(`${variable}=${JSON.stringify(clip(value))} is invalid: expected ${expected}`);
  }
}

/**
 * Renders any value for an error message without running its code: `String()` of an object
 * calls its `toString`, which hostile JSON such as `{"toString":0}` turns into a TypeError.
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return String(value);
  return Array.isArray(value) ? 'an array' : `a value of type ${typeof value}`;
}

/** Keeps hostile, huge values from flooding messages and logs. */
function clip(value: string, max = 120): string {
  return value.length > max ? `${value.slice(0, max)}…(${value.length} chars)` : value;
}
