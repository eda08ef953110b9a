/**
 * UFM REST simulator: a faithful stand-in for the UFM PKey API (reference `ufm-rest-api.md`)
 * with knobs for its unverified behaviours, fault injection and test hooks. Embed it with
 * {@link startUfmSimulator}, or run `node build/ufm-simulator/main.js` and use the `/__sim` hooks.
 */
export { startUfmSimulator } from './server';
export { generateCaSignedCert, generateSelfSignedCert, type GeneratedCert, type IssuedCert } from './certs';
export { DEFAULT_KNOBS, parseKnobs } from './knobs';
export { parseFaultRule } from './faults';
export type {
  AuthVariant,
  FaultKind,
  FaultRule,
  PartitionSnapshot,
  RequestLogEntry,
  SimulatorKnobs,
  UfmSimulator,
  UfmSimulatorOptions,
} from './types';
