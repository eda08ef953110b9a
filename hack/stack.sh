#!/usr/bin/env bash
# The local stack: etcd + kube-apiserver (TLS, client-cert auth, RBAC, NAD CRD),
# the Temporal dev server (persistent, with our search attributes) and the UFM simulator.
#
#   hack/stack.sh up     start everything (idempotent: a running stack is left alone)
#   hack/stack.sh down   stop everything it started, by PID
#   hack/stack.sh controller   start the built worker and watcher on the stack (make demo)
#   hack/stack.sh restart-temporal   stop and start the Temporal dev server on the same file (tests)
#   hack/stack.sh env    print the stack's environment (KUBECONFIG, TEMPORAL_ADDRESS, ...)
#
# IBK_STACK_DIR (default .stack) holds certificates, data, logs, PIDs and the `env` file.
# IBK_PORT_BASE (default 27000) chooses the loopback ports, so a test stack and a demo
# stack can run side by side.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ibk_use_node

STACK_DIR="${IBK_STACK_DIR:-$IBK_ROOT/.stack}"
mkdir -p "$STACK_DIR"
STACK_DIR="$(cd "$STACK_DIR" && pwd)"
BASE="${IBK_PORT_BASE:-27000}"
ETCD_PORT=$((BASE + 79))
ETCD_PEER_PORT=$((BASE + 80))
APISERVER_PORT=$((BASE + 43))
TEMPORAL_PORT=$((BASE + 33))
TEMPORAL_UI_PORT=$((BASE + 34))
TEMPORAL_HTTP_PORT=$((BASE + 35))
TEMPORAL_METRICS_PORT=$((BASE + 36))
WORKER_HEALTH_PORT=$((BASE + 81))
WORKER_SDK_METRICS_PORT=$((BASE + 82))
WATCHER_HEALTH_PORT=$((BASE + 83))
UFM_PORT=$((BASE + 44))
UFM_USER=admin
# Test-only credential of the simulator; real UFM credentials come from a Secret.
UFM_PASS="sim-$(printf '%s' "$STACK_DIR" | sha256sum | cut -c1-12)"

# Custom search attributes of the pod workflows (workflows/definitions.ts must match;
# test/unit/search-attributes.test.ts checks it). SQLite visibility allows 10 Keywords.
SEARCH_ATTRIBUTES=(PodName=Keyword PodNamespace=Keyword IbStage=Keyword IbNode=Keyword IbPKeys=KeywordList IbGuids=KeywordList IbReason=Keyword)

PIDS="$STACK_DIR/pids"
LOGS="$STACK_DIR/logs"
CERTS="$STACK_DIR/certs"
mkdir -p "$PIDS" "$LOGS" "$CERTS"

running() { [ -f "$PIDS/$1.pid" ] && kill -0 "$(cat "$PIDS/$1.pid")" 2>/dev/null; }

# start NAME CMD...: runs CMD in its own session, logs to logs/NAME.log, records its PID.
start() {
  local name="$1"; shift
  if running "$name"; then ibk_log "$name already running (pid $(cat "$PIDS/$name.pid"))"; return; fi
  setsid "$@" >"$LOGS/$name.log" 2>&1 < /dev/null &
  echo $! > "$PIDS/$name.pid"
}

