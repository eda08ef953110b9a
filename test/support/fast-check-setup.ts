/**
 * Property tests explore a new random seed on every local run; CI (CI=true) uses a fixed seed
 * so a landing is never decided by luck. FC_SEED replays a reported failure; FC_RUNS raises
 * the number of cases for a deeper local search (`FC_RUNS=5000 make test-unit`).
 */
import fc from 'fast-check';

const seed = process.env.FC_SEED ?? (process.env.CI ? '20261129' : undefined);
const runs = process.env.FC_RUNS;
fc.configureGlobal({
  ...(seed !== undefined ? { seed: Number(seed) } : {}),
  ...(runs !== undefined ? { numRuns: Number(runs) } : {}),
});
