#!/usr/bin/env bash
# `make demo`: from a fresh clone, the whole product on this machine. Builds the tools (once, into
# the cache: about 10 minutes on a cold machine), the project, brings up the stack, starts the
# worker and the watcher, applies the examples and shows the result. Ctrl-C (or `make stack-down`)
# stops everything.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$IBK_ROOT"
# Its own stack (directory and ports), fresh every time, so state left by development or an earlier
# demo never decides what the newcomer sees; `make stack-down` stops it too.
export IBK_STACK_DIR="$IBK_ROOT/.stack-demo" IBK_PORT_BASE="${IBK_DEMO_PORT_BASE:-28000}"

ibk_log "step 1/4: tools (cached in $IBK_CACHE; a cold machine builds them from the Go module proxy, about 10 min)"
bash hack/install-tools.sh all
ibk_use_node
ibk_log "step 2/4: dependencies and build"
bash hack/npm-deps.sh
npm run --silent build
ibk_log "step 3/4: the local stack, the worker and the watcher"
bash hack/stack.sh down >/dev/null 2>&1 || true
rm -rf "$IBK_STACK_DIR/etcd" "$IBK_STACK_DIR/temporal.db"
bash hack/stack.sh up
bash hack/stack.sh controller
trap 'echo; ibk_log "stopping everything"; bash hack/stack.sh down' INT TERM
source "$IBK_STACK_DIR/env"
ibk_log "step 4/4: the example NAD and pods"
node build/demo/demo.js
if [ -n "${DEMO_NO_WAIT:-}" ]; then exit 0; fi
echo
ibk_log "running; Ctrl-C stops the worker, the watcher and the stack (or run 'make stack-down' later)"
while sleep 3600; do :; done