# stop NAME: SIGTERM, wait up to 15 s for the PID to exit (its port is busy until then), then SIGKILL.
stop() {
  local name="$1" pid
  [ -f "$PIDS/$name.pid" ] || return 0
  pid=$(cat "$PIDS/$name.pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$(( $(date +%s) + 15 ))
    while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { ibk_log "$name did not stop in 15 s; killing"; kill -KILL "$pid" 2>/dev/null || true; }
  fi
  rm -f "$PIDS/$name.pid"
}

# Fails fast with the process's log when it died during startup.
alive_or_die() {
  running "$1" || { tail -n 30 "$LOGS/$1.log" >&2; ibk_die "$1 exited during startup (log: $LOGS/$1.log)"; }
}

make_certs() {
  [ -f "$CERTS/admin.crt" ] && return
  ibk_log "generating certificates in $CERTS"
  (
    cd "$CERTS"
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=ibk-test-ca -keyout ca.key -out ca.crt 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj /CN=kube-apiserver -keyout apiserver.key -out apiserver.csr 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n' > apiserver.ext
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -extfile apiserver.ext -out apiserver.crt 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/O=system:masters/CN=ibk-admin" -keyout admin.key -out admin.csr 2>/dev/null
    printf 'extendedKeyUsage=clientAuth\n' > client.ext
    openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -extfile client.ext -out admin.crt 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    rm -f ./*.csr ./*.ext
  )
}

write_kubeconfig() {
  cat > "$STACK_DIR/kubeconfig" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
  - name: ibk-local
    cluster:
      server: https://127.0.0.1:$APISERVER_PORT
      certificate-authority: $CERTS/ca.crt
users:
  - name: ibk-admin
    user:
      client-certificate: $CERTS/admin.crt
      client-key: $CERTS/admin.key
contexts:
  - name: ibk-local
    context: { cluster: ibk-local, user: ibk-admin }
current-context: ibk-local
KUBECONFIG
}

kube_curl() {
  curl -sS --fail --cacert "$CERTS/ca.crt" --cert "$CERTS/admin.crt" --key "$CERTS/admin.key" "$@"
}

start_etcd() {
  start etcd "$IBK_BIN/etcd" --name ibk --data-dir "$STACK_DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "ibk=http://127.0.0.1:$ETCD_PEER_PORT" --log-level warn --quota-backend-bytes 2147483648
  ibk_wait_for etcd curl -sf "http://127.0.0.1:$ETCD_PORT/health"
  alive_or_die etcd
}

start_apiserver() {
  # ServiceAccount admission is off: no controller-manager creates `default` ServiceAccounts.
  start kube-apiserver "$IBK_BIN/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address 127.0.0.1 --secure-port "$APISERVER_PORT" --advertise-address 127.0.0.1 \
    --tls-cert-file "$CERTS/apiserver.crt" --tls-private-key-file "$CERTS/apiserver.key" \
    --client-ca-file "$CERTS/ca.crt" --anonymous-auth=false \
    --authorization-mode Node,RBAC \
    --service-account-key-file "$CERTS/sa.pub" --service-account-signing-key-file "$CERTS/sa.key" \
    --service-account-issuer https://kubernetes.default.svc \
    --service-cluster-ip-range 10.96.0.0/16 --cert-dir "$STACK_DIR/apiserver-certs" \
    --disable-admission-plugins ServiceAccount \
    --max-requests-inflight 800 --max-mutating-requests-inflight 400
  IBK_WAIT_SECONDS=90 ibk_wait_for kube-apiserver kube_curl "https://127.0.0.1:$APISERVER_PORT/readyz"
  alive_or_die kube-apiserver
  if ! kube_curl -o /dev/null "https://127.0.0.1:$APISERVER_PORT/apis/apiextensions.k8s.io/v1/customresourcedefinitions/network-attachment-definitions.k8s.cni.cncf.io" 2>/dev/null; then
    kube_curl -o /dev/null -X POST -H 'Content-Type: application/yaml' \
      --data-binary @"$IBK_ROOT/deployment/crds/network-attachment-definition.yaml" \
      "https://127.0.0.1:$APISERVER_PORT/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
  fi
  ibk_wait_for "the NetworkAttachmentDefinition API" \
    kube_curl "https://127.0.0.1:$APISERVER_PORT/apis/k8s.cni.cncf.io/v1/network-attachment-definitions"
}

start_temporal() {
  local sa_flags=()
  for sa in "${SEARCH_ATTRIBUTES[@]}"; do sa_flags+=(--search-attribute "$sa"); done
  start temporal "$IBK_BIN/temporal" server start-dev --ip 127.0.0.1 --port "$TEMPORAL_PORT" \
    --ui-ip 127.0.0.1 --ui-port "$TEMPORAL_UI_PORT" --http-port "$TEMPORAL_HTTP_PORT" \
    --metrics-port "$TEMPORAL_METRICS_PORT" --db-filename "$STACK_DIR/temporal.db" \
    "${sa_flags[@]}" --log-level warn
  IBK_WAIT_SECONDS=60 ibk_wait_for temporal \
    "$IBK_BIN/temporal" operator cluster health --address "127.0.0.1:$TEMPORAL_PORT"
  alive_or_die temporal
  # With a persistence file, --search-attribute only applies when the namespace is
  # first created; register any that an older database lacks.
  local have
  have=$("$IBK_BIN/temporal" operator search-attribute list --address "127.0.0.1:$TEMPORAL_PORT" 2>/dev/null || true)
  for sa in "${SEARCH_ATTRIBUTES[@]}"; do
    grep -qw "${sa%%=*}" <<<"$have" || "$IBK_BIN/temporal" operator search-attribute create \
      --address "127.0.0.1:$TEMPORAL_PORT" --name "${sa%%=*}" --type "${sa#*=}" >/dev/null
  done
}

start_ufm_simulator() {
  [ -f "$IBK_ROOT/build/ufm-simulator/main.js" ] || ibk_die "build/ufm-simulator/main.js missing: run 'make build' first"
  UFM_USERNAME="$UFM_USER" UFM_PASSWORD="$UFM_PASS" start ufm-simulator node "$IBK_ROOT/build/ufm-simulator/main.js" \
    --host 127.0.0.1 --port "$UFM_PORT" --tls --cert-out "$CERTS/ufm.crt"
  ibk_wait_for ufm-simulator curl -sf "https://127.0.0.1:$UFM_PORT/__sim/counters" --cacert "$CERTS/ufm.crt"
  alive_or_die ufm-simulator
}

write_env() {
  cat > "$STACK_DIR/env" <<ENV
export KUBECONFIG=$STACK_DIR/kubeconfig
export IBK_STACK_DIR=$STACK_DIR
export TEMPORAL_ADDRESS=127.0.0.1:$TEMPORAL_PORT
export TEMPORAL_NAMESPACE=default
export TEMPORAL_UI_URL=http://127.0.0.1:$TEMPORAL_UI_PORT
export TEMPORAL_CLI=$IBK_BIN/temporal
export UFM_SIM_URL=https://127.0.0.1:$UFM_PORT
export UFM_SIM_CERT=$CERTS/ufm.crt
export UFM_SIM_USERNAME=$UFM_USER
export UFM_SIM_PASSWORD=$UFM_PASS
ENV
}

up() {
  for tool in etcd kube-apiserver temporal; do
    [ -x "$IBK_BIN/$tool" ] || ibk_die "$IBK_BIN/$tool missing: run 'make tools' first"
  done
  make_certs
  write_kubeconfig
  start_etcd
  start_apiserver
  start_temporal
  start_ufm_simulator
  write_env
  cat <<SUMMARY
Stack is up ($STACK_DIR):
  kubeconfig        $STACK_DIR/kubeconfig
  kube-apiserver    https://127.0.0.1:$APISERVER_PORT
  Temporal gRPC     127.0.0.1:$TEMPORAL_PORT
  Temporal web UI   http://127.0.0.1:$TEMPORAL_UI_PORT
  UFM simulator     https://127.0.0.1:$UFM_PORT (CA: $CERTS/ufm.crt)
  environment       source $STACK_DIR/env
SUMMARY
}

# The worker and the watcher as in production: built output, configured only through the environment.
controller() {
  [ -f "$STACK_DIR/env" ] || ibk_die "the stack is not up: run 'hack/stack.sh up' first"
  for entry in workers watcher; do
    [ -f "$IBK_ROOT/build/$entry/main.js" ] || ibk_die "build/$entry/main.js missing: run 'make build' first"
  done
  local common=(
    DAEMON_SM_PLUGIN=ufm
    UFM_ADDRESS=127.0.0.1 UFM_PORT="$UFM_PORT" UFM_USERNAME="$UFM_USER" UFM_PASSWORD="$UFM_PASS"
    UFM_CERTIFICATE="$(cat "$CERTS/ufm.crt")"
    TEMPORAL_ADDRESS="127.0.0.1:$TEMPORAL_PORT" KUBECONFIG="$STACK_DIR/kubeconfig" HEALTH_ADDRESS=127.0.0.1
  )
  start worker env -i PATH="$PATH" "${common[@]}" HEALTH_PORT="$WORKER_HEALTH_PORT" \
    METRICS_SDK_PORT="$WORKER_SDK_METRICS_PORT" node "$IBK_ROOT/build/workers/main.js"
  start watcher env -i PATH="$PATH" "${common[@]}" HEALTH_PORT="$WATCHER_HEALTH_PORT" \
    LEASE_NAMESPACE=default POD_NAME=watcher-local node "$IBK_ROOT/build/watcher/main.js"
  ibk_wait_for worker curl -sf "http://127.0.0.1:$WORKER_HEALTH_PORT/readyz"
  alive_or_die worker
  ibk_wait_for watcher curl -sf "http://127.0.0.1:$WATCHER_HEALTH_PORT/readyz"
  alive_or_die watcher
  ibk_log "worker (http://127.0.0.1:$WORKER_HEALTH_PORT/metrics) and watcher (http://127.0.0.1:$WATCHER_HEALTH_PORT/metrics) running; logs in $LOGS"
}

down() {
  for name in watcher worker ufm-simulator temporal kube-apiserver etcd; do stop "$name"; done
  ibk_log "stack in $STACK_DIR stopped"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  controller) controller ;;
  restart-temporal) stop temporal; start_temporal ;;
  env) cat "$STACK_DIR/env" ;;
  *) ibk_die "usage: $0 up|down|env|controller|restart-temporal" ;;
esac
