// Four suites: unit (pure logic, no servers, includes workflow replay), integration
// (real Temporal dev server, kube-apiserver and UFM simulator started by hack/stack.sh),
// e2e (the real watcher and worker processes on that stack), cluster (the production shape:
// the Temporal server on PostgreSQL, two workers, two watchers; IBK_PROFILE=cluster). JEST_SUITE picks one
// (the npm scripts set it), so `npm run test:unit -- <path>` filters as expected.
const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2023' } }] };
// Stack directories hold etcd data whose `*.snap` files jest would take for stale snapshots.
const common = {
  testEnvironment: 'node',
  transform,
  moduleFileExtensions: ['ts', 'js', 'json'],
  modulePathIgnorePatterns: ['<rootDir>/\\.stack', '<rootDir>/build', '<rootDir>/node_modules/.cache'],
};
const suites = ['unit', 'integration', 'e2e', 'cluster'].map((name) => ({
  ...common,
  setupFiles: ['<rootDir>/test/support/fast-check-setup.ts'],
  displayName: name,
  testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
}));
const only = process.env.JEST_SUITE;
if (only !== undefined && !suites.some((suite) => suite.displayName === only)) {
  throw new Error(`JEST_SUITE=${only} is not one of unit, integration, e2e, cluster`);
}

/** @type {import('jest').Config} */
module.exports = { projects: only === undefined ? suites : suites.filter((suite) => suite.displayName === only) };
