#!/usr/bin/env bash
# `make test`: everything CI checks, on a fresh or warm machine.
#   tools and dependencies -> build -> typecheck, lint, format -> unit tests ->
#   a private stack (own dir and ports) -> integration and end-to-end tests -> stack down ->
#   a private cluster-profile stack (PostgreSQL, the Temporal server) -> cluster tests -> stack down.
# Prints one closing line `tests: N passed, N failed[, N skipped]` and exits non-zero on any failure.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$IBK_ROOT"
started=$(date +%s)

bash hack/install-tools.sh all
ibk_use_node
bash hack/npm-deps.sh
npm run --silent build
npm run --silent typecheck
npm run --silent lint
npm run --silent format:check >/dev/null || { npm run format:check; exit 1; }

export IBK_STACK_DIR="${IBK_TEST_STACK_DIR:-$IBK_ROOT/.stack-test}"
export IBK_PORT_BASE="${IBK_TEST_PORT_BASE:-30000}"
REPORTS="$IBK_STACK_DIR/reports"
rm -rf "$REPORTS" && mkdir -p "$REPORTS"

status=0
run_suite() {
  local suite="$1"
  npm run --silent "test:$suite" -- --json --outputFile "$REPORTS/$suite.json" || status=1
}

run_suite unit
if [ "$status" = 0 ]; then
  # A fresh stack per run: stale Temporal or etcd state must not decide a test.
  bash hack/stack.sh down >/dev/null 2>&1 || true
  rm -rf "$IBK_STACK_DIR/etcd" "$IBK_STACK_DIR/temporal.db"
  trap 'bash hack/stack.sh down' EXIT
  bash hack/stack.sh up
  source "$IBK_STACK_DIR/env"
  run_suite integration
  run_suite e2e
  bash hack/stack.sh down >/dev/null

  # The production shape: its own stack (PostgreSQL, the Temporal server), fresh each run.
  export IBK_PROFILE=cluster IBK_STACK_DIR="${IBK_TEST_CLUSTER_STACK_DIR:-$IBK_ROOT/.stack-test-cluster}"
  export IBK_PORT_BASE="${IBK_TEST_CLUSTER_PORT_BASE:-31000}"
  bash hack/stack.sh down >/dev/null 2>&1 || true
  rm -rf "$IBK_STACK_DIR/etcd" "$IBK_STACK_DIR/postgres" "$IBK_STACK_DIR/postgres.password"
  trap 'bash hack/stack.sh down' EXIT
  bash hack/stack.sh up
  source "$IBK_STACK_DIR/env"
  run_suite cluster
fi

node -e '
  const fs = require("fs");
  let passed = 0, failed = 0, skipped = 0;
  for (const f of fs.readdirSync(process.argv[1])) {
    const r = JSON.parse(fs.readFileSync(`${process.argv[1]}/${f}`, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests + r.numRuntimeErrorTestSuites;
    skipped += r.numPendingTests + r.numTodoTests;
  }
  console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  if (passed === 0) process.exitCode = 1;
' "$REPORTS" || status=1
ibk_log "make test finished in $(( $(date +%s) - started )) s (status $status)"
exit "$status"
